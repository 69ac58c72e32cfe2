/**
 * What the operator config changes about a job's workload when it is
 * rendered: the queue of a job that names none, the scheduler name, and the
 * GPU taint GPU pods tolerate. Read through a short cache (submission is a
 * hot path); a change is in effect within `SUBMIT_CONFIG_MAX_AGE_MS`.
 *
 * Default queue: `KINETIC_DEFAULT_QUEUE` (startup, set by infra) says whether
 * jobs without a queue go through Kueue at all; when it is set they are
 * labelled with the config's `defaultClusterQueueName`, the LocalQueue of
 * that name in their namespace (Kaiwo's convention; ensureDefaultQueue
 * creates it). Without a config source the variable's own value is used.
 */
import type { PodScheduling } from "../manifests/pod-scheduling.ts";
import type { OperatorConfigSource } from "../store/operator-config-store.ts";

export const SUBMIT_CONFIG_MAX_AGE_MS = 10_000;

export interface JobDefaults {
  queue?: string;
  scheduling?: PodScheduling;
}

export async function jobDefaults(
  source: OperatorConfigSource | undefined,
  envDefaultQueue: string | undefined,
): Promise<JobDefaults> {
  if (!source) return envDefaultQueue ? { queue: envDefaultQueue } : {};
  const config = await source.current({ maxAgeMs: SUBMIT_CONFIG_MAX_AGE_MS });
  return {
    ...(envDefaultQueue ? { queue: config.defaultClusterQueueName } : {}),
    scheduling: {
      schedulerName: config.scheduling.kubeSchedulerName,
      gpuTaintKey: config.nodes.defaultGpuTaintKey,
      gpuResourceKey: config.nodes.defaultGpuResourceKey,
    },
  };
}
