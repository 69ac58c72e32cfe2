/**
 * Timing decorators for the ports submitJob calls (JobStore, ClusterClient):
 * each call's start and end, relative to the submission being traced, go to
 * a Tracer. Production code is unchanged: the bench hands submitJob the
 * decorated ports. From the spans, `breakdown` splits one submission into
 * steps: before the store (decode, parse, validate, policy), store create,
 * render (between the create and the cluster call), cluster create, the
 * SUBMITTED transition, and what is left after it.
 */
import { performance } from "node:perf_hooks";

export interface Span {
  name: string;
  start: number;
  end: number;
}

export class Tracer {
  private spans: Span[] | undefined;

  /** Runs `fn` with its port calls recorded; one traced call at a time (sequential runs). */
  async trace<T>(fn: () => Promise<T>): Promise<{ value: T; start: number; end: number; spans: Span[] }> {
    const spans: Span[] = [];
    this.spans = spans;
    const start = performance.now();
    try {
      const value = await fn();
      return { value, start, end: performance.now(), spans };
    } finally {
      this.spans = undefined;
    }
  }

  record(span: Span): void {
    this.spans?.push(span);
  }
}

/** `target` with every method that returns a promise timed into `tracer` as `<prefix>.<method>`. */
export function timed<T extends object>(target: T, prefix: string, tracer: Tracer): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        const start = performance.now();
        const out: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (out instanceof Promise) {
          return out.finally(() => tracer.record({ name: `${prefix}.${prop}`, start, end: performance.now() }));
        }
        return out;
      };
    },
  });
}

export const STEPS = [
  "decode + parse + validate (before store)",
  "store create (Firestore create)",
  "render + retry wrapper",
  "cluster create (Kubernetes POST)",
  "transition → SUBMITTED (Firestore txn)",
  "after transition (log, return)",
] as const;
export type Step = (typeof STEPS)[number];

/** One traced submission split into STEPS (ms); undefined when it did not take the create path. */
export function breakdown(t: { start: number; end: number; spans: Span[] }): Record<Step, number> | undefined {
  const find = (name: string) => t.spans.find((s) => s.name === name);
  const create = find("store.create");
  const submit = find("cluster.submit");
  const transition = find("store.transition");
  if (!create || !submit || !transition) return undefined;
  return {
    "decode + parse + validate (before store)": create.start - t.start,
    "store create (Firestore create)": create.end - create.start,
    "render + retry wrapper": submit.start - create.end,
    "cluster create (Kubernetes POST)": submit.end - submit.start,
    "transition → SUBMITTED (Firestore txn)": transition.end - transition.start + (transition.start - submit.end),
    "after transition (log, return)": t.end - transition.end,
  };
}
