/**
 * The cleanup view of a function instance's deps, shared by the cleanupTtl
 * cron and the admin routes of the api function so both run cleanup alike.
 */
import { ClusterReferenceReader } from "./references.ts";
import type { CleanupDeps } from "./types.ts";

/** Picks what cleanup uses; pod-template references are read where the cluster backend has templates. */
export function cleanupDeps(deps: Omit<CleanupDeps, "references">): CleanupDeps {
  const { cluster } = deps;
  return {
    store: deps.store,
    leases: deps.leases,
    cleanupRuns: deps.cleanupRuns,
    cluster,
    config: deps.config,
    clock: deps.clock,
    log: deps.log,
    ...(cluster.readWorkloads
      ? { references: new ClusterReferenceReader({ readWorkloads: (ns) => cluster.readWorkloads!(ns) }) }
      : {}),
  };
}
