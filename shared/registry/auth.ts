/**
 * Registry authentication as the distribution token spec has it, and as
 * Artifact Registry does it: a request without credentials is answered 401
 * with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; the client asks
 * the realm for a token (Basic auth with its credentials — for Artifact
 * Registry the user `oauth2accesstoken` and an OAuth access token as the
 * password) and repeats the request with `Authorization: Bearer <token>`.
 * A `Basic` challenge is answered with the credentials directly. Tokens are
 * cached per registry and scope until shortly before they expire.
 */
import { KineticError } from "../errors.ts";

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Credentials for a registry host, or undefined for anonymous access. */
export type CredentialSource = (registry: string) => Promise<RegistryCredentials | undefined>;

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one WWW-Authenticate header (`Bearer realm="…",service="…",scope="a,b"`). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

export function basicAuth(c: RegistryCredentials): string {
  return "Basic " + Buffer.from(`${c.username}:${c.password}`).toString("base64");
}

interface CachedToken {
  header: string;
  expiresAtMs: number;
}

/** Token cache and challenge answering for one client. */
export class RegistryAuth {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly fetchFn: typeof fetch;
  private readonly credentials: CredentialSource;
  private readonly now: () => number;

  constructor(options: { fetch: typeof fetch; credentials?: CredentialSource; now?: () => number }) {
    this.fetchFn = options.fetch;
    this.credentials = options.credentials ?? (async () => undefined);
    this.now = options.now ?? Date.now;
  }

  /** The Authorization header cached for this registry and scope, if any. */
  cached(registry: string, scope: string): string | undefined {
    const t = this.tokens.get(`${registry} ${scope}`);
    return t && t.expiresAtMs > this.now() ? t.header : undefined;
  }

  /** Answers a 401's challenge: the Authorization header to retry with. */
  async answer(registry: string, scope: string, challengeHeader: string | null, timeoutMs: number): Promise<string> {
    const challenge = parseChallenge(challengeHeader);
    const creds = await this.credentials(registry);
    if (challenge?.scheme === "basic") {
      if (!creds) throw new KineticError("unauthenticated", `registry ${registry} wants credentials and none are set`);
      return this.remember(registry, scope, basicAuth(creds), 3600);
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) {
      throw new KineticError("unauthenticated", `registry ${registry} answered 401 without a usable challenge`);
    }
    const url = new URL(challenge.params.realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", challenge.params.scope ?? scope);
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        headers: creds ? { authorization: basicAuth(creds) } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new KineticError("unavailable", `registry token service ${url.host}: ${errorText(err)}`, { cause: err });
    }
    if (res.status === 401 || res.status === 403) {
      throw new KineticError(
        res.status === 401 ? "unauthenticated" : "permission-denied",
        `registry ${registry} refused a token for ${scope} (${res.status})`,
      );
    }
    if (!res.ok) throw new KineticError("unavailable", `registry token service ${url.host} answered ${res.status}`);
    const body = (await res.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") {
      throw new KineticError("unavailable", `registry token service ${url.host} returned no token`);
    }
    // The spec's default lifetime is 60 s.
    const ttl = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    return this.remember(registry, scope, `Bearer ${token}`, ttl);
  }

  /** Forgets a token the registry refused (it may have been revoked before it expired). */
  forget(registry: string, scope: string): void {
    this.tokens.delete(`${registry} ${scope}`);
  }

  private remember(registry: string, scope: string, header: string, ttlSeconds: number): string {
    // Renew 10 s early so a token never expires between the check and the request.
    this.tokens.set(`${registry} ${scope}`, { header, expiresAtMs: this.now() + Math.max(0, ttlSeconds - 10) * 1000 });
    return header;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
