/**
 * "Needs attention" on the study page: the trials that ended without a result (FAILED, METRICS_UNAVAILABLE) with
 * their reason and a link to each trial's job (its logs), newest first, and the ones the median rule stopped early,
 * so whoever looks at 2 a.m. goes straight to the logs that matter. Pure (the view is attention-view.ts), so it is
 * unit-tested in Node.
 */
import type { Trial } from "./types.ts";

export const PROBLEM_STATES: ReadonlySet<string> = new Set(["FAILED", "METRICS_UNAVAILABLE"]);
/** Shown per list; the rest are counted (the trial table sorts by state to see them all). */
export const ATTENTION_ROWS = 20;

export interface AttentionLists {
  problems: Trial[];
  stopped: Trial[];
}

/** Newest first (by trial index: trials are created in order). */
export function attentionLists(trials: Trial[]): AttentionLists {
  const newest = [...trials].sort((a, b) => b.index - a.index);
  return {
    problems: newest.filter((t) => PROBLEM_STATES.has(t.state)),
    stopped: newest.filter((t) => t.state === "EARLY_STOPPED"),
  };
}

export const jobHref = (t: Pick<Trial, "namespace" | "jobId">): string =>
  `#/jobs/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.jobId)}`;

/** The reason and message in one line ("JobFailed: job FAILED: OOMKilled"), for the list and the table's tooltip. */
export function why(t: Pick<Trial, "reason" | "message">): string {
  return [t.reason, t.message].filter(Boolean).join(": ");
}
