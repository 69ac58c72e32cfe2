/**
 * Authenticates HTTP callers. Two kinds of credential are accepted:
 * Google-signed ID tokens (Cloud Scheduler OIDC, users' gcloud identity)
 * checked against an audience and an allow-list, and operator-issued static
 * tokens (local mode, CI). Without either configured, every call is refused.
 */
import { OAuth2Client } from "google-auth-library";
import { KineticError } from "../errors.ts";
import { safeEqual } from "./compare.ts";

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
  /** Expected `aud` of Google ID tokens (the function URL). */
  audience?: string;
  /** Emails allowed to call; empty = any verified Google identity with the right audience. */
  allowedEmails: string[];
}

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const staticTokens = (env.KINETIC_API_TOKENS ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      if (at <= 0 || at === pair.length - 1) {
        throw new KineticError("invalid-argument", "KINETIC_API_TOKENS entries must look like name=token", {
          issues: [{ field: "KINETIC_API_TOKENS", message: "malformed entry (value not shown)" }],
        });
      }
      return { name: pair.slice(0, at), token: pair.slice(at + 1) };
    });
  return {
    staticTokens,
    ...(env.KINETIC_API_AUDIENCE ? { audience: env.KINETIC_API_AUDIENCE } : {}),
    allowedEmails: (env.KINETIC_API_ALLOWED_EMAILS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export function createAuthenticator(config: AuthConfig, oauth = new OAuth2Client()): Authenticator {
  return {
    async authenticate(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
      if (!match) throw new KineticError("unauthenticated", "missing bearer token (Authorization: Bearer <token>)");
      const token = match[1]!;
      // Check every static token so the time taken does not reveal which one matched.
      let found: string | undefined;
      for (const t of config.staticTokens) if (safeEqual(t.token, token) && !found) found = t.name;
      if (found) return { id: found, kind: "static" };
      if (config.audience && token.split(".").length === 3) {
        try {
          const ticket = await oauth.verifyIdToken({ idToken: token, audience: config.audience });
          const p = ticket.getPayload();
          if (
            p?.email &&
            p.email_verified &&
            (!config.allowedEmails.length || config.allowedEmails.includes(p.email))
          ) {
            return { id: p.email, kind: "google" };
          }
          throw new KineticError("permission-denied", "this identity may not call the Kinetic API");
        } catch (err) {
          if (err instanceof KineticError) throw err;
          throw new KineticError("unauthenticated", "the ID token could not be verified");
        }
      }
      throw new KineticError("unauthenticated", "invalid credentials");
    },
  };
}
