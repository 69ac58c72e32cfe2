// Installs Kueue (sigs.k8s.io/kueue) into the testbed: CRDs (with their v1beta1<->v1beta2 conversion webhook),
// the manager, webhooks for batch/job, JobSet and Kueue's own kinds, one ResourceFlavor per fake pool and the
// ClusterQueue `kinetic-cluster-queue`.
//
// Kueue keeps its internal cert management on: with it off, v0.17 insists on metrics certificates under
// /etc/kueue/metrics/certs. Its rotator accepts the certificates it finds in its Secret when they verify for its
// names, so the testbed pre-creates that Secret with the testbed CA (which also covers 127.0.0.1) and writes the same
// files into the manager's cert dir.
import { CustomObjectsApi, type KubernetesObject } from "@kubernetes/client-node";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { installAddon, webhookConfigurations, writeCertDir, type AddonContext, type AddonResult } from "./addon.ts";
import { createAll, loadYamlObjects, waitForCrdsEstablished, withoutSchemaDescriptions } from "./kube-apply.ts";
import { GPU_RESOURCE, LABEL_NODEPOOL, LABEL_SPOT, NODE_POOLS, TPU_RESOURCE, acceleratorSelector } from "./nodes.ts";
import type { NodePool } from "./nodes.ts";
import { probe, startComponent, waitUntil } from "./processes.ts";

export const CLUSTER_QUEUE = "kinetic-cluster-queue";
export const LOCAL_QUEUE = "kinetic";
export const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
const NAMESPACE = "kueue-system";
const KUEUE_API = "kueue.x-k8s.io/v1beta2";
// Kueue's CRDs that declare a conversion webhook (config/components/crd/kustomization.yaml).
const CONVERTED_CRDS = ["localqueues", "clusterqueues", "cohorts", "workloads", "multikueueclusters"];

/**
 * A flavor's nodeLabels: what Kueue adds to an admitted pod's nodeSelector. Accelerator flavors carry only the GKE
 * accelerator selectors (plus gke-spot for the spot pool), so a pod's own selectors decide between them: an on-demand
 * L4 pod may fall back to the spot flavor when l4-pool's quota is used up, while a pod that selects
 * `cloud.google.com/gke-spot: "true"` can still be charged to l4-pool's quota (Kueue only compares label keys the
 * flavor has), and the scheduler then places it on the spot node.
 */
export function flavorNodeLabels(pool: NodePool): Record<string, string> {
  const labels = acceleratorSelector(pool);
  if (pool.labels[LABEL_SPOT] === "true") labels[LABEL_SPOT] = "true";
  if (pool.accelerator.kind === "none") labels[LABEL_NODEPOOL] = pool.name;
  return labels;
}

function qty(value: string | undefined, count: number): string {
  const m = /^(\d+)([A-Za-z]*)$/.exec(value ?? "0");
  if (m?.[1] === undefined) throw new Error(`testbed: cannot total quantity ${value}`);
  return `${Number(m[1]) * count}${m[2] ?? ""}`;
}

export function queueObjects(): KubernetesObject[] {
  const flavors = NODE_POOLS.map((pool) => ({
    apiVersion: KUEUE_API,
    kind: "ResourceFlavor",
    metadata: { name: pool.name },
    spec: { nodeLabels: flavorNodeLabels(pool) },
  }));
  const clusterQueue = {
    apiVersion: KUEUE_API,
    kind: "ClusterQueue",
    metadata: { name: CLUSTER_QUEUE },
    spec: {
      namespaceSelector: {},
      queueingStrategy: "BestEffortFIFO",
      preemption: { withinClusterQueue: "LowerPriority" },
      resourceGroups: [
        {
          coveredResources: ["cpu", "memory", GPU_RESOURCE, TPU_RESOURCE],
          flavors: NODE_POOLS.map((pool) => {
            const cap: Record<string, string> = pool.capacity;
            return {
              name: pool.name,
              resources: [
                { name: "cpu", nominalQuota: qty(cap.cpu, pool.nodeCount) },
                { name: "memory", nominalQuota: qty(cap.memory, pool.nodeCount) },
                { name: GPU_RESOURCE, nominalQuota: qty(cap[GPU_RESOURCE], pool.nodeCount) },
                { name: TPU_RESOURCE, nominalQuota: qty(cap[TPU_RESOURCE], pool.nodeCount) },
              ],
            };
          }),
        },
      ],
    },
  };
  return [...flavors, clusterQueue];
}

export function localQueue(namespace: string): KubernetesObject {
  return {
    apiVersion: KUEUE_API,
    kind: "LocalQueue",
    metadata: { name: LOCAL_QUEUE, namespace },
    spec: { clusterQueue: CLUSTER_QUEUE },
  } as KubernetesObject;
}

export async function setupKueue(
  ctx: AddonContext,
  ports: { webhookPort: number; healthPort: number },
  /** Settles with whether JobSet runs; Kueue's CRDs install meanwhile, its jobset integration waits for this. */
  jobset: Promise<boolean>,
): Promise<AddonResult> {
  return installAddon(ctx, "kueue", async (track) => {
    const bin = ctx.paths.bin("kueue");
    const manifest = join(ctx.paths.webhooks, "kueue.yaml");
    for (const f of [bin, manifest, ctx.paths.crds]) {
      if (!existsSync(f)) throw new Error(`${f} is missing; run \`npm run testbed:build\``);
    }
    const caBundle = Buffer.from(ctx.pki.caPem).toString("base64");
    const crdFiles = readdirSync(ctx.paths.crds).filter((f) => f.startsWith("kueue.x-k8s.io_"));
    const crds = crdFiles.flatMap((f) => loadYamlObjects(join(ctx.paths.crds, f))).map(withoutSchemaDescriptions);
    for (const crd of crds) {
      const plural = (crd.metadata?.name ?? "").split(".")[0] ?? "";
      if (!CONVERTED_CRDS.includes(plural)) continue;
      (crd as KubernetesObject & { spec: Record<string, unknown> }).spec.conversion = {
        strategy: "Webhook",
        webhook: {
          clientConfig: { url: `https://127.0.0.1:${ports.webhookPort}/convert`, caBundle },
          conversionReviewVersions: ["v1"],
        },
      };
    }
    await createAll(ctx.kc, crds);
    await waitForCrdsEstablished(
      ctx.kc,
      crds.map((c) => c.metadata?.name ?? ""),
      { timeoutMs: ctx.timeoutMs },
    );

    const b64 = (path: string) => readFileSync(path).toString("base64");
    await createAll(ctx.kc, [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "kueue-webhook-server-cert", namespace: NAMESPACE },
        type: "Opaque",
        data: {
          "ca.crt": b64(ctx.pki.caCert),
          "ca.key": b64(ctx.pki.caKey),
          "tls.crt": b64(ctx.pki.servingCert),
          "tls.key": b64(ctx.pki.servingKey),
        },
      } as KubernetesObject,
    ]);

    const jobsetReady = await jobset;
    const groups = new Set(["kueue.x-k8s.io", "batch", ...(jobsetReady ? ["jobset.x-k8s.io"] : [])]);
    // Kueue's rotator looks its webhook configurations up by these names ("kueue-" + kind).
    track.webhooks = webhookConfigurations(manifest, {
      port: ports.webhookPort,
      caPem: ctx.pki.caPem,
      namePrefix: "kueue",
      keep: (g) => g.length > 0 && g.every((x) => groups.has(x)),
    });
    await createAll(ctx.kc, track.webhooks);

    const certDir = await writeCertDir(ctx, "kueue");
    const configPath = join(ctx.dir, "kueue-config.yaml");
    await writeFile(
      configPath,
      stringify({
        apiVersion: "config.kueue.x-k8s.io/v1beta2",
        kind: "Configuration",
        namespace: NAMESPACE,
        manageJobsWithoutQueueName: false,
        leaderElection: { leaderElect: false },
        internalCertManagement: {
          enable: true,
          webhookServiceName: "kueue-webhook-service",
          webhookSecretName: "kueue-webhook-server-cert",
        },
        webhook: { host: "127.0.0.1", port: ports.webhookPort, certDir },
        metrics: { bindAddress: "0" },
        health: { healthProbeBindAddress: `127.0.0.1:${ports.healthPort}` },
        clientConnection: { qps: 200, burst: 400 },
        // The on-demand visibility API server needs in-cluster delegated authentication; tests read Workloads instead.
        featureGates: { VisibilityOnDemand: false },
        integrations: { frameworks: ["batch/job", ...(jobsetReady ? ["jobset.x-k8s.io/jobset"] : [])] },
      }),
    );
    const component = startComponent("kueue", bin, [`--config=${configPath}`], {
      logDir: ctx.logDir,
      env: { KUBECONFIG: join(ctx.dir, "kubeconfig") },
    });
    track.component = component;
    ctx.components.push(component);

    await waitUntil(
      "kueue /readyz",
      async () => (await probe(`http://127.0.0.1:${ports.healthPort}/readyz`)).status === 200,
      { timeoutMs: ctx.timeoutMs, components: [component] },
    );
    // Flavors and the ClusterQueue go through Kueue's webhooks, so creating them also proves those are reachable.
    await waitUntil(
      "kueue webhooks (ResourceFlavors and ClusterQueue)",
      async () => {
        await createAll(ctx.kc, queueObjects());
        return true;
      },
      { timeoutMs: ctx.timeoutMs, components: [component], intervalMs: 250 },
    );
    const custom = ctx.kc.makeApiClient(CustomObjectsApi);
    await waitUntil(
      `ClusterQueue ${CLUSTER_QUEUE} Active`,
      async () => {
        const cq = (await custom.getClusterCustomObject({
          group: "kueue.x-k8s.io",
          version: "v1beta2",
          plural: "clusterqueues",
          name: CLUSTER_QUEUE,
        })) as { status?: { conditions?: { type: string; status: string }[] } };
        return cq.status?.conditions?.some((c) => c.type === "Active" && c.status === "True") === true;
      },
      { timeoutMs: ctx.timeoutMs, components: [component], intervalMs: 200 },
    );
  });
}
