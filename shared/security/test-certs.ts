/**
 * The one door for test certificates. Tests sign ID tokens with their own key
 * and serve its certificate like Google's endpoint does (test/fakes/
 * google-certs.ts); KINETIC_TEST_GOOGLE_CERTS_URL tells the verifier to
 * trust that endpoint. It must be a loopback http URL, so a deployed function
 * (whose loopback serves nothing of the kind) can never be told to trust
 * another signer; infra never sets it, and a test holds infra to that.
 */
import { KineticError } from "../errors.ts";

export const TEST_CERTS_ENV = "KINETIC_TEST_GOOGLE_CERTS_URL";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The validated override, or undefined when unset. A non-loopback value fails at start. */
export function certsOverride(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env[TEST_CERTS_ENV];
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== "http:" || !LOOPBACK.has(url.hostname)) {
    throw new KineticError("invalid-argument", `${TEST_CERTS_ENV} must be an http URL on the loopback interface`, {
      issues: [{ field: TEST_CERTS_ENV, message: "test only: expected http://127.0.0.1:PORT/…" }],
    });
  }
  return url.toString();
}
