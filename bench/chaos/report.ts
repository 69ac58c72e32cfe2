/** The chaos run's table, and whether it passed (lost, duplicated, orphaned and stuck all 0). */
import { summarize } from "../lib.ts";
import type { ChaosResult } from "./run.ts";

export function chaosPassed(r: ChaosResult): boolean {
  const v = r.verdict;
  return !v.lost.length && !v.duplicated.length && !v.orphaned.length && !v.stuck.length;
}

const causes = (byCause: Record<string, number>) =>
  Object.entries(byCause)
    .sort(([, a], [, b]) => b - a)
    .map(([cause, k]) => `${cause} ${k}`)
    .join(", ") || "none";

export function formatChaosReport(r: ChaosResult): string {
  const v = r.verdict;
  const d = r.driver;
  const c = r.cancels;
  const n = (x: number) => x.toLocaleString("en-US");
  const row = (label: string, value: string | number, note = "") =>
    `${label.padEnd(22)}${String(typeof value === "number" ? n(value) : value).padStart(8)}  ${note}`.trimEnd();
  const states = Object.entries(v.states)
    .sort()
    .map(([s, k]) => `${s} ${n(k)}`)
    .join(", ");
  const lines = [
    `== chaos: ${n(r.jobs)} jobs, Pub/Sub emulator → our push driver (not the emulator's push): each delivery POSTed ${r.copies}× concurrently, out of order, to submitJob under functions-framework`,
    row("published", v.published),
    row("recorded", v.recorded, states),
    row("Kubernetes objects", v.objects, `Jobs/JobSets labelled kinetic (+${v.terminating} being deleted)`),
    row("lost", v.lost.length),
    row("duplicated", v.duplicated.length),
    row("orphaned", v.orphaned.length),
    row("stuck", v.stuck.length),
    row("kills (SIGKILL)", r.kills, `restarted each time${r.crashes ? `; ${r.crashes} unexpected exits` : ""}`),
    row(
      "faults injected",
      r.faults.before + r.faults.after,
      `503 before forwarding ${r.faults.before}, forward then 503 ${r.faults.after} (of ${n(r.faults.createRequests)} create requests)`,
    ),
    row(
      "handler recoveries",
      r.handler.createRetried + r.handler.handedBack + r.handler.deletedAfterCancel,
      `create retried after a fault ${r.handler.createRetried}, handed back for redelivery ${r.handler.handedBack}, ` +
        `workload deleted because its cancel won ${r.handler.deletedAfterCancel}; ${n(r.handler.duplicate)} duplicate deliveries seen`,
    ),
    row(
      "cancels",
      c.planned,
      `${c.cancelled} cancelled: ${c.tombstones} before the record existed (tombstone), ${c.cancelledWhileQueued} while QUEUED (racing the create), ` +
        `${c.cancelled - c.tombstones - c.cancelledWhileQueued} after; ${c.arrivedFirst.length} not-found, ${c.alreadyFinished} already finished, ${c.errors.length} errors`,
    ),
    row(
      "deliveries",
      d.deliveries,
      `${n(d.ok)} 2xx, ${n(d.errors)} 5xx, ${n(d.connectionFailures)} failed connections (${causes(d.failureCauses)}); ` +
        `${n(d.nackedRounds)} nacked rounds redelivered, ${d.deadLettered.length} dead-lettered`,
    ),
    row("sync runs", r.syncRuns, r.quiet ? "until nothing was active" : "deadline reached with jobs still active"),
    row(
      "wall time",
      `${(r.wallMs / 1000).toFixed(1)} s`,
      `storm ${(r.stormMs / 1000).toFixed(1)} s, settle ${(r.settleMs / 1000).toFixed(1)} s`,
    ),
    summarize("record created → Kubernetes object (SUBMITTED)", v.recordToSubmittedMs),
    summarize("delivery POST → 2xx", d.okRoundTripMs),
    summarize("function restart → answering", r.restartMs),
  ];
  const detail = (label: string, ids: string[]) =>
    ids.length ? [`${label}: ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? ` … (${ids.length})` : ""}`] : [];
  lines.push(
    ...detail("LOST", v.lost),
    ...detail("DUPLICATED", v.duplicated),
    ...detail("ORPHANED", v.orphaned),
    ...detail("STUCK", v.stuck),
    ...detail("dead-lettered", d.deadLettered),
    ...detail("unexpected records", v.unexpected),
    ...detail("cancel errors", c.errors),
  );
  if (!chaosPassed(r)) lines.push(`function log: ${r.functionLog}`);
  return lines.join("\n");
}
