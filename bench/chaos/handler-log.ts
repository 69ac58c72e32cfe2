/**
 * What the submitJob process said about the storm, from its JSON log lines:
 * how often each recovery path ran (a create retried after a fault, a
 * delivery given back for redelivery, a workload deleted because its cancel
 * won), as evidence that the races were really exercised.
 */
import { readFileSync } from "node:fs";

export const HANDLER_EVENTS = {
  createRetried: "cluster create failed; retrying",
  handedBack: "cluster unavailable; submission will be retried",
  deletedAfterCancel: "workload created after its job was cancelled; deleted",
  duplicate: "duplicate submission",
  submitted: "workload submitted",
} as const;

export type HandlerCounts = Record<keyof typeof HANDLER_EVENTS, number> & { errors: number };

export function countHandlerEvents(logFile: string): HandlerCounts {
  const counts = Object.fromEntries(Object.keys(HANDLER_EVENTS).map((k) => [k, 0])) as HandlerCounts;
  counts.errors = 0;
  let text: string;
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return counts;
  }
  const byMessage = new Map<string, keyof typeof HANDLER_EVENTS>(
    Object.entries(HANDLER_EVENTS).map(([k, m]) => [m, k as keyof typeof HANDLER_EVENTS]),
  );
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { message?: string; severity?: string };
      const key = entry.message !== undefined ? byMessage.get(entry.message) : undefined;
      if (key) counts[key]++;
      if (entry.severity === "ERROR") counts.errors++;
    } catch {
      // A line cut by SIGKILL.
    }
  }
  return counts;
}
