/**
 * Where a run's settings come from: the live operator config (one Firestore
 * read per run, so a change applies on the next run without a restart) and
 * the startup-only monitoring environment.
 */
import { durationMs, type OperatorConfig } from "../operator-config/index.ts";
import type { MonitoringEnv } from "../operator-config/monitoring-env.ts";
import type { UtilizationSettings } from "./types.ts";

export function utilizationSettings(config: OperatorConfig, env: MonitoringEnv): UtilizationSettings {
  const rm = config.resourceMonitoring;
  return {
    enabled: env.enabled,
    lowUtilizationThreshold: rm.lowUtilizationThreshold,
    targetNamespaces: [...rm.targetNamespaces],
    profile: rm.profile,
    terminateUnderutilized: rm.terminateUnderutilized,
    terminateUnderutilizedAfterMs: durationMs(rm.terminateUnderutilizedAfter),
    warmUpMs: durationMs(rm.warmUp),
    windowMs: durationMs(rm.window),
    sampleIntervalMs: env.pollingIntervalMs,
    pendingThresholdForPreemptionMs: durationMs(config.scheduling.pendingThresholdForPreemption),
  };
}
