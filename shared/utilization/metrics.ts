/**
 * The metrics port: PromQL instant queries. One implementation, the PromQL
 * HTTP API (`/api/v1/query`), serves a local Prometheus in tests and Google
 * Managed Prometheus in production (the same API under
 * monitoring.googleapis.com, with a Google access token). Any failure —
 * unreachable, timeout, non-2xx, `status: "error"`, a non-vector answer —
 * is a KineticError("unavailable") naming the endpoint, never an empty result.
 */
import { KineticError } from "../errors.ts";

export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricsSource {
  /** Evaluates `expr` at `at`: an instant vector. */
  query(expr: string, at: Date): Promise<VectorSample[]>;
}

export interface PromQlHttpOptions {
  /** Base URL: `http://127.0.0.1:9090`, or `https://monitoring.googleapis.com/v1/projects/P/location/global/prometheus`. */
  baseUrl: string;
  /** Headers per request (a Google access token for Managed Prometheus). */
  headers?: () => Promise<Record<string, string>>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Google Managed Prometheus's PromQL endpoint for a project. */
export function managedPrometheusUrl(project: string): string {
  return `https://monitoring.googleapis.com/v1/projects/${encodeURIComponent(project)}/location/global/prometheus`;
}

export class PromQlHttpSource implements MetricsSource {
  private readonly options: PromQlHttpOptions;
  /** Queries sent (the bench and the run record report it). */
  queries = 0;

  constructor(options: PromQlHttpOptions) {
    this.options = options;
  }

  async query(expr: string, at: Date): Promise<VectorSample[]> {
    this.queries++;
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/api/v1/query`;
    const where = new URL(url).host;
    let body: unknown;
    try {
      const res = await (this.options.fetch ?? fetch)(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(this.options.headers ? await this.options.headers() : {}),
        },
        body: new URLSearchParams({ query: expr, time: (at.getTime() / 1000).toFixed(3) }).toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
      body = JSON.parse(text);
    } catch (err) {
      throw new KineticError("unavailable", `metrics endpoint ${where} failed: ${describe(err)}`, { cause: err });
    }
    return parseVector(body, where);
  }
}

function parseVector(body: unknown, where: string): VectorSample[] {
  const b = body as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (b?.status !== "success") {
    throw new KineticError("unavailable", `metrics endpoint ${where} answered ${b?.status ?? "?"}: ${b?.error ?? "?"}`);
  }
  if (b.data?.resultType !== "vector" || !Array.isArray(b.data.result)) {
    throw new KineticError(
      "unavailable",
      `metrics endpoint ${where} answered a ${b.data?.resultType ?? "?"}, not a vector`,
    );
  }
  return (b.data.result as Array<{ metric?: Record<string, string>; value?: [number, string] }>).map((r) => ({
    labels: r.metric ?? {},
    value: Number(r.value?.[1]),
  }));
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message;
    return detail ? `${err.message} (${detail})` : err.message;
  }
  return String(err);
}
