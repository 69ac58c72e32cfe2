// buildImage's and cloudBuilds' push endpoints without functions-framework: only the push identity gets in; a
// delivery is acked (204) once the build ran and its jobs were woken, poison too; a transient fault nacks it.
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { buildJobDeps, kitContext, KIT_BASE } from "../../shared/builds/build-test-kit.ts";
import { KineticError } from "../../shared/errors.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { buildImagePush } from "./push.ts";

const PUSH_TOKEN = "push-identity-token";

async function push(deps: ReturnType<typeof buildJobDeps>, body: unknown, token = PUSH_TOKEN) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  const req = { body, get: (h: string) => headers[h.toLowerCase()], is: () => false };
  const out: { status?: number } = {};
  const res = {
    type: () => res,
    status: (code: number) => ((out.status = code), res),
    json: () => res,
    send: () => res,
    end: () => res,
    setHeader: () => res,
  };
  await buildImagePush(async () => deps)(req as unknown as Request, res as unknown as Response);
  return out.status;
}

const body = (data: unknown, messageId = "m-1") => ({
  message: { data: Buffer.from(JSON.stringify(data)).toString("base64"), messageId },
});

function setup() {
  const deps = buildJobDeps();
  deps.pushAuth = createAuthenticator({ staticTokens: [{ name: "push", token: PUSH_TOKEN }], allowedEmails: [] });
  return deps;
}

describe("buildImagePush", () => {
  it("refuses anyone but the push identity, before anything runs", async () => {
    const deps = setup();
    expect(await push(deps, body({ type: "build.run", buildId: `${"a".repeat(64)}-1` }), "someone-else")).toBe(401);
    expect(await deps.builds.list()).toEqual([]);
  });

  it("acks a build.run once the build ran and its job went on; poison is acked too", async () => {
    const deps = setup();
    const spec = {
      id: "p-1",
      namespace: "ns",
      command: ["python", "train.py"],
      build: { context: { kind: "dir", path: kitContext() }, baseImage: KIT_BASE },
    };
    await submitJob(deps, { spec, principal: "t", source: "t", recordRejections: false });
    const run = deps.bus.messages.find((m) => m.topic === "builds")!;
    expect(await push(deps, body(run.data))).toBe(204);
    expect((await deps.store.get({ namespace: "ns", id: "p-1" }))!.state).toBe("SUBMITTED");
    expect(await push(deps, body("garbage", "m-2"))).toBe(204);
  });

  it("nacks a transient fault (the registry is down), so Pub/Sub redelivers", async () => {
    const deps = setup();
    const spec = {
      id: "p-2",
      namespace: "ns",
      command: ["python"],
      build: { context: { kind: "dir", path: kitContext({ "b.py": "b\n" }) }, baseImage: KIT_BASE },
    };
    await submitJob(deps, { spec, principal: "t", source: "t", recordRejections: false });
    const run = deps.bus.messages.find((m) => m.topic === "builds")!;
    deps.registry.head = async () => {
      throw new KineticError("unavailable", "registry down");
    };
    expect(await push(deps, body(run.data))).toBe(503);
    expect((await deps.store.get({ namespace: "ns", id: "p-2" }))!.state).toBe("BUILDING");
  });
});
