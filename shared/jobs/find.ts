/**
 * Finding the job a caller names. A job is (namespace, id): two tenants may
 * use the same id. A caller who names the namespace gets that job; one who
 * names only the id gets it when the id is used in exactly one namespace the
 * caller can see. Jobs in other namespaces are never reported, not even as
 * a conflict: the answer is the same 404 as for no job at all.
 */
import { KineticError } from "../errors.ts";
import type { JobDoc, JobStore } from "../store/job-store.ts";
import { namespaceMatches } from "./namespace-policy.ts";

/** How many same-id jobs a wildcard lookup reads; past it, the caller is asked to name the namespace. */
const MAX_SAME_ID = 100;

export interface FindOptions {
  /** The namespace the caller named, if any. */
  namespace?: string;
  /** The namespace patterns the caller may see ("team-a", "team-*", "*"), from the namespace policy. */
  allowed: string[];
}

/** The job, or undefined when none with this id is visible to the caller. */
export async function findVisibleJob(store: JobStore, id: string, opts: FindOptions): Promise<JobDoc | undefined> {
  const canSee = (ns: string) => opts.allowed.some((p) => namespaceMatches(p, ns));
  if (opts.namespace !== undefined)
    return canSee(opts.namespace) ? store.get({ namespace: opts.namespace, id }) : undefined;
  let visible: JobDoc[];
  if (opts.allowed.every((p) => !p.endsWith("*"))) {
    // Named namespaces only: read exactly the caller's keys; other tenants' jobs are never even read.
    const found = await store.getMany([...new Set(opts.allowed)].map((namespace) => ({ namespace, id })));
    visible = [...found.values()];
  } else {
    const all = await store.findById(id, MAX_SAME_ID);
    visible = all.filter((j) => canSee(j.namespace));
    if (all.length === MAX_SAME_ID && visible.length === 0) {
      throw new KineticError("invalid-argument", `job id ${id} is too common to find without its namespace; name it`, {
        issues: [{ field: "namespace", message: "required for this id" }],
      });
    }
  }
  if (visible.length <= 1) return visible[0];
  const namespaces = visible.map((j) => j.namespace).sort();
  throw new KineticError(
    "invalid-argument",
    `job id ${id} is used in several of your namespaces (${namespaces.join(", ")}); name one`,
    { issues: [{ field: "namespace", message: `required: one of ${namespaces.join(", ")}` }] },
  );
}

/** As findVisibleJob, but a missing job is the caller's 404. */
export async function requireVisibleJob(store: JobStore, id: string, opts: FindOptions): Promise<JobDoc> {
  const job = await findVisibleJob(store, id, opts);
  if (!job) throw new KineticError("not-found", `job ${id} not found`);
  return job;
}
