/**
 * Seeds N active jobs for the sync bench: a Kubernetes Job per job, created
 * through the API server, and a SUBMITTED record per job written straight to
 * Firestore (BulkWriter), shaped like the ones submitJob leaves.
 */
import type { Firestore } from "@google-cloud/firestore";
import type { KubeCluster } from "../../shared/cluster/kube.ts";
import { forEachLimit } from "../../shared/concurrency.ts";
import { withRetry } from "../../shared/retry.ts";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import { JOBS, jobKey } from "../../shared/store/job-store.ts";

export interface Seeded {
  count: number;
}

export async function seedActive(o: {
  db: Firestore;
  cluster: KubeCluster;
  namespace: string;
  count: number;
  /** false: the Jobs are created suspended, so no pods exist. */
  withPods: boolean;
  annotations: Record<string, string>;
}): Promise<Seeded> {
  const ids = Array.from({ length: o.count }, (_, i) => `a-${String(i).padStart(5, "0")}`);
  const at = new Date().toISOString();
  const writer = o.db.bulkWriter();
  await forEachLimit(ids, 16, async (id) => {
    const spec = parseJobSpec({
      id,
      namespace: o.namespace,
      command: ["python", "train.py"],
      cpu: "10m",
      memory: "16Mi",
      annotations: o.annotations,
    });
    const workload = renderWorkload(id, spec);
    if (!o.withPods) (workload.spec as { suspend?: boolean }).suspend = true;
    // A loaded 2-core machine drops the odd connection: a seed create is retried like submitJob's.
    const { ref } = await withRetry(() => o.cluster.submit(workload));
    void writer.create(o.db.collection(JOBS).doc(jobKey({ namespace: o.namespace, id })), {
      id,
      state: "SUBMITTED",
      reason: "Created",
      namespace: o.namespace,
      accelerator: "cpu",
      spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown>,
      workload: ref,
      createdAt: at,
      updatedAt: at,
      active: true,
      events: [
        { at, state: "QUEUED", reason: "Accepted" },
        { at, state: "SUBMITTED", reason: "Created" },
      ],
      source: "bench",
    });
  });
  await writer.close();
  return { count: o.count };
}
