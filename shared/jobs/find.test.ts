/** findVisibleJob: (namespace, id) directly, or the id among the caller's namespaces, never another tenant's. */
import { describe, expect, it } from "vitest";
import { memoryStores } from "../stores.ts";
import { findVisibleJob, requireVisibleJob } from "./find.ts";

async function store() {
  const { store } = memoryStores();
  for (const namespace of ["team-a", "team-b", "lab-1"]) await store.create({ id: "x", namespace, accelerator: "cpu" });
  await store.create({ id: "only-a", namespace: "team-a", accelerator: "cpu" });
  return store;
}

describe("findVisibleJob", () => {
  it("names the namespace: that job, or nothing when the caller may not see it", async () => {
    const s = await store();
    expect((await findVisibleJob(s, "x", { namespace: "team-b", allowed: ["team-b"] }))?.namespace).toBe("team-b");
    expect(await findVisibleJob(s, "x", { namespace: "team-a", allowed: ["team-b"] })).toBeUndefined();
  });

  it("reads only the caller's own keys when its namespaces are named", async () => {
    const s = await store();
    const reads = s.stats.reads;
    expect((await findVisibleJob(s, "x", { allowed: ["team-b", "nowhere"] }))?.namespace).toBe("team-b");
    expect(s.stats.reads - reads).toBe(2);
  });

  it("with patterns, finds the id in the namespaces they cover and ignores the rest", async () => {
    const s = await store();
    expect((await findVisibleJob(s, "x", { allowed: ["lab-*"] }))?.namespace).toBe("lab-1");
    expect(await findVisibleJob(s, "only-a", { allowed: ["lab-*"] })).toBeUndefined();
    expect((await findVisibleJob(s, "only-a", { allowed: ["*"] }))?.namespace).toBe("team-a");
  });

  it("an id in several of the caller's namespaces asks for the namespace, listing only those", async () => {
    const s = await store();
    await expect(findVisibleJob(s, "x", { allowed: ["team-*"] })).rejects.toMatchObject({
      code: "invalid-argument",
      issues: [{ field: "namespace", message: "required: one of team-a, team-b" }],
    });
  });

  it("requireVisibleJob answers a missing and a foreign job alike", async () => {
    const s = await store();
    const foreign = await requireVisibleJob(s, "only-a", { allowed: ["team-b"] }).catch((e: unknown) => e);
    const missing = await requireVisibleJob(s, "gone", { allowed: ["team-b"] }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ code: "not-found", message: "job only-a not found" });
    expect(missing).toMatchObject({ code: "not-found", message: "job gone not found" });
  });
});
