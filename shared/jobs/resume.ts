/**
 * Resume after a disruption: a job whose pods were taken away (spot
 * reclaim, node loss) starts again as the next attempt, with the same
 * KINETIC_OUTPUT_DIR and KINETIC_CHECKPOINT_DIR and KINETIC_ATTEMPT = N + 1,
 * as a new workload (a whole JobSet for a multi-host slice, so every host
 * restarts together), up to the spec's maxPreemptions; then it fails as
 * PreemptionLimit. Kinetic recreates the workload rather than letting
 * Kubernetes restart pods in place, so the attempt number each pod sees is
 * true and each attempt is on the record with its reason and times.
 *
 * At-least-once: the next attempt's name is deterministic, so syncs that race
 * create it once (a 409 is "done"); the record moves only if it still names
 * the attempt that was read (a `when` guard in the transaction), so a late
 * sync never rewinds it; a workload created behind a cancel, or for an
 * attempt the record has moved past, is deleted by whoever created it.
 */
import { isRetryable } from "../errors.ts";
import { withRetry } from "../retry.ts";
import type { WorkloadStatus } from "../cluster/types.ts";
import { renderWorkload } from "../manifests/render.ts";
import { parseJobSpec } from "../schemas/job-spec.ts";
import { checkpointDir } from "../outputs/prefix.ts";
import type { JobDoc } from "../store/job-store.ts";
import { attemptsOf, currentAttempt, endLast, maxPreemptionsOf } from "./attempts.ts";
import type { JobDeps } from "./submit.ts";
import { storageDefaultsFor } from "./job-storage.ts";

export type ResumeOutcome = "resumed" | "limit" | "raced";

export async function resumeAfterDisruption(
  deps: JobDeps,
  job: JobDoc,
  status: WorkloadStatus,
): Promise<{ outcome: ResumeOutcome; job: JobDoc }> {
  const now = deps.clock.now().toISOString();
  const attempt = currentAttempt(job);
  const readRef = job.workload!;
  const stillThisAttempt = (current: JobDoc) =>
    currentAttempt(current) === attempt && current.workload?.name === readRef.name;
  const why = status.message ? `: ${status.message}` : "";
  const ended = endLast(attemptsOf(job), {
    outcome: "Disrupted",
    reason: status.reason ?? "Disrupted",
    message: `the pods were lost to a disruption (spot reclaim, node loss or eviction)${why}`,
    endedAt: status.finishedAt ?? now,
  });

  const max = maxPreemptionsOf(job);
  if (attempt - 1 >= max) {
    const { job: next } = await deps.store.transition(job, {
      when: stillThisAttempt,
      to: "FAILED",
      reason: "PreemptionLimit",
      message: `attempt ${attempt} was disrupted and the job already resumed ${attempt - 1} times (maxPreemptions ${max})${why}`,
      patch: { attempts: ended, ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}) },
    });
    return { outcome: "limit", job: next };
  }

  const parsed = parseJobSpec(job.spec);
  // A job with a build runs the image its build made, recorded on the job.
  const spec = parsed.build && job.image ? { ...parsed, image: job.image } : parsed;
  const queue = spec.queue ?? deps.config.defaultQueue;
  const workload = renderWorkload(job.id, queue ? { ...spec, queue } : spec, {
    outputDirBase: deps.config.outputDirBase,
    defaultTtlSeconds: deps.config.defaultTtlSeconds,
    attempt: attempt + 1,
    ...(spec.data || spec.hfCache ? { storage: await storageDefaultsFor(deps) } : {}),
  });
  let created: Awaited<ReturnType<JobDeps["cluster"]["submit"]>>;
  try {
    created = await withRetry(() => deps.cluster.submit(workload));
  } catch (err) {
    if (isRetryable(err)) throw err; // the next sync tries again
    // The cluster refuses the next attempt for good (admission, a quota object, a removed CRD): say so and stop.
    const { job: next } = await deps.store.transition(job, {
      when: stillThisAttempt,
      to: "FAILED",
      reason: "ClusterRejected",
      message: `attempt ${attempt} was disrupted${why}, and the cluster refused attempt ${attempt + 1}: ${(err as Error).message}`,
      patch: { attempts: ended },
    });
    return { outcome: "limit", job: next };
  }
  const attempts = [...ended, { attempt: attempt + 1, workload: created.ref.name, createdAt: now }];
  // The state stays where it is (a job never moves backwards): RUNNING with a Resuming reason, or PENDING.
  const to = job.state === "RUNNING" ? "RUNNING" : "PENDING";
  const { applied, job: next } = await deps.store.transition(job, {
    when: stillThisAttempt,
    to,
    reason: "Resuming",
    message: `attempt ${attempt} was disrupted${why}; attempt ${attempt + 1} resumes from ${job.outputDir ? checkpointDir(job.outputDir) : "its checkpoint dir"}`,
    patch: { workload: created.ref, attempt: attempt + 1, attempts },
  });
  if (!applied) {
    // Another sync resumed it already (it names this same workload), or a cancel or a later attempt won.
    const mine = next.workload?.name === created.ref.name && !["CANCELLED", "FAILED"].includes(next.state);
    if (!mine && created.created) await deps.cluster.delete(created.ref).catch(() => undefined);
    return { outcome: "raced", job: next };
  }
  // The disrupted attempt's workload is done; its claims are not owned by it and stay.
  await deps.cluster.delete(readRef).catch((err: unknown) => {
    if (!isRetryable(err)) throw err;
    deps.log.warn("could not delete a disrupted attempt's workload; cleanupTtl will", { jobId: job.id, error: err });
  });
  deps.log.info("job resumed after a disruption", { jobId: job.id, namespace: job.namespace, attempt: attempt + 1 });
  return { outcome: "resumed", job: next };
}
