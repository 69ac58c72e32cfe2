/**
 * Authenticates HTTP callers, per function. Two kinds of credential:
 * Google-signed ID tokens (Cloud Scheduler's and Pub/Sub push's OIDC tokens,
 * users' gcloud identity), verified with google-auth-library against the
 * audiences this function accepts (its own URL) and then checked against the
 * identities it allows; and operator-issued static tokens (local mode, CI).
 * A bad credential is 401; a good credential of an identity that may not call
 * this function is 403. Without any configuration every call is refused.
 */
import { OAuth2Client } from "google-auth-library";
import { KineticError } from "../errors.ts";
import { safeEqual } from "./compare.ts";
import { certsOverride } from "./test-certs.ts";

export interface Principal {
  /** An email for ID tokens, or the name a static token was issued to. */
  id: string;
  kind: "google" | "static";
}

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export interface AuthConfig {
  /** name → token pairs (KINETIC_API_TOKENS="alice=tok1,ci=tok2"). */
  staticTokens: { name: string; token: string }[];
  /** Accepted `aud` of Google ID tokens: the function's URL (and, for the API, gcloud's client id). */
  audiences?: string[];
  /**
   * Identities a Google ID token may carry: emails, "domain:example.com" (the
   * token's `hd`), or "*" for any verified identity (when IAM checks group
   * membership before the request arrives). Empty: no Google identity is allowed.
   */
  allowedEmails: string[];
  /** Test only: a loopback URL serving the certificates that sign test tokens (see test-certs.ts). */
  certsUrl?: string;
}

const splitList = (raw: string | undefined) =>
  (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const staticTokens = splitList(env.KINETIC_API_TOKENS).map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) {
      throw new KineticError("invalid-argument", "KINETIC_API_TOKENS entries must look like name=token", {
        issues: [{ field: "KINETIC_API_TOKENS", message: "malformed entry (value not shown)" }],
      });
    }
    return { name: pair.slice(0, at), token: pair.slice(at + 1) };
  });
  const certsUrl = certsOverride(env);
  return {
    staticTokens,
    audiences: splitList(env.KINETIC_AUTH_AUDIENCES),
    allowedEmails: splitList(env.KINETIC_AUTH_ALLOWED),
    ...(certsUrl ? { certsUrl } : {}),
  };
}

/** What the verifier said, without the token (its messages quote it). */
function verifyFailure(err: unknown): string {
  const m = err instanceof Error ? err.message : "";
  if (m.startsWith("Wrong recipient")) return "its audience is not this function";
  if (m.startsWith("Token used too late")) return "it has expired";
  if (m.startsWith("Token used too early")) return "it is not valid yet";
  if (m.startsWith("Invalid issuer")) return "it was not issued by Google";
  if (m.startsWith("Invalid token signature") || m.startsWith("No pem found")) return "its signature does not verify";
  if (m.startsWith("Failed to retrieve verification certificates")) return "Google's certificates could not be fetched";
  return "it is malformed";
}

function allows(allowed: string[], email: string, hd: string | undefined): boolean {
  return allowed.some((a) => a === "*" || a === email || (hd !== undefined && a === `domain:${hd}`));
}

export function createAuthenticator(config: AuthConfig, oauth?: OAuth2Client): Authenticator {
  const audiences = config.audiences ?? [];
  // Production trusts Google's certificates alone; only a test may point the verifier elsewhere.
  const verifier =
    oauth ??
    new OAuth2Client(config.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: config.certsUrl } } : {});
  return {
    async authenticate(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
      if (!match) throw new KineticError("unauthenticated", "missing bearer token (Authorization: Bearer <token>)");
      const token = match[1]!;
      // Check every static token so the time taken does not reveal which one matched.
      let found: string | undefined;
      for (const t of config.staticTokens) if (safeEqual(t.token, token) && !found) found = t.name;
      if (found) return { id: found, kind: "static" };
      if (token.split(".").length !== 3) throw new KineticError("unauthenticated", "invalid credentials");
      if (audiences.length === 0) {
        throw new KineticError("unauthenticated", "this function accepts no Google ID tokens (no audience is set)");
      }
      let payload;
      try {
        payload = (await verifier.verifyIdToken({ idToken: token, audience: audiences })).getPayload();
      } catch (err) {
        throw new KineticError("unauthenticated", `the ID token was refused: ${verifyFailure(err)}`);
      }
      if (!payload?.email || payload.email_verified !== true) {
        throw new KineticError("permission-denied", "the ID token carries no verified email");
      }
      if (!allows(config.allowedEmails, payload.email, payload.hd)) {
        throw new KineticError("permission-denied", `${payload.email} may not call this function`);
      }
      return { id: payload.email, kind: "google" };
    },
  };
}
