/**
 * The pushHook function's handler, without HTTP: size cap → registration and
 * secrets → signature over the raw bytes (decidePush) → dedupe (the delivery
 * ledger) → dispatch of the push's work (push-build.ts) → the answer.
 *
 * Nothing before the signature check writes anything or logs anything of the
 * body; an unknown repository and a bad signature get the same 401. Of any
 * number of concurrent copies of a delivery, and of deliveries of one commit,
 * exactly one is dispatched (claimPush). A dispatch that fails gives its
 * claims back and answers 503, so the forge's redelivery is new again.
 */
import type { Logger } from "../log.ts";
import type { SecretSource } from "../security/secret-source.ts";
import type { PushSummary, RepoDoc, RepoStore } from "../store/repo-store.ts";
import { claimPush, releasePush, type DeliveryLedger } from "./delivery-ledger.ts";
import type { PushPlan } from "./push-build.ts";
import { decidePush, type PushRequest } from "./push-hook.ts";
import { REPO_ID_PATTERN } from "./repos.ts";

/** GitHub caps payloads at 25 MB, but a push payload is a few KiB per commit; 5 MiB leaves room, not abuse. */
export const MAX_HOOK_BODY_BYTES = 5 * 1024 * 1024;

export interface PushHookDeps {
  repos: RepoStore;
  hookSecrets: SecretSource;
  deliveries: DeliveryLedger;
  log: Logger;
  /**
   * An accepted push's work (runPushBuild): fast, since it only requests the build and submits the jobs that
   * wait on it, so it runs before the answer and the forge sees its outcome in the delivery's response.
   */
  dispatch(plan: PushPlan): Promise<PushSummary | void>;
  maxBodyBytes?: number;
}

export interface HookAnswer {
  status: number;
  body: Record<string, unknown>;
}

const error = (status: number, code: string, message: string): HookAnswer => ({
  status,
  body: { error: { code, message } },
});

export async function handlePushHook(deps: PushHookDeps, req: PushRequest): Promise<HookAnswer> {
  const max = deps.maxBodyBytes ?? MAX_HOOK_BODY_BYTES;
  if (req.rawBody.length > max)
    return error(413, "payload-too-large", `the delivery may be at most ${max} bytes; it is ${req.rawBody.length}`);

  let doc: RepoDoc | undefined;
  const decision = await decidePush(req, async (id) => {
    // An id that cannot be one costs no read.
    if (!REPO_ID_PATTERN.test(id)) return undefined;
    // The record first: an unregistered id never reaches Secret Manager (a paid call anyone could make us repeat).
    const repo = await deps.repos.get(id);
    if (!repo) return undefined;
    const secrets = await deps.hookSecrets.get(id);
    if (secrets.length === 0) return undefined;
    doc = repo;
    return { id, provider: repo.provider, repository: repo.repository, secrets, branches: repo.branches };
  });

  if (decision.status === 401) {
    // Which of the two, for the operator; the URL's id only when it is well-formed. Nothing of the body.
    deps.log.warn("push hook refused", {
      why: decision.why,
      ...(REPO_ID_PATTERN.test(req.repoId) ? { repoId: req.repoId } : {}),
    });
    return error(401, "unauthenticated", "unknown repository or bad signature");
  }
  if (decision.status === 400) return error(400, "invalid-argument", decision.why);
  if (decision.status === 200) return { status: 200, body: { answer: decision.answer } };
  if ("ignored" in decision) return { status: 202, body: { ignored: decision.ignored } };

  const { build } = decision;
  const repo = doc!;
  const at = { repoId: repo.id, commit: build.push.commit, branch: build.push.branch };
  if ((await claimPush(deps.deliveries, build)) === "duplicate") {
    deps.log.info("push hook: duplicate delivery", at);
    return { status: 202, body: { duplicate: true, commit: build.push.commit } };
  }
  let summary: PushSummary | void;
  try {
    summary = await deps.dispatch({ repo, push: build.push });
  } catch (err) {
    await releasePush(deps.deliveries, build).catch(() => {});
    deps.log.error("push hook: could not start the push's build", { ...at, error: err });
    return error(503, "unavailable", "the build could not be started; redeliver the event");
  }
  deps.log.info("push hook: build accepted", at);
  return {
    status: 202,
    body: {
      accepted: true,
      repository: repo.repository,
      commit: build.push.commit,
      ...(summary ? { push: summary } : {}),
    },
  };
}
