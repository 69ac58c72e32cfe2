// The Secret Manager source over its REST API, with the HTTP calls recorded: names, payloads, and that a
// secret is never in an error.
import { describe, expect, it } from "vitest";
import { secretManagerSource } from "./secret-source.ts";

function fakeSecretManager() {
  const versions = new Map<string, string[]>();
  const calls: string[] = [];
  const request = async (o: { url: string; method: string; data?: unknown }) => {
    const path = o.url.replace("https://secretmanager.googleapis.com/v1/projects/p1/secrets", "");
    calls.push(`${o.method} ${path}`);
    const create = /^\?secretId=(.+)$/.exec(path);
    if (create) {
      if (versions.has(create[1]!)) return { status: 409, data: {} };
      versions.set(create[1]!, []);
      return { status: 200, data: {} };
    }
    const add = /^\/([^/:]+):addVersion$/.exec(path);
    if (add) {
      versions.get(add[1]!)!.push((o.data as { payload: { data: string } }).payload.data);
      return { status: 200, data: {} };
    }
    const access = /^\/([^/]+)\/versions\/latest:access$/.exec(path);
    if (access) {
      const v = versions.get(access[1]!);
      return v?.length ? { status: 200, data: { payload: { data: v.at(-1) } } } : { status: 404, data: {} };
    }
    const del = /^\/([^/]+)$/.exec(path);
    if (del && o.method === "DELETE") return { status: versions.delete(del[1]!) ? 200 : 404, data: {} };
    return { status: 500, data: {} };
  };
  return { versions, calls, request };
}

describe("secretManagerSource", () => {
  it("one secret per repository under the prefix; a rotation keeps the previous secret beside the new one", async () => {
    const sm = fakeSecretManager();
    const src = secretManagerSource({ project: "p1", prefix: "kinetic-hook-train-", request: sm.request });
    expect(await src.get("r1")).toEqual([]);
    await src.put("r1", "first");
    await src.put("r1", "second");
    expect(await src.get("r1")).toEqual(["second", "first"]);
    expect(sm.calls).toContain("POST ?secretId=kinetic-hook-train-r1");
    expect(sm.calls).toContain("POST /kinetic-hook-train-r1:addVersion");
    await src.delete("r1");
    expect(await src.get("r1")).toEqual([]);
    await src.delete("r1");
  });

  it("a refusal names the step and the status, never the secret", async () => {
    const src = secretManagerSource({
      project: "p1",
      prefix: "kinetic-hook-train-",
      request: async () => ({ status: 403, data: { error: { message: "caller lacks access" } } }),
    });
    const err = await src.put("r1", "top-secret").catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: "permission-denied", message: "Secret Manager: create answered HTTP 403" });
    expect(String((err as Error).message)).not.toContain("top-secret");
  });
});
