/**
 * Every Firestore query the code runs that needs a composite index is declared
 * here, and the stores build their queries from these declarations. infra/
 * derives the composite indexes from the same list, so an index cannot be
 * forgotten: a new query is a new entry, and the infra test sees it.
 */
import type { Filter, Order, QuerySpec } from "./docs.ts";

export interface IndexedField {
  field: string;
  order: "ASCENDING" | "DESCENDING";
}

export interface QueryDecl {
  /** Collection id (collection group scope is not used). */
  collection: string;
  /** Fields in index order: equality filters first, then range/order fields. */
  fields: IndexedField[];
  /** Where the query is used, for reviewers. */
  usedBy: string;
}

/** GET /jobs filtered by equality on `equals` (in index order), newest first. */
function newestJobs(...equals: string[]): QueryDecl {
  return {
    collection: "jobs",
    fields: [
      ...equals.map((field): IndexedField => ({ field, order: "ASCENDING" })),
      { field: "createdAt", order: "DESCENDING" },
    ],
    usedBy: "shared/store/job-store.ts list",
  };
}

export const QUERIES = {
  /** syncJobs: active jobs, oldest update first: O(active), never O(history). */
  activeJobsByUpdate: {
    collection: "jobs",
    fields: [
      { field: "active", order: "ASCENDING" },
      { field: "updatedAt", order: "ASCENDING" },
    ],
    usedBy: "shared/store/job-store.ts listActive",
  },
  // GET /jobs with any of its filters (state, namespace, accelerator): equality on each, newest first, cursor-paged.
  jobsByStateNewest: newestJobs("state"),
  jobsByNamespaceNewest: newestJobs("namespace"),
  jobsByNamespaceStateNewest: newestJobs("namespace", "state"),
  jobsByAcceleratorNewest: newestJobs("accelerator"),
  jobsByNamespaceAcceleratorNewest: newestJobs("namespace", "accelerator"),
  jobsByStateAcceleratorNewest: newestJobs("state", "accelerator"),
  jobsByNamespaceStateAcceleratorNewest: newestJobs("namespace", "state", "accelerator"),
  /** A build ended: the jobs waiting on it (O(waiting jobs), never O(history)); equality only, pages by id. */
  jobsWaitingOnBuild: {
    collection: "jobs",
    fields: [
      { field: "buildId", order: "ASCENDING" },
      { field: "state", order: "ASCENDING" },
    ],
    usedBy: "shared/store/job-store.ts waitingOnBuild",
  },
  /** cleanupTtl: finished jobs whose cluster objects are due for deletion. */
  finishedJobsDueForCleanup: {
    collection: "jobs",
    fields: [
      { field: "cleanupPending", order: "ASCENDING" },
      { field: "cleanupDueAt", order: "ASCENDING" },
    ],
    usedBy: "shared/cleanup (cleanupTtl)",
  },
  /** cleanupTtl scoped to one namespace (Kaptain's clean / clean-all / delete-completed). */
  finishedJobsDueForCleanupInNamespace: {
    collection: "jobs",
    fields: [
      { field: "namespace", order: "ASCENDING" },
      { field: "cleanupPending", order: "ASCENDING" },
      { field: "cleanupDueAt", order: "ASCENDING" },
    ],
    usedBy: "shared/cleanup/workloads.ts sweepDueRecords",
  },
  /** GET /builds?namespace=…: the builds requested for a namespace, newest first. */
  buildRefsByNamespaceNewest: {
    collection: "buildRefs",
    fields: [
      { field: "namespace", order: "ASCENDING" },
      { field: "at", order: "DESCENDING" },
    ],
    usedBy: "shared/store/build-refs.ts list",
  },
} as const satisfies Record<string, QueryDecl>;

export type QueryName = keyof typeof QUERIES;

/**
 * A query from its declaration: equality filters on the declared fields
 * named in `equals`, an optional range on one of the others, then the
 * remaining fields as orderings (the id follows, in the last one's direction).
 */
export function fromDecl(
  decl: QueryDecl,
  options: { equals?: Record<string, unknown>; range?: Filter; startAfter?: unknown[]; limit: number },
): QuerySpec {
  const equals = options.equals ?? {};
  const where: Filter[] = decl.fields
    .filter((f) => f.field in equals)
    .map((f) => ({
      field: f.field,
      op: "==" as const,
      value: equals[f.field],
    }));
  if (options.range) where.push(options.range);
  const orderBy: Order[] = decl.fields
    .filter((f) => !(f.field in equals))
    .map((f) => ({ field: f.field, dir: f.order === "ASCENDING" ? "asc" : "desc" }));
  return { where, orderBy, limit: options.limit, ...(options.startAfter ? { startAfter: options.startAfter } : {}) };
}
