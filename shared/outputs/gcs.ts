/**
 * The few Cloud Storage JSON API calls the outputs need — list objects
 * under a prefix, read one — over fetch, so the functions carry no storage
 * SDK. The endpoint is Cloud Storage, or a local server in tests and local
 * mode (STORAGE_EMULATOR_HOST, as Google's client libraries read it). Errors
 * map to Kinetic codes: 404 not-found, 401/403 permission-denied, 429/5xx and
 * network failures unavailable (retryable).
 */
import { KineticError } from "../errors.ts";

export const GCS_ENDPOINT = "https://storage.googleapis.com";

export interface GcsObject {
  name: string;
  size: number;
  updated?: string;
}

export interface GcsOptions {
  /** API base URL (no trailing path): Cloud Storage, or http://127.0.0.1:PORT for a local server. */
  endpoint?: string;
  /** An OAuth access token per request; none for a local server. */
  token?: () => Promise<string>;
  fetch?: typeof fetch;
  /** Per-request time limit. */
  timeoutMs?: number;
}

export class GcsClient {
  private readonly endpoint: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly options: GcsOptions;

  constructor(options: GcsOptions = {}) {
    this.options = options;
    this.endpoint = (options.endpoint ?? GCS_ENDPOINT).replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Every object whose name starts with `prefix`, all pages, in name order. */
  async list(bucket: string, prefix: string): Promise<GcsObject[]> {
    const out: GcsObject[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ prefix, maxResults: "1000" });
      if (pageToken) query.set("pageToken", pageToken);
      const res = await this.request(
        `/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`,
        `list gs://${bucket}/${prefix}`,
      );
      const page = (await res.json()) as {
        items?: Array<{ name: string; size?: string; updated?: string }>;
        nextPageToken?: string;
      };
      for (const item of page.items ?? [])
        out.push({ name: item.name, size: Number(item.size ?? 0), ...(item.updated ? { updated: item.updated } : {}) });
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** One object's bytes as a stream (the response body), with its size when the server says it. */
  async read(bucket: string, name: string): Promise<{ body: ReadableStream<Uint8Array>; size?: number }> {
    const res = await this.request(
      `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?alt=media`,
      `read gs://${bucket}/${name}`,
      { stream: true },
    );
    const length = res.headers.get("content-length");
    return { body: res.body!, ...(length ? { size: Number(length) } : {}) };
  }

  /** Uploads one object (tests and local tooling; the pods write with their own libraries). */
  async write(bucket: string, name: string, data: string | Uint8Array): Promise<void> {
    const query = new URLSearchParams({ uploadType: "media", name });
    await this.request(
      `/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`,
      `write gs://${bucket}/${name}`,
      {
        method: "POST",
        body: data,
      },
    );
  }

  private async request(
    path: string,
    what: string,
    init: { method?: string; body?: string | Uint8Array; stream?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${await this.options.token()}`;
    if (init.body !== undefined) headers["content-type"] = "application/octet-stream";
    let res: Response;
    try {
      res = await this.fetchFn(`${this.endpoint}${path}`, {
        method: init.method ?? "GET",
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        // A stream's limit covers its start: a large download may take longer than one request.
        signal: AbortSignal.timeout(init.stream ? this.timeoutMs * 20 : this.timeoutMs),
      });
    } catch (err) {
      throw new KineticError("unavailable", `Cloud Storage: ${what} failed: ${(err as Error).message}`, { cause: err });
    }
    if (res.ok) return res;
    const text = (await res.text().catch(() => "")).slice(0, 300);
    const code =
      res.status === 404
        ? "not-found"
        : res.status === 401 || res.status === 403
          ? "permission-denied"
          : res.status === 429 || res.status >= 500
            ? "unavailable"
            : "failed-precondition";
    throw new KineticError(code, `Cloud Storage: ${what}: HTTP ${res.status} ${text}`);
  }
}
