/**
 * A bearer token for a long-running client (`kinetic dashboard`'s proxy): the explicit token when one is
 * configured, else a Google identity token from gcloud as every command gets one (token.ts), fetched again
 * before it expires. ID tokens live an hour; the expiry is read from the token's own `exp` claim (not
 * verified: the API verifies it), and a token without one is fetched again after a few minutes.
 */
import { tokenProvider } from "./token.ts";

/** Fetch a new token when the current one has less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** A token whose expiry cannot be read is used this long, then fetched again. */
const UNKNOWN_EXPIRY_MS = 5 * 60_000;
/** gcloud may hand back a token already inside the margin: ask it again at most this often. */
const MIN_REFETCH_MS = 30_000;

export interface RefreshingTokenOptions {
  /** One fresh token per call; defaults to `gcloud auth print-identity-token`. */
  fetchToken?: () => Promise<string>;
  now?: () => number;
}

/** The `exp` claim of a JWT in ms, or undefined when the token is not a readable JWT. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function refreshingTokenSource(
  explicit: string | undefined,
  env?: Record<string, string | undefined>,
  options: RefreshingTokenOptions = {},
): () => Promise<string> {
  if (explicit) return () => Promise.resolve(explicit);
  // A new provider per fetch: token.ts caches per provider, and here each fetch must ask gcloud again.
  const fetchToken = options.fetchToken ?? (() => tokenProvider(undefined, env)());
  const now = options.now ?? Date.now;
  let current: { token: string; expiresAt: number; fetchedAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const refresh = (): Promise<string> =>
    (inFlight ??= fetchToken()
      .then((token) => {
        const at = now();
        // An opaque token is treated as one expiring just after the margin: refreshed after UNKNOWN_EXPIRY_MS.
        const expiresAt = jwtExpiry(token) ?? at + UNKNOWN_EXPIRY_MS + REFRESH_MARGIN_MS;
        current = { token, expiresAt, fetchedAt: at };
        return token;
      })
      .finally(() => (inFlight = undefined)));
  return async () => {
    const at = now();
    if (!current || at >= current.expiresAt) return refresh();
    if (current.expiresAt - at < REFRESH_MARGIN_MS && at - current.fetchedAt >= MIN_REFETCH_MS) {
      // Still valid: a failed refresh keeps using it until it expires.
      return refresh().catch(() => current!.token);
    }
    return current.token;
  };
}
