/**
 * Fixtures for the cleanup tests: Kinetic-labelled (and unlabelled) batch/v1
 * Jobs on the testbed, job records in the Firestore emulator shaped the way
 * submit + syncJobs leave them, and a cluster wrapper that counts deletes or
 * "dies" (never answers) after N of them.
 */
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
} from "@kubernetes/client-node";
import { ManualClock } from "../../shared/clock.ts";
import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../../shared/cluster/labels.ts";
import type { ClusterClient, WorkloadRef } from "../../shared/cluster/types.ts";
import type { CleanupDeps } from "../../shared/cleanup/types.ts";
import { ClusterReferenceReader } from "../../shared/cleanup/references.ts";
import type { JobStore } from "../../shared/store/job-store.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores, type Stores } from "../../shared/stores.ts";
import { TEST_ANNOTATIONS, waitFor, waitForJobCondition, waitForPodsPhase } from "../../testbed/index.ts";
import { testCluster, testFirestore, testLog } from "./support.ts";

export const DEFAULT_TTL = 7 * 86_400;

export function kineticLabels(jobId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [JOB_ID_LABEL]: jobId };
}

/** A minimal batch/v1 Job; `run` keeps its pod running until deleted. */
export function testJob(
  name: string,
  opts: { labels?: Record<string, string>; run?: boolean; secret?: string } = {},
): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: {
          ...(opts.labels ? { labels: opts.labels } : {}),
          ...(opts.run ? { annotations: { [TEST_ANNOTATIONS.outcome]: "run" } } : {}),
        },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: "us-docker.pkg.dev/kinetic/test/trainer:latest",
              resources: { requests: { cpu: "10m", memory: "16Mi" } },
              ...(opts.secret ? { envFrom: [{ secretRef: { name: opts.secret } }] } : {}),
            },
          ],
        },
      },
    },
  };
}

/** A minimal JobSet with `workers` pods, labelled as Kinetic's on the set, its Jobs and its pods. */
export function testJobSet(name: string, workers = 2): KubernetesObject {
  const labels = kineticLabels(name);
  return {
    apiVersion: "jobset.x-k8s.io/v1alpha2",
    kind: "JobSet",
    metadata: { name, labels },
    spec: {
      failurePolicy: { maxRestarts: 0 },
      replicatedJobs: [
        { name: "worker", replicas: workers, template: { metadata: { labels }, spec: testJob(name, { labels }).spec } },
      ],
    },
  } as KubernetesObject;
}

export class Fixture {
  readonly kc: KubeConfig;
  readonly batch: BatchV1Api;
  readonly core: CoreV1Api;
  readonly cluster = testCluster();
  readonly clock = new ManualClock(Date.now());
  /** The emulator project's raw client, for assertions on stored documents. */
  readonly db = testFirestore("cleanup");
  readonly stores: Stores;
  readonly store: JobStore;
  readonly ns: string;

  constructor(kc: KubeConfig, ns: string) {
    this.kc = kc;
    this.ns = ns;
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.stores = createStores(new FirestoreDocs(this.db), { clock: this.clock });
    this.store = this.stores.store;
  }

  deps(cluster: ClusterClient = this.cluster): CleanupDeps {
    return {
      ...this.stores,
      cluster,
      config: { defaultTtlSeconds: DEFAULT_TTL, retentionDays: 30 },
      clock: this.clock,
      log: testLog,
      references: new ClusterReferenceReader(this.cluster),
    };
  }

  async createJob(name: string, opts: { labelled?: boolean; run?: boolean; secret?: string } = {}): Promise<void> {
    const labels = opts.labelled === false ? undefined : kineticLabels(name);
    await this.batch.createNamespacedJob({
      namespace: this.ns,
      body: testJob(name, {
        ...(labels ? { labels } : {}),
        ...(opts.run ? { run: true } : {}),
        ...(opts.secret ? { secret: opts.secret } : {}),
      }),
    });
  }

  async createJobSet(name: string, workers = 2): Promise<void> {
    const body = testJobSet(name, workers);
    body.metadata!.namespace = this.ns;
    await KubernetesObjectApi.makeApiClient(this.kc).create(body);
  }

  /** Pods of a workload (by the Kinetic job-id label). */
  async podCount(jobId: string): Promise<number> {
    const list = await this.core.listNamespacedPod({ namespace: this.ns, labelSelector: `${JOB_ID_LABEL}=${jobId}` });
    return list.items.length;
  }

  async waitComplete(...names: string[]): Promise<void> {
    for (const name of names) await waitForJobCondition(this.kc, this.ns, name, "Complete", { timeoutMs: 60_000 });
  }

  async waitRunning(name: string): Promise<void> {
    await waitForPodsPhase(this.kc, this.ns, `batch.kubernetes.io/job-name=${name}`, "Running", { timeoutMs: 60_000 });
  }

  async jobExists(name: string): Promise<boolean> {
    try {
      const job = await this.batch.readNamespacedJob({ name, namespace: this.ns });
      return !job.metadata?.deletionTimestamp;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return false;
      throw err;
    }
  }

  async waitGone(name: string): Promise<void> {
    await waitFor(async () => !(await this.jobExists(name)), {
      timeoutMs: 30_000,
      description: `Job ${this.ns}/${name} deleted`,
    });
  }

  async secretExists(name: string): Promise<boolean> {
    try {
      await this.core.readNamespacedSecret({ name, namespace: this.ns });
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return false;
      throw err;
    }
  }

  async createSecret(name: string, labels: Record<string, string>): Promise<void> {
    await this.core.createNamespacedSecret({
      namespace: this.ns,
      body: { metadata: { name, labels }, stringData: { k: "v" } },
    });
  }

  /**
   * A job record the way submit + syncJobs leave it. A finished job gets
   * cleanupPending/cleanupDueAt like syncJobs' finish() unless `flag` is false.
   */
  async record(
    id: string,
    opts: {
      state: "SUCCEEDED" | "RUNNING";
      ttl?: number;
      forceCleanup?: boolean;
      flag?: boolean;
      kind?: "Job" | "JobSet";
    },
  ): Promise<void> {
    const spec = {
      namespace: this.ns,
      ...(opts.ttl !== undefined ? { ttlSecondsAfterFinished: opts.ttl } : {}),
      ...(opts.forceCleanup ? { forceCleanup: true } : {}),
    };
    await this.store.create({ id, namespace: this.ns, accelerator: "cpu", spec });
    const workload: WorkloadRef = { kind: opts.kind ?? "Job", name: id, namespace: this.ns };
    await this.store.transition(
      { namespace: this.ns, id },
      { to: "SUBMITTED", reason: "Created", patch: { workload } },
    );
    await this.store.transition({ namespace: this.ns, id }, { to: "RUNNING", reason: "Running" });
    if (opts.state === "RUNNING") return;
    const { job } = await this.store.transition({ namespace: this.ns, id }, { to: "SUCCEEDED", reason: "Completed" });
    const due = Date.parse(job.finishedAt!) + (opts.ttl ?? DEFAULT_TTL) * 1000;
    await this.store.patch(
      { namespace: this.ns, id },
      {
        active: false,
        finishedEventPublished: true,
        ...(opts.flag === false ? {} : { cleanupPending: true, cleanupDueAt: new Date(due).toISOString() }),
      },
    );
  }
}

/**
 * Counts deletes per object; after `dieAfter` deletes every further call hangs
 * forever, like a killed instance; with `gate`, deletes wait until it opens.
 */
export function instrumented(inner: ClusterClient, opts: { dieAfter?: number; gate?: Promise<void> } = {}) {
  const deletes = new Map<string, number>();
  let calls = 0;
  const client: ClusterClient = {
    submit: (w) => inner.submit(w),
    dryRun: (w) => inner.dryRun(w),
    status: (r) => inner.status(r),
    logs: (r, o) => inner.logs(r, o),
    listManaged: (n, k, l) => inner.listManaged(n, k, l),
    deleteObject: (o) => inner.deleteObject(o),
    delete: async (ref) => {
      calls++;
      if (opts.dieAfter !== undefined && calls > opts.dieAfter) return new Promise(() => {});
      await opts.gate;
      const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
      deletes.set(key, (deletes.get(key) ?? 0) + 1);
      return inner.delete(ref);
    },
  };
  return { client, deletes, calls: () => calls };
}
