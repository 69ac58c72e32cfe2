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
  const config = { staticTokens: [], audience: "https://api", allowedEmails: ["sched@p.iam.gserviceaccount.com"] };

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

  it("treats a token that fails verification as unauthenticated", async () => {
    const auth = createAuthenticator(config, fakeVerifier(new Error("Wrong recipient")));
    await expect(auth.authenticate("Bearer a.b.c")).rejects.toMatchObject({ code: "unauthenticated" });
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
