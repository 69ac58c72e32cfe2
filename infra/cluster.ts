/**
 * The GKE Standard cluster: Workload Identity on, the default pool removed in
 * favour of a small autoscaled CPU pool, and one node pool per accelerator pool
 * in the config. Spot and reservations are pool-level settings, so a pool
 * added with `kinetic pool add --reservation R` consumes R and nothing else.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { InfraConfig, PoolSpec } from "./config.ts";
import { CPU_POOL_NAME } from "./config-fields.ts";
import { poolShape } from "./pools.ts";

export interface ClusterResources {
  cluster: gcp.container.Cluster;
  cpuPool: gcp.container.NodePool;
  pools: Map<string, gcp.container.NodePool>;
}

const nodeBase = (nodeServiceAccount: pulumi.Input<string>) => ({
  serviceAccount: nodeServiceAccount,
  oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
  // Pods get their own identity through Workload Identity, never the node's.
  workloadMetadataConfig: { mode: "GKE_METADATA" },
  shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
});

/** A specific reservation: "projects/P/reservations/NAME" is a shared one, a bare name is local. */
export function reservationAffinity(reservation: string) {
  return {
    consumeReservationType: "SPECIFIC_RESERVATION",
    key: "compute.googleapis.com/reservation-name",
    values: [reservation],
  };
}

function acceleratorPool(
  cfg: InfraConfig,
  cluster: gcp.container.Cluster,
  pool: PoolSpec,
  nodeServiceAccount: pulumi.Input<string>,
): gcp.container.NodePool {
  const shape = poolShape(pool);
  return new gcp.container.NodePool(`pool-${pool.name}`, {
    project: cfg.project,
    location: cfg.zone,
    cluster: cluster.name,
    name: pool.name,
    initialNodeCount: shape.minNodes,
    autoscaling: { minNodeCount: shape.minNodes, maxNodeCount: shape.maxNodes },
    management: { autoRepair: true, autoUpgrade: true },
    ...(shape.placementTopology ? { placementPolicy: { type: "COMPACT", tpuTopology: shape.placementTopology } } : {}),
    nodeConfig: {
      ...nodeBase(nodeServiceAccount),
      machineType: pool.machineType,
      spot: pool.spot,
      labels: { "kinetic.dev/pool": pool.name },
      ...(pool.kind === "gpu"
        ? {
            guestAccelerators: [
              {
                type: pool.gpuType,
                count: pool.gpusPerNode,
                gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" },
              },
            ],
          }
        : {}),
      ...(pool.reservation ? { reservationAffinity: reservationAffinity(pool.reservation) } : {}),
    },
  });
}

export function createCluster(
  cfg: InfraConfig,
  nodeServiceAccount: pulumi.Input<string>,
  dependsOn: pulumi.Resource[],
): ClusterResources {
  const cluster = new gcp.container.Cluster(
    "cluster",
    {
      project: cfg.project,
      location: cfg.zone,
      name: cfg.cluster,
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      releaseChannel: { channel: "REGULAR" },
      workloadIdentityConfig: { workloadPool: `${cfg.project}.svc.id.goog` },
      networkingMode: "VPC_NATIVE",
      ipAllocationPolicy: {},
      // `kinetic down` must be able to delete it; the stack is the guard.
      deletionProtection: false,
    },
    { dependsOn },
  );
  const cpuPool = new gcp.container.NodePool("pool-cpu", {
    project: cfg.project,
    location: cfg.zone,
    cluster: cluster.name,
    name: CPU_POOL_NAME,
    initialNodeCount: cfg.cpuPool.minNodes,
    autoscaling: { minNodeCount: cfg.cpuPool.minNodes, maxNodeCount: cfg.cpuPool.maxNodes },
    management: { autoRepair: true, autoUpgrade: true },
    nodeConfig: { ...nodeBase(nodeServiceAccount), machineType: cfg.cpuPool.machineType },
  });
  const pools = new Map(cfg.pools.map((p) => [p.name, acceleratorPool(cfg, cluster, p, nodeServiceAccount)] as const));
  return { cluster, cpuPool, pools };
}
