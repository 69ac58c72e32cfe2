/**
 * The cron functions (syncJobs, cleanupTtl, checkUtilization) refuse an oversized or non-JSON body before
 * authenticating or running, in Kinetic's error shape, as the API does: under functions-framework any body up to
 * 1 GB would otherwise reach them.
 */
import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { memoryDeps, MEMORY_TOKEN } from "../../shared/testing.ts";
import { checkUtilizationHandler } from "../../functions/check-utilization/handler.ts";
import { cleanupTtlHandler } from "../../functions/cleanup-ttl/handler.ts";
import { MAX_BODY_BYTES } from "../../functions/http-body.ts";
import { syncJobsHandler } from "../../functions/sync-jobs/handler.ts";

const CRONS = {
  syncJobs: syncJobsHandler,
  cleanupTtl: cleanupTtlHandler,
  checkUtilization: checkUtilizationHandler,
} as const;

describe.each(Object.entries(CRONS))("%s", (_name, make) => {
  function app() {
    let depsAsked = 0;
    const deps = memoryDeps({ namespaces: ["*"] });
    // No body parser: the guard must judge the request from its headers, as under functions-framework.
    const server = express().post(
      "/",
      make(async () => (depsAsked++, deps)),
    );
    return { server, asked: () => depsAsked };
  }

  it("refuses a body over the limit with 413 before doing anything", async () => {
    const { server, asked } = app();
    const res = await request(server)
      .post("/")
      .set("authorization", `Bearer ${MEMORY_TOKEN}`)
      .set("content-type", "application/json")
      .send(`{"pad":"${"x".repeat(MAX_BODY_BYTES)}"}`);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: "payload-too-large", issues: [{ field: "(body)" }] } });
    expect(asked()).toBe(0);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const { server, asked } = app();
    const res = await request(server)
      .post("/")
      .set("authorization", `Bearer ${MEMORY_TOKEN}`)
      .set("content-type", "text/plain")
      .send("run please");
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: "unsupported-media-type" } });
    expect(asked()).toBe(0);
  });

  it("still runs a call without a body", async () => {
    const { server, asked } = app();
    const res = await request(server).post("/").set("authorization", `Bearer ${MEMORY_TOKEN}`);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    expect(asked()).toBe(1);
  });
});
