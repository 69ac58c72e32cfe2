import { describe, expect, it } from "vitest";
import { KineticError } from "./errors.ts";
import { withRetry } from "./retry.ts";

const noSleep = { sleep: async () => {} };

describe("withRetry", () => {
  it("retries transient faults and returns the first success", async () => {
    let calls = 0;
    const value = await withRetry(async () => {
      if (++calls < 3) throw new KineticError("cluster-unavailable", "503");
      return "ok";
    }, noSleep);
    expect(value).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives up after the last attempt with the last error", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new KineticError("cluster-unavailable", `try ${calls}`);
        },
        { ...noSleep, attempts: 4 },
      ),
    ).rejects.toThrow("try 4");
  });

  it("does not retry permanent errors", async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new KineticError("cluster-rejected", "422");
      }, noSleep),
    ).rejects.toMatchObject({ code: "cluster-rejected" });
    expect(calls).toBe(1);
  });

  it("backs off exponentially, capped", async () => {
    const delays: number[] = [];
    await withRetry(
      async () => {
        throw new KineticError("unavailable", "x");
      },
      { attempts: 5, baseDelayMs: 100, maxDelayMs: 300, sleep: async (ms) => void delays.push(ms) },
    ).catch(() => undefined);
    expect(delays).toHaveLength(4);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    for (const d of delays) expect(d).toBeLessThanOrEqual(300);
  });
});
