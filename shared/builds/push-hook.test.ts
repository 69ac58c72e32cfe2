import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { MemoryDocs } from "../store/memory-docs.ts";
import { claimPush, DELIVERIES, docLedger, memoryLedger, releasePush } from "./delivery-ledger.ts";
import { branchMatches, decidePush, type PushDecision, type RegisteredRepo } from "./push-hook.ts";

const SHA = "1".repeat(40);
const GH: RegisteredRepo = {
  id: "r-gh",
  provider: "github",
  repository: "acme/train",
  secrets: ["s3cret"],
  branches: ["main", "release/*"],
};
const GL: RegisteredRepo = { id: "r-gl", provider: "gitlab", repository: "ml/train", secrets: ["gl-token"] };
const lookup = async (id: string) => [GH, GL].find((r) => r.id === id);

function ghPush(over: Record<string, unknown> = {}) {
  return {
    ref: "refs/heads/main",
    after: SHA,
    repository: { full_name: "acme/train", clone_url: "https://github.com/acme/train.git" },
    ...over,
  };
}
function github(body: unknown, opts: { event?: string; secret?: string; delivery?: string; sig?: string } = {}) {
  const rawBody = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const sig =
    opts.sig ??
    "sha256=" +
      createHmac("sha256", opts.secret ?? "s3cret")
        .update(rawBody)
        .digest("hex");
  return {
    repoId: "r-gh",
    rawBody,
    headers: {
      "x-github-event": opts.event ?? "push",
      "x-github-delivery": opts.delivery ?? "d-1",
      "x-hub-signature-256": sig,
    },
  };
}
function gitlab(body: unknown, opts: { event?: string; token?: string } = {}) {
  return {
    repoId: "r-gl",
    rawBody: Buffer.from(JSON.stringify(body)),
    headers: {
      "x-gitlab-event": opts.event ?? "Push Hook",
      "x-gitlab-token": opts.token ?? "gl-token",
      "idempotency-key": "idem-1",
    },
  };
}
const glPush = (over: Record<string, unknown> = {}) => ({
  ref: "refs/heads/dev",
  checkout_sha: SHA,
  project: { path_with_namespace: "ml/train", git_http_url: "https://gitlab.com/ml/train.git" },
  ...over,
});

function built(d: PushDecision) {
  if (!("build" in d)) throw new Error(`expected a build, got ${JSON.stringify(d)}`);
  return d.build;
}

describe("decidePush: GitHub", () => {
  it("a signed push to a watched branch starts a build of the pushed commit", async () => {
    const b = built(await decidePush(github(ghPush()), lookup));
    expect(b.push).toEqual({
      provider: "github",
      repository: "acme/train",
      cloneUrl: "https://github.com/acme/train.git",
      ref: "refs/heads/main",
      branch: "main",
      commit: SHA,
    });
    expect(b.deliveryId).toBe("d-1");
  });

  it("takes GitHub's default form content type (payload=<JSON>), signed over the form as sent", async () => {
    const form = "payload=" + encodeURIComponent(JSON.stringify(ghPush()));
    const req = github(form);
    const asForm = { ...req, headers: { ...req.headers, "content-type": "application/x-www-form-urlencoded" } };
    expect(built(await decidePush(asForm, lookup)).push.commit).toBe(SHA);
    // The signature is over the raw form: the decoded JSON signed instead does not verify.
    const resigned = {
      ...asForm,
      headers: { ...asForm.headers, "x-hub-signature-256": github(ghPush()).headers["x-hub-signature-256"] },
    };
    expect(await decidePush(resigned, lookup)).toEqual({ status: 401, why: "bad-signature" });
  });

  it("answers ping, ignores other events, tags, deleted and filtered branches with 202", async () => {
    expect(await decidePush(github({ zen: "hi" }, { event: "ping" }), lookup)).toEqual({ status: 200, answer: "pong" });
    expect(await decidePush(github({}, { event: "issues" }), lookup)).toMatchObject({
      status: 202,
      ignored: "event issues",
    });
    expect(await decidePush(github(ghPush({ ref: "refs/tags/v1" })), lookup)).toMatchObject({
      status: 202,
      ignored: expect.stringMatching(/not a branch/),
    });
    expect(await decidePush(github(ghPush({ after: "0".repeat(40), deleted: true })), lookup)).toMatchObject({
      status: 202,
      ignored: expect.stringMatching(/deleted/),
    });
    expect(await decidePush(github(ghPush({ ref: "refs/heads/feature/x" })), lookup)).toMatchObject({
      status: 202,
      ignored: expect.stringMatching(/filtered/),
    });
    expect(built(await decidePush(github(ghPush({ ref: "refs/heads/release/1.2" })), lookup)).push.branch).toBe(
      "release/1.2",
    );
  });

  it("401 for a bad, missing or malformed signature and for an unknown repository — before the body is read", async () => {
    expect(await decidePush(github(ghPush(), { secret: "wrong" }), lookup)).toEqual({
      status: 401,
      why: "bad-signature",
    });
    expect(await decidePush(github("not json at all", { secret: "wrong" }), lookup)).toEqual({
      status: 401,
      why: "bad-signature",
    });
    const noSig = github(ghPush());
    delete (noSig.headers as Record<string, string | undefined>)["x-hub-signature-256"];
    expect(await decidePush(noSig, lookup)).toEqual({ status: 401, why: "bad-signature" });
    const sha1 = github(ghPush());
    sha1.headers["x-hub-signature-256"] = sha1.headers["x-hub-signature-256"].replace("sha256=", "sha1=");
    expect(await decidePush(sha1, lookup)).toEqual({ status: 401, why: "bad-signature" });
    expect(await decidePush(github(ghPush(), { sig: "sha256=" }), lookup)).toEqual({
      status: 401,
      why: "bad-signature",
    });
    expect(await decidePush({ ...github(ghPush()), repoId: "nope" }, lookup)).toEqual({
      status: 401,
      why: "unknown-repository",
    });
    // A GitLab token on a GitHub registration is not a signature.
    const gl = gitlab(ghPush());
    expect(await decidePush({ ...gl, repoId: "r-gh" }, lookup)).toEqual({ status: 401, why: "bad-signature" });
  });

  it("a payload naming another repository is refused; a rotated-out secret still works while listed", async () => {
    const other = ghPush({ repository: { full_name: "evil/other", clone_url: "https://x/y.git" } });
    expect(await decidePush(github(other), lookup)).toEqual({ status: 401, why: "unknown-repository" });
    const rotating = async () => ({ ...GH, secrets: ["new", "s3cret"] });
    expect(built(await decidePush(github(ghPush()), rotating)).push.commit).toBe(SHA);
    expect(await decidePush(github("{not json"), lookup)).toMatchObject({ status: 400 });
    expect(await decidePush(github({ ref: "refs/heads/main" }), lookup)).toMatchObject({ status: 400 });
  });
});

describe("decidePush: GitLab", () => {
  it("a push with the token starts a build; a wrong or missing token is 401; other hooks and deletions are ignored", async () => {
    const b = built(await decidePush(gitlab(glPush()), lookup));
    expect(b.push).toMatchObject({ provider: "gitlab", repository: "ml/train", branch: "dev", commit: SHA });
    expect(b.deliveryId).toBe("idem-1");
    expect(await decidePush(gitlab(glPush(), { token: "gl-tokeN" }), lookup)).toEqual({
      status: 401,
      why: "bad-signature",
    });
    expect(await decidePush(gitlab(glPush(), { token: "a-much-longer-wrong-token-value" }), lookup)).toEqual({
      status: 401,
      why: "bad-signature",
    });
    const none = gitlab(glPush());
    delete (none.headers as Record<string, string | undefined>)["x-gitlab-token"];
    expect(await decidePush(none, lookup)).toEqual({ status: 401, why: "bad-signature" });
    expect(await decidePush(gitlab(glPush(), { event: "Tag Push Hook" }), lookup)).toMatchObject({ status: 202 });
    expect(await decidePush(gitlab(glPush({ checkout_sha: null })), lookup)).toMatchObject({
      status: 202,
      ignored: expect.stringMatching(/deleted/),
    });
  });
});

describe("delivery dedupe", () => {
  it("a redelivery and a second delivery of the same commit are duplicates; another commit is new; a release reopens", async () => {
    const ledger = memoryLedger();
    const first = built(await decidePush(github(ghPush()), lookup));
    expect(await claimPush(ledger, first)).toBe("new");
    expect(await claimPush(ledger, built(await decidePush(github(ghPush()), lookup)))).toBe("duplicate");
    expect(await claimPush(ledger, built(await decidePush(github(ghPush(), { delivery: "d-2" }), lookup)))).toBe(
      "duplicate",
    );
    const next = built(await decidePush(github(ghPush({ after: "2".repeat(40) }), { delivery: "d-3" }), lookup));
    expect(await claimPush(ledger, next)).toBe("new");
    await releasePush(ledger, next);
    expect(await claimPush(ledger, next)).toBe("new");
    expect([...ledger.keys].every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
  });
});

describe("the ledger over the document port", () => {
  it("claims each key once among concurrent claimers, expires with a TTL field, and releases", async () => {
    const docs = new MemoryDocs();
    const ledger = docLedger(docs, new ManualClock("2026-12-02T00:00:00Z"));
    const b = built(await decidePush(github(ghPush()), lookup));
    // Ten copies of one delivery and ten of another delivery of the same commit, all at once: one goes ahead.
    const other = built(await decidePush(github(ghPush(), { delivery: "d-9" }), lookup));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claimPush(ledger, i % 2 ? b : other)));
    expect(results.filter((r) => r === "new")).toHaveLength(1);
    const stored = await docs.query(DELIVERIES, { limit: 10 });
    expect(stored).toHaveLength(3); // two delivery ids, one commit
    expect(stored[0]!.data.expireAt).toEqual(new Date("2026-12-09T00:00:00Z"));
    const next = built(await decidePush(github(ghPush({ after: "3".repeat(40) }), { delivery: "d-10" }), lookup));
    expect(await claimPush(ledger, next)).toBe("new");
    await releasePush(ledger, next);
    expect(await claimPush(ledger, next)).toBe("new");
    expect(await claimPush(ledger, next)).toBe("duplicate");
  });
});

describe("branchMatches", () => {
  it.each([
    ["main", ["main"], true],
    ["main", [], true],
    ["main", undefined, true],
    ["release/1.2", ["release/*"], true],
    ["release/1/2", ["release/*"], false],
    ["release/1/2", ["release/**"], true],
    ["dev", ["main", "release/*"], false],
  ] as const)("%s in %j → %s", (branch, globs, want) => {
    expect(branchMatches(branch, globs as readonly string[] | undefined)).toBe(want);
  });
});
