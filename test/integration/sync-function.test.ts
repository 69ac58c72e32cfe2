/** The syncJobs cron function: authenticated like every HTTP trigger, answers with the run's summary. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { TEST_TOKEN, testDeps } from "./support.ts";
import "../../functions/sync-jobs/index.ts";

let deps: Deps;
beforeAll(() => {
  deps = testDeps({ namespaces: ["default"] });
  setDeps(deps);
});
afterAll(() => setDeps(undefined));

describe("syncJobs function", () => {
  it("refuses an unauthenticated tick", async () => {
    const res = await request(getTestServer("syncJobs"))
      .post("/")
      .set("X-CloudScheduler-ScheduleTime", "2026-01-01T00:00:00Z");
    expect(res.status).toBe(401);
  });

  it("runs a sync and returns its summary", async () => {
    await deps.store.create({ id: "never-submitted", namespace: "default", accelerator: "cpu" });
    const res = await request(getTestServer("syncJobs")).post("/").set("Authorization", `Bearer ${TEST_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scanned: 1, errors: 0 });
  });
});
