import { describe, expect, it } from "vitest";
import { jwtExpiry, refreshingTokenSource, REFRESH_MARGIN_MS } from "./refreshing-token.ts";

/** An unsigned JWT with this expiry (the source reads `exp`; the API is what verifies signatures). */
const jwt = (expSeconds: number, tag = "") =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ exp: expSeconds, tag })).toString("base64url")}.sig`;

describe("refreshingTokenSource", () => {
  it("keeps a token until it is within the margin of its expiry, then fetches a new one", async () => {
    let now = 1_000_000_000_000;
    let fetches = 0;
    const hour = 3600;
    const source = refreshingTokenSource(
      undefined,
      {},
      {
        now: () => now,
        fetchToken: async () => jwt(Math.floor(now / 1000) + hour, String(++fetches)),
      },
    );
    const first = await source();
    expect(jwtExpiry(first)).toBe(Math.floor(now / 1000) * 1000 + hour * 1000);
    now += hour * 1000 - REFRESH_MARGIN_MS - 1000;
    expect(await source()).toBe(first);
    expect(fetches).toBe(1);
    now += 2000; // inside the margin: refreshed before it expires
    const second = await source();
    expect(second).not.toBe(first);
    expect(fetches).toBe(2);
  });

  it("shares one fetch among concurrent callers", async () => {
    let fetches = 0;
    const source = refreshingTokenSource(
      undefined,
      {},
      {
        fetchToken: async () => {
          fetches++;
          await new Promise((r) => setTimeout(r, 10));
          return jwt(Math.floor(Date.now() / 1000) + 3600);
        },
      },
    );
    const tokens = await Promise.all([source(), source(), source()]);
    expect(new Set(tokens).size).toBe(1);
    expect(fetches).toBe(1);
  });

  it("keeps using a still-valid token when a refresh fails, and fails once it has expired", async () => {
    let now = 2_000_000_000_000;
    let fail = false;
    const source = refreshingTokenSource(
      undefined,
      {},
      {
        now: () => now,
        fetchToken: async () => {
          if (fail) throw new Error("gcloud did not answer within 10000 ms");
          return jwt(Math.floor(now / 1000) + 600);
        },
      },
    );
    const token = await source();
    fail = true;
    now += 500_000; // 100 s left: inside the margin, refresh fails, the valid token stays
    expect(await source()).toBe(token);
    now += 200_000; // expired
    await expect(source()).rejects.toThrow("gcloud did not answer");
  });

  it("uses an explicit token as is, and re-fetches an opaque token after a few minutes", async () => {
    expect(await refreshingTokenSource("static-token")()).toBe("static-token");
    let now = 0;
    let fetches = 0;
    const source = refreshingTokenSource(
      undefined,
      {},
      { now: () => now, fetchToken: async () => `opaque-${++fetches}` },
    );
    expect(jwtExpiry("opaque-1")).toBeUndefined();
    expect(await source()).toBe("opaque-1");
    now += 60_000;
    expect(await source()).toBe("opaque-1");
    now += 5 * 60_000;
    expect(await source()).toBe("opaque-2");
  });
});
