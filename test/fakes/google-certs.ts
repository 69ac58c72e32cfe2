/**
 * A fake of Google's ID-token signing: an RSA key of our own, its public key
 * served the way https://www.googleapis.com/oauth2/v1/certs serves Google's
 * (a JSON map kid → PEM, with Cache-Control max-age), and a minter of ID
 * tokens shaped like the ones Cloud Scheduler, Pub/Sub push and
 * `gcloud auth print-identity-token` carry (RS256; iss, aud, email,
 * email_verified, iat, exp, sub). Functions trust it only through
 * KINETIC_TEST_GOOGLE_CERTS_URL (shared/security/test-certs.ts).
 *
 * Google serves X.509 certificates; we serve the bare public key, which the
 * verifier (node:crypto) accepts the same way.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const GOOGLE_ISSUER = "https://accounts.google.com";

export interface IdTokenClaims {
  aud: string;
  email: string;
  iss?: string;
  email_verified?: boolean;
  hd?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** Seconds since the epoch; default iat + 1 h. */
  exp?: number;
}

export interface FakeGoogleCerts {
  /** Pass as KINETIC_TEST_GOOGLE_CERTS_URL. */
  url: string;
  /** Certificate requests served (the verifier caches them). */
  requests: number;
  /** An ID token signed by the served key. */
  mint(claims: IdTokenClaims): string;
  /** The same token shape signed by a key nobody serves, under the served key id. */
  mintForged(claims: IdTokenClaims): string;
  close(): Promise<void>;
}

const b64url = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString("base64url");

function signJwt(key: KeyObject, kid: string, claims: IdTokenClaims): string {
  const iat = claims.iat ?? Math.floor(Date.now() / 1000);
  const payload = {
    iss: GOOGLE_ISSUER,
    email_verified: true,
    azp: claims.email,
    sub: String(BigInt(`0x${randomBytes(8).toString("hex")}`)),
    ...claims,
    iat,
    exp: claims.exp ?? iat + 3600,
  };
  const signed = `${b64url({ alg: "RS256", kid, typ: "JWT" })}.${b64url(payload)}`;
  return `${signed}.${b64url(sign("sha256", Buffer.from(signed), key))}`;
}

export async function startFakeGoogleCerts(): Promise<FakeGoogleCerts> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const forger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const kid = randomBytes(20).toString("hex");
  const body = JSON.stringify({ [kid]: publicKey.export({ type: "spki", format: "pem" }) });
  const fake = { requests: 0 } as FakeGoogleCerts;
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || !req.url?.startsWith("/oauth2/v1/certs")) {
      res.writeHead(404).end();
      return;
    }
    fake.requests++;
    res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=3600" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/oauth2/v1/certs`,
    mint: (claims: IdTokenClaims) => signJwt(privateKey, kid, claims),
    mintForged: (claims: IdTokenClaims) => signJwt(forger, kid, claims),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
