import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import type { Logger, LogFields } from "../log.ts";
import { memoryStores } from "../stores.ts";
import type { PushPlan } from "./push-build.ts";
import { handlePushHook, type PushHookDeps } from "./push-hook-handler.ts";
import { registerRepo } from "./repos.ts";

const SHA = "a".repeat(40);
const BODY_MARK = "do-not-log-this-body";

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) =>
    void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const log = { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log };
  return log;
}

async function setup(
  options: { branches?: string[]; provider?: "github" | "gitlab"; dispatch?: PushHookDeps["dispatch"] } = {},
) {
  const stores = memoryStores({ clock: new ManualClock() });
  const log = recordingLog();
  const plans: PushPlan[] = [];
  const reads = { repos: 0 };
  // The registration store, counting its reads.
  const repos = new Proxy(stores.repos, {
    get(target, prop) {
      if (prop === "get") return (id: string) => (reads.repos++, target.get(id));
      const v: unknown = Reflect.get(target, prop);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const deps: PushHookDeps = {
    repos,
    hookSecrets: stores.hookSecrets,
    deliveries: stores.deliveries,
    log,
    dispatch:
      options.dispatch ??
      (async (plan) => {
        // Yield, so concurrent deliveries interleave as they would over the network.
        await new Promise((r) => setTimeout(r, 1));
        plans.push(plan);
      }),
  };
  const { repo, secret } = await registerRepo(
    { repos: stores.repos, hookSecrets: stores.hookSecrets, clock: new ManualClock() },
    {
      provider: options.provider ?? "github",
      repository: "acme/train",
      branches: options.branches ?? ["main", "release/*"],
      namespace: "ml",
      build: { baseImage: "127.0.0.1:5000/base:py" },
    },
    "ops",
  );
  return { stores, deps, log, plans, reads, repo, secret };
}

function github(
  repoId: string,
  secret: string,
  opts: { event?: string; delivery?: string; ref?: string; commit?: string; sig?: string } = {},
) {
  const rawBody = Buffer.from(
    JSON.stringify({
      ref: opts.ref ?? "refs/heads/main",
      after: opts.commit ?? SHA,
      repository: { full_name: "acme/train", clone_url: "file:///srv/acme/train.git" },
      note: BODY_MARK,
    }),
  );
  return {
    repoId,
    rawBody,
    headers: {
      "x-github-event": opts.event ?? "push",
      "x-github-delivery": opts.delivery ?? "d-1",
      "x-hub-signature-256": opts.sig ?? "sha256=" + createHmac("sha256", secret).update(rawBody).digest("hex"),
    },
  };
}

describe("handlePushHook", () => {
  it("an unknown repository and a bad signature are the same 401: nothing claimed, dispatched, or logged of the body", async () => {
    const { deps, stores, log, plans, repo, secret } = await setup();
    const unknown = await handlePushHook(deps, github("nope-0123456789", secret));
    const badSig = await handlePushHook(deps, github(repo.id, "wrong-secret"));
    const noSig = await handlePushHook(deps, { ...github(repo.id, secret), headers: { "x-github-event": "push" } });
    for (const a of [unknown, badSig, noSig]) {
      expect(a).toEqual({
        status: 401,
        body: { error: { code: "unauthenticated", message: "unknown repository or bad signature" } },
      });
    }
    expect(plans).toHaveLength(0);
    expect(await stores.docs.query("webhookDeliveries", { limit: 10 })).toHaveLength(0);
    expect(log.lines.join("\n")).not.toContain(BODY_MARK);
    expect(log.lines.join("\n")).not.toContain(secret);
  });

  it("answers ping, ignores other events and filtered branches with 202, and dispatches a push to a matching branch", async () => {
    const { deps, plans, repo, secret } = await setup();
    expect(await handlePushHook(deps, github(repo.id, secret, { event: "ping" }))).toEqual({
      status: 200,
      body: { answer: "pong" },
    });
    expect((await handlePushHook(deps, github(repo.id, secret, { event: "issues" }))).body).toEqual({
      ignored: "event issues",
    });
    const filtered = await handlePushHook(
      deps,
      github(repo.id, secret, { ref: "refs/heads/feature/x", delivery: "d-2" }),
    );
    expect(filtered).toEqual({ status: 202, body: { ignored: "branch feature/x is filtered out" } });
    expect(plans).toHaveLength(0);
    const ok = await handlePushHook(deps, github(repo.id, secret, { ref: "refs/heads/release/1.2", delivery: "d-3" }));
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ accepted: true, commit: SHA, repository: "acme/train" });
    expect(plans.map((p) => [p.repo.id, p.push.branch, p.push.commit])).toEqual([[repo.id, "release/1.2", SHA]]);
  });

  it("20 concurrent copies of one delivery, and 5 concurrent deliveries of one commit, dispatch exactly once each", async () => {
    const { deps, plans, repo, secret } = await setup();
    const copies = await Promise.all(Array.from({ length: 20 }, () => handlePushHook(deps, github(repo.id, secret))));
    expect(plans).toHaveLength(1);
    expect(copies.filter((a) => a.body.accepted)).toHaveLength(1);
    expect(copies.filter((a) => a.body.duplicate)).toHaveLength(19);

    const other = "b".repeat(40);
    const deliveries = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        handlePushHook(deps, github(repo.id, secret, { commit: other, delivery: `x-${i}` })),
      ),
    );
    expect(deliveries.every((a) => a.status === 202)).toBe(true);
    expect(plans.map((p) => p.push.commit)).toEqual([SHA, other]);
  });

  it("a dispatch that fails answers 503 and gives its claims back, so the forge's redelivery builds", async () => {
    let fail = true;
    const plans: PushPlan[] = [];
    const { deps, repo, secret } = await setup({
      dispatch: async (plan) => {
        if (fail) throw new Error("Firestore is down");
        plans.push(plan);
      },
    });
    const first = await handlePushHook(deps, github(repo.id, secret));
    expect(first.status).toBe(503);
    fail = false;
    const again = await handlePushHook(deps, github(repo.id, secret));
    expect(again.status).toBe(202);
    expect(plans).toHaveLength(1);
  });

  it("a body over the cap is 413 before the registration is even read", async () => {
    const { deps, reads, repo, secret } = await setup();
    const big = github(repo.id, secret);
    const answer = await handlePushHook({ ...deps, maxBodyBytes: 100 }, big);
    expect(answer.status).toBe(413);
    expect(reads.repos).toBe(0);
  });

  it("GitLab: the token compared in constant time; a wrong one is 401", async () => {
    const { deps, plans, repo, secret } = await setup({ provider: "gitlab" });
    const body = {
      ref: "refs/heads/main",
      checkout_sha: SHA,
      project: { path_with_namespace: "acme/train", git_http_url: "file:///srv/acme/train.git" },
    };
    const req = (token: string) => ({
      repoId: repo.id,
      rawBody: Buffer.from(JSON.stringify(body)),
      headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": token, "idempotency-key": "gl-1" },
    });
    expect((await handlePushHook(deps, req("wrong"))).status).toBe(401);
    expect((await handlePushHook(deps, req(secret))).status).toBe(202);
    expect(plans).toHaveLength(1);
  });
});
