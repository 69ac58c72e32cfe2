/**
 * The performance table of issue 17: one row per figure with ours, the
 * floor measured in the same run, the ratio ours ÷ floor, the goal and
 * pass/fail. A latency goal caps the ratio (≤ 1.5×), a throughput goal
 * floors it (≥ 0.8×), a count must equal its expected value, and an "info"
 * row has no goal of its own (p95/p99 beside the p50 the goal is on).
 */
import { percentile } from "../lib.ts";

export interface Row {
  figure: string;
  ours: number;
  floor: number;
  unit: "ms" | "jobs/s" | "count";
  /** Goal on ours ÷ floor: at most (latency) or at least (throughput); count rows compare ours with `floor` exactly. */
  goal: { kind: "max-ratio" | "min-ratio"; value: number } | { kind: "equals" } | { kind: "info" };
  note?: string;
}

export function ratio(r: Row): number {
  return r.ours / r.floor;
}

export function passed(r: Row): boolean {
  if (r.goal.kind === "info") return true;
  if (r.goal.kind === "equals") return r.ours === r.floor;
  const x = ratio(r);
  return r.goal.kind === "max-ratio" ? x <= r.goal.value : x >= r.goal.value;
}

export const p = (values: number[], q: number) =>
  percentile(
    [...values].sort((a, b) => a - b),
    q,
  );

function fmt(v: number, unit: Row["unit"]): string {
  if (!Number.isFinite(v)) return "—";
  if (unit === "count") return String(v);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${unit}`;
}

function goalText(r: Row): string {
  switch (r.goal.kind) {
    case "info":
      return "—";
    case "equals":
      return `= ${r.floor}`;
    case "max-ratio":
      return `≤ ${r.goal.value}× floor`;
    case "min-ratio":
      return `≥ ${r.goal.value}× floor`;
  }
}

export function formatTable(rows: Row[]): string {
  const head = ["figure", "ours", "floor", "ratio", "goal", "result"];
  const body = rows.map((r) => [
    r.figure,
    fmt(r.ours, r.unit),
    r.goal.kind === "equals" ? String(r.floor) : fmt(r.floor, r.unit),
    r.goal.kind === "equals" ? "—" : `${ratio(r).toFixed(2)}×`,
    goalText(r),
    (r.goal.kind === "info" ? "info" : passed(r) ? "pass" : "FAIL") + (r.note ? ` (${r.note})` : ""),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}
