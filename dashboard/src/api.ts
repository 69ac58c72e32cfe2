/**
 * The existing JSON routes, called with the signed-in user's bearer token, or with none behind
 * `kinetic dashboard`: that local proxy signs every request with the user's Google identity itself.
 */
const TOKEN_KEY = "kinetic-token";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** The API's root: the page lives at <root>/ui/, whatever prefix the deployment adds. */
const root = location.pathname.replace(/\/ui(\/.*)?$/, "");

let proxied = false;

export const session = {
  /** True behind `kinetic dashboard`: no token to ask for, none to send, nothing to sign out of. */
  get proxied(): boolean {
    return proxied;
  },
  /** The proxy answers /ui/proxy.json itself; the API has no such file (404), so a direct page signs in. */
  async detect(): Promise<void> {
    // A tab already signed in skips the round trip (behind the proxy its token is simply replaced).
    if (token.get()) return;
    try {
      const res = await fetch(`${root}/ui/proxy.json`, { cache: "no-store" });
      proxied = res.ok && ((await res.json()) as { proxy?: unknown }).proxy === true;
    } catch {
      proxied = false;
    }
  },
  signedIn: (): boolean => proxied || token.get() !== null,
};

export type Query = Record<string, string | number | undefined>;

function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `${root}${path}${s ? `?${s}` : ""}`;
}

async function call(path: string, query?: Query, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = {};
  if (!proxied) {
    const t = token.get();
    if (!t) throw new ApiError(401, "unauthenticated", "not signed in");
    headers.authorization = `Bearer ${t}`;
  }
  let res: Response;
  try {
    res = await fetch(url(path, query), { headers, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(
      0,
      "unavailable",
      proxied ? "kinetic dashboard did not answer (is it still running?)" : "the API did not answer (is it running?)",
    );
  }
  if (res.ok) return res;
  let code = "unknown";
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  // Behind the proxy a refused credential is the proxy's: signing in here would not help, so it is not a 401.
  if (proxied && res.status === 401)
    throw new ApiError(
      502,
      code,
      `the API refused kinetic dashboard's credentials: ${message} (run gcloud auth login, then restart kinetic dashboard)`,
    );
  throw new ApiError(res.status, code, message);
}

export async function getJson<T>(path: string, query?: Query): Promise<T> {
  return (await (await call(path, query)).json()) as T;
}

export async function getText(path: string, query?: Query): Promise<string> {
  return (await call(path, query)).text();
}

/** A streaming answer (the logs route with follow=true); the signal ends it. */
export async function getStream(path: string, query: Query, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const body = (await call(path, query, signal)).body;
  if (!body) throw new ApiError(0, "unavailable", "the answer had no body");
  return body;
}

export async function getBlob(path: string, query?: Query): Promise<Blob> {
  return (await call(path, query)).blob();
}
