// tuneStudy without functions-framework: messages route to the study domain; poison is recorded and acked;
// transient faults throw (nack); the push adapter answers 204 or an error status.
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { KineticError } from "../../shared/errors.ts";
import { studyTestDeps, testStudySpec, finishJobs } from "../../shared/studies/study-test-kit.ts";
import { TUNING_POISON } from "../../shared/store/study-store.ts";
import { handleTuningMessage } from "./handler.ts";
import { tuneStudyPush } from "./push.ts";

let n = 0;
function envelope(body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const messageId = `m-${++n}`;
  return { id: messageId, data: { message: { data: Buffer.from(text).toString("base64"), messageId } } };
}

describe("handleTuningMessage", () => {
  it("study.create fans out the first trials; a redelivery changes nothing; job.finished ends a trial", async () => {
    const deps = studyTestDeps();
    const create = envelope({ type: "study.create", spec: testStudySpec() });
    expect(await handleTuningMessage(deps, create)).toEqual({ status: "study", studyId: "st", state: "RUNNING" });
    expect(await handleTuningMessage(deps, create)).toMatchObject({ status: "study", state: "RUNNING" });
    expect(deps.cluster.objects.size).toBe(2);
    const [event] = await finishJobs(deps, { "st-0": { ok: true, logs: "accuracy=0.5" } });
    expect(await handleTuningMessage(deps, envelope(event))).toEqual({ status: "trial", result: "recorded" });
    expect(await handleTuningMessage(deps, envelope(event))).toEqual({ status: "trial", result: "duplicate" });
    const drive = envelope({ type: "study.drive", namespace: "ns", studyId: "st" });
    expect(await handleTuningMessage(deps, drive)).toMatchObject({ status: "study", state: "RUNNING" });
    expect((await deps.studies.get({ namespace: "ns", id: "st" }))?.issued).toBe(3);
  });

  it("records poison (not JSON, unknown type, invalid study, unknown study) and acks it", async () => {
    const deps = studyTestDeps();
    const cases = [
      envelope("{not json"),
      envelope({ type: "study.explode" }),
      envelope({ type: "study.create", spec: testStudySpec({ parallelTrials: 50 }) }),
      envelope({ type: "study.drive", namespace: "ns", studyId: "nope" }),
    ];
    const out = [];
    for (const c of cases) out.push(await handleTuningMessage(deps, c));
    expect(out.map((o) => o.status)).toEqual(["poison", "poison", "poison", "poison"]);
    expect(out[2]).toMatchObject({ reason: expect.stringMatching(/parallelTrials/) });
    expect(
      await deps.docs.getAll(
        TUNING_POISON,
        cases.map((c) => c.id),
      ),
    ).toHaveLength(4);
    expect(await handleTuningMessage(deps, { id: "x", data: "garbage" })).toMatchObject({ status: "poison" });
  });

  it("a transient fault throws so Pub/Sub redelivers, and the redelivery converges", async () => {
    const deps = studyTestDeps();
    for (let i = 0; i < 6; i++) deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "down"));
    const create = envelope({ type: "study.create", spec: testStudySpec() });
    await expect(handleTuningMessage(deps, create)).rejects.toMatchObject({ code: "cluster-unavailable" });
    await handleTuningMessage(deps, create);
    expect(deps.cluster.objects.size).toBe(2);
    expect(await deps.studies.get({ namespace: "ns", id: "st" })).toMatchObject({ issued: 2, active: 2 });
  });
});

describe("tuneStudyPush", () => {
  async function push(body: unknown, deps = studyTestDeps()) {
    const req = { body, get: () => undefined, is: () => false };
    const out: { status?: number } = {};
    const res = {
      type: () => res,
      status: (code: number) => ((out.status = code), res),
      json: () => res,
      end: () => res,
    };
    await tuneStudyPush(async () => deps)(req as unknown as Request, res as unknown as Response);
    return out.status;
  }

  it("acks a delivered message with 204 and nacks a transient fault with an error status", async () => {
    expect(await push(envelope({ type: "study.create", spec: testStudySpec() }).data)).toBe(204);
    const deps = studyTestDeps();
    for (let i = 0; i < 6; i++) deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "down"));
    expect(await push(envelope({ type: "study.create", spec: testStudySpec() }).data, deps)).toBe(503);
  });
});
