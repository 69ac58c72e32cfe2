/**
 * Applies demand-aware preemption within a run (under the run's lease, so
 * one runner decides at a time): pending jobs waiting for capacity become
 * demands, the plan picks overdue victims, each victim is stopped with
 * reason `Preempted` and a message naming the job it made room for. A demand
 * that got victims is marked and waits one threshold for their capacity
 * before it may ask again.
 */
import type { JobDoc } from "../store/job-store.ts";
import { acceleratorShape } from "./job-shape.ts";
import { overdueSince, planPreemptions, type Demand } from "./preempt.ts";
import type { AcceleratorJob } from "./job-shape.ts";
import { stopJob } from "./stop.ts";
import type { RunState, UtilizationDeps } from "./context.ts";

const PAGE = 500;
const WAITING_KINDS = new Set(["Unschedulable", "Queued"]);

export async function preemptForDemand(deps: UtilizationDeps, run: RunState, running: AcceleratorJob[]): Promise<void> {
  const now = deps.clock.now().getTime();
  const thresholdMs = run.settings.pendingThresholdForPreemptionMs;
  // Nothing overdue: nothing to preempt, and no need to read the pending jobs.
  if (!running.some((j) => (overdueSince(j) ?? Infinity) < now)) return;
  const demands: Demand[] = [];
  for (const job of await pendingJobs(deps)) {
    if (!WAITING_KINDS.has(job.pendingKind ?? "")) continue;
    const asked = Date.parse(job.preemptionRequestedAt ?? "");
    if (Number.isFinite(asked) && now - asked < thresholdMs) continue;
    const since = Date.parse(job.demandSince ?? job.pendingSince ?? "");
    const shape = acceleratorShape(job);
    if (shape && Number.isFinite(since)) demands.push({ job: shape, since });
  }
  const candidates = running.filter((j) => !run.stopped.has(`${j.job.namespace}:${j.job.id}`));
  for (const plan of planPreemptions(demands, candidates, { now, thresholdMs })) {
    const d = plan.demand.job.job;
    await deps.store.patch(d, { preemptionRequestedAt: new Date(now).toISOString() });
    const waited = Math.round((now - plan.demand.since) / 1000);
    for (const v of plan.victims) {
      const over = Math.round((now - overdueSince(v)!) / 1000);
      const message = `preempted for job ${d.namespace}/${d.id}, pending ${waited} s for ${plan.demand.job.accelerator} (threshold ${thresholdMs / 1000} s); this job ran ${over} s past its duration ${v.job.spec?.duration as string}`;
      try {
        if (await stopJob(deps, v.job, "Preempted", message)) {
          run.stopped.add(`${v.job.namespace}:${v.job.id}`);
          run.counts.preempted++;
          run.item({ action: "preempted", namespace: v.job.namespace, jobId: v.job.id, reason: message });
        }
      } catch (err) {
        run.counts.errors++;
        run.item({ action: "error", namespace: v.job.namespace, jobId: v.job.id, reason: String(err) });
      }
    }
  }
}

async function pendingJobs(deps: UtilizationDeps): Promise<JobDoc[]> {
  const out: JobDoc[] = [];
  for (let after: JobDoc | undefined; ;) {
    const page = await deps.acceleratorJobs.listInState("PENDING", {
      limit: PAGE,
      ...(after ? { startAfter: after } : {}),
    });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page.at(-1);
  }
}
