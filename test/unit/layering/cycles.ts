/**
 * Import cycles: the strongly connected components of the file graph
 * (Tarjan), each reported as one concrete shortest cycle a reader can follow.
 * Type-only imports count: a circle of types is still two modules that cannot
 * be understood, tested or moved apart.
 */
import type { ImportGraph } from "./import-graph.ts";

function adjacency(graph: ImportGraph): Map<string, string[]> {
  const next = new Map<string, Set<string>>();
  for (const f of graph.files) next.set(f, new Set());
  for (const e of graph.edges) if (e.to !== undefined && next.has(e.to)) next.get(e.from)?.add(e.to);
  return new Map([...next].map(([k, v]) => [k, [...v].sort()]));
}

function stronglyConnected(next: Map<string, string[]>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) !== order.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    out.push(component.sort());
  };
  for (const v of [...next.keys()].sort()) if (!order.has(v)) visit(v);
  return out;
}

/** The shortest path start → … → start inside `members` (breadth first). */
function shortestCycle(start: string, members: Set<string>, next: Map<string, string[]>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = parent.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

export interface Cycle {
  /** A concrete cycle, first file repeated at the end. */
  path: string[];
  /** Every file in the same strongly connected component. */
  members: string[];
}

export function findCycles(graph: ImportGraph): Cycle[] {
  const next = adjacency(graph);
  return stronglyConnected(next)
    .filter((c) => c.length > 1 || (next.get(c[0]!) ?? []).includes(c[0]!))
    .map((members) => ({ path: shortestCycle(members[0]!, new Set(members), next), members }));
}

export function formatCycle(c: Cycle): string {
  const rest = c.members.filter((m) => !c.path.includes(m));
  return c.path.join(" → ") + (rest.length ? ` (same circle: ${rest.join(", ")})` : "");
}
