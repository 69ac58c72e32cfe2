/**
 * One cron step: bring the default queue in line with the operator config as
 * it is now (read fresh, so a change made with `kinetic admin config set` is
 * applied by the next run). It never throws: a cluster or config problem is
 * logged and returned, and the cron's own work goes on.
 */
import type { Logger } from "../log.ts";
import type { OperatorConfigSource } from "../store/operator-config-store.ts";
import type { KueueApplier } from "../cluster/kueue-apply.ts";
import { ensureDefaultQueue, type EnsureReport } from "./ensure.ts";

export interface ReconcileDeps {
  operatorConfig: OperatorConfigSource;
  log: Logger;
  /** Connects to the cluster (connectKueue in production, kueueApplier(kubeConfig) in tests). */
  kueue: () => Promise<KueueApplier>;
}

export async function reconcileDefaultQueue(
  deps: ReconcileDeps,
  namespaces: string[],
): Promise<{ ok: true; report: EnsureReport } | { ok: false; error: string }> {
  try {
    const config = await deps.operatorConfig.current();
    const report = await ensureDefaultQueue(await deps.kueue(), config, { namespaces });
    if (report.errors.length) deps.log.warn("default queue: some objects were left alone", { errors: report.errors });
    if (report.clusterQueue.action === "created" || report.clusterQueue.action === "updated")
      deps.log.info("default queue applied", {
        clusterQueue: report.clusterQueue.name,
        action: report.clusterQueue.action,
        pools: report.clusterQueue.pools.map((p) => `${p.flavor}:${JSON.stringify(p.quotas)}`),
      });
    return { ok: true, report };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    deps.log.warn("default queue not reconciled", { error });
    return { ok: false, error };
  }
}
