import type { Request, Response } from "@google-cloud/functions-framework";
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { functionsEntry } from "./functions.ts";
import { lazyHttp, type HandlerModule } from "./lazy-http.ts";

const req = {} as Request;
const res = {} as Response;

describe("lazyHttp", () => {
  it("loads the handler on the first request only, then hands every request to it", async () => {
    const seen: number[] = [];
    let loads = 0;
    const fn = lazyHttp(async () => {
      loads++;
      return { handler: () => void seen.push(seen.length) } as HandlerModule;
    });
    expect(loads).toBe(0);
    await Promise.all([fn(req, res), fn(req, res)]);
    await fn(req, res);
    expect(loads).toBe(1);
    expect(seen).toEqual([0, 1, 2]);
  });

  it("fails the request whose load failed and tries the load again on the next", async () => {
    let loads = 0;
    const fn = lazyHttp(async () => {
      if (++loads === 1) throw new Error("chunk missing");
      return { handler: () => "served" } as unknown as HandlerModule;
    });
    await expect(fn(req, res)).rejects.toThrow("chunk missing");
    await expect(fn(req, res)).resolves.toBe("served");
    expect(loads).toBe(2);
  });
});

describe("the functions bundle's entry", () => {
  it("registers every declared function by name, each importing its own module lazily", () => {
    const entry = functionsEntry();
    for (const f of FUNCTIONS)
      expect(entry).toContain(`functions.http("${f.name}", lazyHttp(() => import("./${f.source}")));`);
    expect(entry).not.toMatch(/^import .*functions\/(?!.*functions-framework)/m);
  });
});
