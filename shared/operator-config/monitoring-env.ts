/**
 * The startup-only monitoring settings (as in Kaiwo, whose
 * RESOURCE_MONITORING_* variables need a restart): read from the
 * environment, validated by the schemas declared in runtime-settings.ts.
 * Everything tunable at run time is in the operator config instead.
 */
import { z } from "zod";
import { KineticError } from "../errors.ts";
import { RUNTIME_SETTINGS as S } from "../runtime-settings.ts";
import { durationMs } from "./schema.ts";

const MonitoringEnv = z.object({
  KINETIC_RESOURCE_MONITORING_ENABLED: S.KINETIC_RESOURCE_MONITORING_ENABLED.schema,
  KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT: S.KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT.schema,
  KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL: S.KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL.schema,
});

export interface MonitoringEnv {
  enabled: boolean;
  /** PromQL HTTP API base URL; undefined = Google Managed Prometheus of the project. */
  metricsEndpoint?: string;
  pollingInterval: string;
  pollingIntervalMs: number;
}

export function loadMonitoringEnv(env: NodeJS.ProcessEnv = process.env): MonitoringEnv {
  const parsed = MonitoringEnv.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
    throw new KineticError(
      "invalid-argument",
      `invalid monitoring settings: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
      { issues },
    );
  }
  const e = parsed.data;
  return {
    enabled: e.KINETIC_RESOURCE_MONITORING_ENABLED,
    ...(e.KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT
      ? { metricsEndpoint: e.KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT }
      : {}),
    pollingInterval: e.KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL,
    pollingIntervalMs: durationMs(e.KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL),
  };
}
