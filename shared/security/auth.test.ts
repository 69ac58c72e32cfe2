import { describe, expect, it } from "vitest";
import type { OAuth2Client } from "google-auth-library";
import { KineticError } from "../errors.ts";
import { authConfigFromEnv, createAuthenticator } from "./auth.ts";
import { safeEqual, verifyHmacSha256 } from "./compare.ts";
import { createHmac } from "node:crypto";

describe("static token authentication", () => {
  const auth = createAuthenticator(authConfigFromEnv({ KINETIC_API_TOKENS: "alice=s3cret-a, ci=s3cret-b" }));

  it("maps a known token to its principal", async () => {
    await expect(auth.authenticate("Bearer s3cret-b")).resolves.toEqual({ id: "ci", kind: "static" });
  });

  it("refuses a missing, malformed or unknown credential with unauthenticated", async () => {
    for (const header of [undefined, "s3cret-a", "Basic s3cret-a", "Bearer wrong"]) {
      const err = await auth.authenticate(header).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KineticError);
      expect((err as KineticError).code).toBe("unauthenticated");
      expect((err as KineticError).message).not.toContain("s3cret");
    }
  });

  it("refuses everything when nothing is configured", async () => {
    const none = createAuthenticator(authConfigFromEnv({}));
    await expect(none.authenticate("Bearer anything")).rejects.toMatchObject({ code: "unauthenticated" });
  });

  it("rejects malformed token config without echoing the secret", () => {
    try {
      authConfigFromEnv({ KINETIC_API_TOKENS: "just-a-secret-value" });
      expect.unreachable();
    } catch (err) {
      expect((err as KineticError).message).not.toContain("just-a-secret-value");
      expect((err as KineticError).issues[0]?.field).toBe("KINETIC_API_TOKENS");
    }
  });
});

describe("Google ID token authentication", () => {
  const fakeVerifier = (payload: object | Error) =>
    ({
      verifyIdToken: async () => {
        if (payload instanceof Error) throw payload;
        return { getPayload: () => payload };
      },
    }) as unknown as OAuth2Client;
  const config = { staticTokens: [], audiences: ["https://api"], allowedEmails: ["sched@p.iam.gserviceaccount.com"] };

  it("accepts an allowed, verified email", async () => {
    const auth = createAuthenticator(
      config,
      fakeVerifier({ email: "sched@p.iam.gserviceaccount.com", email_verified: true }),
    );
    await expect(auth.authenticate("Bearer a.b.c")).resolves.toEqual({
      id: "sched@p.iam.gserviceaccount.com",
      kind: "google",
    });
  });

  it("denies a verified identity that is not on the allow-list", async () => {
    const auth = createAuthenticator(config, fakeVerifier({ email: "mallory@x.com", email_verified: true }));
    await expect(auth.authenticate("Bearer a.b.c")).rejects.toMatchObject({ code: "permission-denied" });
  });

  it("treats a token that fails verification as unauthenticated, naming why but never quoting it", async () => {
    const auth = createAuthenticator(config, fakeVerifier(new Error("Wrong recipient, payload audience != x")));
    const err = (await auth.authenticate("Bearer a.b.c").catch((e: unknown) => e)) as KineticError;
    expect(err.code).toBe("unauthenticated");
    expect(err.message).toMatch(/audience is not this function/);
    expect(err.message).not.toContain("a.b.c");
  });

  it("allows a Workspace domain by the token's hd claim, and any verified identity with *", async () => {
    const hd = { ...config, allowedEmails: ["domain:example.com"] };
    const bob = { email: "bob@example.com", email_verified: true, hd: "example.com" };
    await expect(createAuthenticator(hd, fakeVerifier(bob)).authenticate("Bearer a.b.c")).resolves.toMatchObject({
      id: "bob@example.com",
    });
    const any = { ...config, allowedEmails: ["*"] };
    const eve = { email: "eve@other.org", email_verified: true };
    await expect(createAuthenticator(any, fakeVerifier(eve)).authenticate("Bearer a.b.c")).resolves.toMatchObject({
      id: "eve@other.org",
    });
  });

  it("refuses ID tokens outright where no audience is configured, and allows nobody by default", async () => {
    const ok = fakeVerifier({ email: "sched@p.iam.gserviceaccount.com", email_verified: true });
    const noAudience = createAuthenticator({ ...config, audiences: [] }, ok);
    await expect(noAudience.authenticate("Bearer a.b.c")).rejects.toMatchObject({ code: "unauthenticated" });
    const nobody = createAuthenticator({ ...config, allowedEmails: [] }, ok);
    await expect(nobody.authenticate("Bearer a.b.c")).rejects.toMatchObject({ code: "permission-denied" });
  });

  it("reads its audiences, identities and the test certificate override from the environment", () => {
    expect(
      authConfigFromEnv({
        KINETIC_AUTH_AUDIENCES: "https://a, https://b",
        KINETIC_AUTH_ALLOWED: "x@p.iam.gserviceaccount.com",
        KINETIC_TEST_GOOGLE_CERTS_URL: "http://127.0.0.1:9/oauth2/v1/certs",
      }),
    ).toEqual({
      staticTokens: [],
      audiences: ["https://a", "https://b"],
      allowedEmails: ["x@p.iam.gserviceaccount.com"],
      certsUrl: "http://127.0.0.1:9/oauth2/v1/certs",
    });
  });

  it("never lets a deployment point the verifier at certificates off this machine", () => {
    for (const url of ["https://evil.example.com/certs", "http://10.0.0.1/certs", "not a url"]) {
      expect(() => authConfigFromEnv({ KINETIC_TEST_GOOGLE_CERTS_URL: url })).toThrow(/loopback/);
    }
  });
});

describe("timing-safe helpers", () => {
  it("compares strings of any length", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });

  it("verifies sha256 HMAC signatures over the raw body", () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    const sig = "sha256=" + createHmac("sha256", "k").update(body).digest("hex");
    expect(verifyHmacSha256("k", body, sig)).toBe(true);
    expect(verifyHmacSha256("other", body, sig)).toBe(false);
    expect(verifyHmacSha256("k", body, undefined)).toBe(false);
    expect(verifyHmacSha256("k", body, "sha1=00")).toBe(false);
  });
});
