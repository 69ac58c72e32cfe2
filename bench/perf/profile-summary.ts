/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by package (or
 * Kinetic folder, node internals, GC, idle) and the hottest functions, so a
 * profile can be read in a terminal.
 *
 *   npx node bench/perf/profile-summary.ts FILE.cpuprofile [top=20] [skipMs=0]
 *
 * `skipMs` leaves out the profile's first milliseconds (a function's module
 * loading, when the question is what a request costs).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const REPO = resolve(import.meta.dirname, "../..");

export function summarizeProfile(file: string, top = 20, skipMs = 0): string {
  const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    t += dt;
    if (t >= skipMs * 1000) self.set(id, (self.get(id) ?? 0) + dt);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const g = groupOf(n.callFrame);
    groups.set(g, (groups.get(g) ?? 0) + us);
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  const lines = [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled${skipMs ? ` after the first ${skipMs} ms` : ""}`,
    "self time by package:",
  ];
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)} ${ms(us)}  ${g}`);
  lines.push("hottest functions (self):");
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)} ${ms(us)}  ${f}`);
  return lines.join("\n");
}

function groupOf(frame: ProfileNode["callFrame"]): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native/builtin)";
  if (url.startsWith("node:")) return "(node internals)";
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (m) return m.at(-1)!.replace("node_modules/", "");
  return `(kinetic) ${shortUrl(url).split("/").slice(0, -1).join("/")}`;
}

function shortUrl(url: string): string {
  return url.replace(`file://${REPO}/`, "").replace(/^.*node_modules\//, "");
}

if (process.argv[1] === import.meta.filename) {
  const [file, top, skip] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile-summary.ts FILE.cpuprofile [top] [skipMs]");
  console.log(summarizeProfile(file, Number(top ?? 20), Number(skip ?? 0)));
}
