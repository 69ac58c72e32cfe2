/** The existing JSON routes, called with the signed-in user's bearer token. */
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

function url(path: string, query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `${root}${path}${s ? `?${s}` : ""}`;
}

async function call(path: string, query?: Record<string, string | number | undefined>): Promise<Response> {
  const t = token.get();
  if (!t) throw new ApiError(401, "unauthenticated", "not signed in");
  let res: Response;
  try {
    res = await fetch(url(path, query), { headers: { authorization: `Bearer ${t}` } });
  } catch {
    throw new ApiError(0, "unavailable", "the API did not answer (is it running?)");
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
  throw new ApiError(res.status, code, message);
}

export async function getJson<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
  return (await (await call(path, query)).json()) as T;
}

export async function getText(path: string, query?: Record<string, string | number | undefined>): Promise<string> {
  return (await call(path, query)).text();
}
