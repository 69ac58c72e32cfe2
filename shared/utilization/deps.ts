/**
 * A checkUtilization instance's deps: the function's deps plus the metrics
 * source (built once per instance from the startup-only environment) and
 * the settings, read from the live operator config at every run.
 */
import { loadMonitoringEnv, type MonitoringEnv } from "../operator-config/monitoring-env.ts";
import type { OperatorConfigSource } from "../operator-config/index.ts";
import { googleAuthHeaders } from "../security/google-access-token.ts";
import { managedPrometheusUrl, PromQlHttpSource, type MetricsSource } from "./metrics.ts";
import type { UtilizationDeps } from "./context.ts";
import { utilizationSettings } from "./settings.ts";

let cachedEnv: MonitoringEnv | undefined;
let cachedMetrics: MetricsSource | undefined;

/** The metrics source the environment names: a PromQL URL, or Managed Prometheus of the project with Google auth. */
export function metricsFromEnv(env: MonitoringEnv, project: string | undefined): MetricsSource {
  if (env.metricsEndpoint) return new PromQlHttpSource({ baseUrl: env.metricsEndpoint });
  if (!project) return new PromQlHttpSource({ baseUrl: "http://kinetic-no-metrics-endpoint.invalid" });
  return new PromQlHttpSource({ baseUrl: managedPrometheusUrl(project), headers: googleAuthHeaders() });
}

/** The shared deps a run builds on: everything but the metrics and the settings, plus the config source. */
export type BaseDeps = Omit<UtilizationDeps, "metrics" | "settings"> & { operatorConfig: OperatorConfigSource };

export function utilizationDeps(
  deps: BaseDeps,
  overrides: { metrics?: MetricsSource; env?: MonitoringEnv } = {},
): UtilizationDeps {
  const project = process.env.KINETIC_PROJECT || process.env.GOOGLE_CLOUD_PROJECT;
  const env = overrides.env ?? (cachedEnv ??= loadMonitoringEnv());
  const metrics =
    overrides.metrics ??
    (overrides.env ? metricsFromEnv(env, project) : (cachedMetrics ??= metricsFromEnv(env, project)));
  return {
    ...deps,
    metrics,
    settings: async () => utilizationSettings(await deps.operatorConfig.current(), env),
  };
}
