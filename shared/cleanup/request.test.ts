/** The cleanupTtl request at the edge: flags, field-named errors, and tick ids from the scheduler header. */
import { describe, expect, it } from "vitest";
import { cleanupOptionsFor, parseCleanupRequest } from "./request.ts";
import { tickRunId } from "./run.ts";

const now = new Date("2026-11-26T08:15:03Z");

describe("parseCleanupRequest", () => {
  it("accepts an empty body (a plain scheduler tick) and booleans from JSON or the query string", () => {
    expect(parseCleanupRequest(undefined, {})).toEqual({});
    expect(parseCleanupRequest(Buffer.alloc(0), {})).toEqual({});
    expect(parseCleanupRequest({ dryRun: true }, {})).toEqual({ dryRun: true });
    expect(parseCleanupRequest({}, { force: "true", namespace: "team-a" })).toEqual({
      force: true,
      namespace: "team-a",
    });
    expect(parseCleanupRequest({}, { dryRun: "0" })).toEqual({ dryRun: false });
  });

  it("names the field and the reason for bad input", () => {
    expect(() => parseCleanupRequest({ dryrun: true }, {})).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ field: "dryrun" })] }),
    );
    expect(() => parseCleanupRequest({ force: "yes" }, {})).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ field: "force" })] }),
    );
    expect(() => parseCleanupRequest({ namespace: "Team_A" }, {})).toThrow(
      /namespace: must be a Kubernetes namespace name/,
    );
    expect(() => parseCleanupRequest("force", {})).toThrow(/body must be a JSON object/);
    expect(() => parseCleanupRequest([1], {})).toThrow(/body must be a JSON object/);
  });
});

describe("cleanupOptionsFor", () => {
  it("a tick's run id is its schedule time, whatever the delivery; force means stale resources and running jobs", () => {
    const a = cleanupOptionsFor(
      { force: true, namespace: "ns" },
      { scheduleTime: "2026-11-26T08:15:00Z", principal: "sched@x", now },
    );
    const b = cleanupOptionsFor(
      {},
      { scheduleTime: "2026-11-26T08:15:00.000Z", principal: "sched@x", now: new Date() },
    );
    expect(a).toMatchObject({
      runId: "tick-2026-11-26T08:15:00.000Z",
      namespace: "ns",
      deleteStale: true,
      includeActive: true,
      dryRun: false,
    });
    expect(b.runId).toBe(a.runId);
    expect(b).toMatchObject({ deleteStale: false, includeActive: false });
  });

  it("manual runs get unique ids; a malformed schedule time is rejected with the header named", () => {
    const m1 = cleanupOptionsFor({}, { principal: "me", now });
    const m2 = cleanupOptionsFor({}, { principal: "me", now });
    expect(m1.runId).toMatch(/^manual-2026-11-26T08:15:03.000Z-/);
    expect(m1.runId).not.toBe(m2.runId);
    expect(() => tickRunId("yesterday")).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ field: "X-CloudScheduler-ScheduleTime" })] }),
    );
  });
});
