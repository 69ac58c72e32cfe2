/**
 * Push → build → train on real parts: the local stack in this process (its
 * own Firestore and Pub/Sub emulators, every function served over HTTP, the
 * local OCI registry, crane, the local runtime), a real Git repository served
 * from a local bare repository, and GitHub-style deliveries over HTTP to the
 * pushHook function. This is issue 13's "done" line, and the test of the
 * `npm start` build example (scripts/examples/build-example.ts).
 */
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { gitIn } from "../../shared/builds/build-test-kit.ts";
import { useLocalStack } from "./local-stack-support.ts";
import { runBuildExample, githubPushDelivery } from "../../scripts/examples/build-example.ts";
import { buildsPaths } from "../../scripts/lib/oci-registry.ts";
import { BuildApiClient } from "../../shared/client/build-client.ts";
import { OciRegistryClient } from "../../shared/registry/oci-client.ts";
import { sandbox } from "../unit/cli/helpers.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const local = useLocalStack("push-hook", { requireBuilds: true });

const hookBase = () => local.stack.functions.get("pushHook")!.url;

describe("push hooks on the local stack", () => {
  it("push → webhook → crane build into the registry → the job file's job SUCCEEDS; the same content again builds nothing", async () => {
    const said: string[] = [];
    const r = await runBuildExample({
      repoRoot: REPO_ROOT,
      apiUrl: local.stack.apiUrl,
      token: local.stack.token,
      hookUrl: hookBase(),
      registryHost: local.stack.registry!,
      cranePath: buildsPaths().bin("crane"),
      say: (l) => void said.push(l),
      timeoutMs: 240_000,
    });
    const { first, second } = r;
    // The first push built the commit: a real image, tagged and labelled with the key, in the registry.
    expect(first.build?.state).toBe("SUCCEEDED");
    const digest = first.build!.digest!;
    const tagged = first.build!.image;
    expect((await new OciRegistryClient().head(tagged))?.digest).toBe(digest);
    const repository = tagged.slice(0, tagged.lastIndexOf(":"));
    // The job ran the built image by digest, in the image's files (train.py came from the commit), and succeeded.
    expect(first.job).toMatchObject({ id: `train-${first.commit.slice(0, 12)}`, state: "SUCCEEDED" });
    expect(first.job.image).toBe(`${repository}@${digest}`);
    expect(first.logs).toContain(`trained at commit ${first.commit.slice(0, 12)}`);

    // A new commit with the same tree: up to date, no build record, and its own job ran the same image.
    expect(second.commit).not.toBe(first.commit);
    expect(second.build).toBeUndefined();
    expect(second.answer.push).toMatchObject({ image: `${repository}@${digest}` });
    expect(second.answer.push).not.toHaveProperty("buildId");
    expect(second.job).toMatchObject({ id: `train-${second.commit.slice(0, 12)}`, state: "SUCCEEDED" });
    expect(second.job.image).toBe(`${repository}@${digest}`);
    const builds = await local.stack.deps!.builds.list({ limit: 500 });
    expect(builds.filter((b) => b.key === first.build!.key)).toHaveLength(1);
    expect(said.join("\n")).toMatch(/nothing built/);
  });

  it("bad signature and unknown repository → 401 with no build; filtered branch → 202 ignored; concurrent copies of a delivery build once", async () => {
    const api = new BuildApiClient({ baseUrl: local.stack.apiUrl, token: async () => local.stack.token });
    const work = mkdtempSync(join(tmpdir(), "kinetic-push-hook-repo-"));
    try {
      const origin = join(work, "origin.git");
      const git = gitIn;
      git(work, "init", "--quiet", "--bare", origin);
      git(work, "init", "--quiet", "src");
      const src = join(work, "src");
      writeFileSync(join(src, "model.py"), `W = ${Date.now()}\n`);
      git(src, "add", "-A");
      git(src, "commit", "--quiet", "-m", "model");
      git(src, "push", "--quiet", origin, "HEAD:main");
      const commit = git(src, "rev-parse", "HEAD");
      const base = `${local.stack.registry!}/kinetic/example-base:py`;
      const { pushBaseImage } = await import("../../scripts/examples/build-example.ts");
      pushBaseImage(buildsPaths().bin("crane"), base);
      const { repo, secret } = await api.addRepo({
        provider: "github",
        repository: "acme/hooks",
        cloneUrl: `file://${origin}`,
        branches: ["main"],
        namespace: "default",
        build: { baseImage: base },
      });
      const hook = `${hookBase()}${repo.hookPath}`;
      const push = (branch: string, s = secret) =>
        githubPushDelivery(s, { repository: "acme/hooks", cloneUrl: `file://${origin}`, branch, commit });
      const post = async (d: { headers: Record<string, string>; body: string }, url = hook) => {
        const res = await fetch(url, { method: "POST", headers: d.headers, body: d.body });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const buildCount = async () => (await local.stack.deps!.builds.list({ limit: 500 })).length;
      const before = await buildCount();

      const bad = await post(push("main", "not-the-secret"));
      expect(bad).toEqual({
        status: 401,
        body: { error: { code: "unauthenticated", message: "unknown repository or bad signature" } },
      });
      expect((await post(push("main"), `${hookBase()}/hooks/nope-0000000000`)).status).toBe(401);
      expect(await buildCount()).toBe(before);
      expect(local.logLines.join("\n")).not.toContain(commit);

      const filtered = await post(push("feature/x"));
      expect(filtered).toEqual({ status: 202, body: { ignored: "branch feature/x is filtered out" } });
      expect(await buildCount()).toBe(before);

      const ping = githubPushDelivery(secret, { repository: "acme/hooks", cloneUrl: "x", branch: "main", commit });
      ping.headers["x-github-event"] = "ping";
      ping.headers["x-hub-signature-256"] = "sha256=" + createHmac("sha256", secret).update(ping.body).digest("hex");
      expect(await post(ping)).toEqual({ status: 200, body: { answer: "pong" } });

      // GitHub retrying one delivery while the first copy is in flight: one build, every copy answered 202.
      const one = push("main");
      const copies = await Promise.all(Array.from({ length: 8 }, () => post(one)));
      expect(copies.map((c) => c.status)).toEqual(Array(8).fill(202));
      const accepted = copies.filter((c) => c.body.accepted);
      expect(accepted).toHaveLength(1);
      expect(copies.filter((c) => c.body.duplicate)).toHaveLength(7);
      const buildId = (accepted[0]!.body.push as { buildId?: string }).buildId;
      expect(buildId).toMatch(/^[0-9a-f]{64}-1$/);
      const key = buildId!.slice(0, 64);
      expect((await local.stack.deps!.builds.list({ limit: 500 })).filter((b) => b.key === key)).toHaveLength(1);
      // The same commit in a new delivery (a second hook, a re-push) is a duplicate too.
      expect((await post(push("main"))).body).toMatchObject({ duplicate: true });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("kinetic build DIR prints the key and the build's progress, then 'up to date'; builds, repos and a failing build", async () => {
    const sb = await sandbox();
    const work = mkdtempSync(join(tmpdir(), "kinetic-cli-build-"));
    try {
      const env = {
        KINETIC_API_URL: local.stack.apiUrl,
        KINETIC_API_TOKEN: local.stack.token,
        KINETIC_PROJECT: "kinetic-push-hook-it",
      };
      const base = `${local.stack.registry!}/kinetic/example-base:py`;
      const { pushBaseImage } = await import("../../scripts/examples/build-example.ts");
      pushBaseImage(buildsPaths().bin("crane"), base);
      writeFileSync(join(work, "train.py"), `print(${Date.now()})\n`);
      writeFileSync(join(work, ".kineticignore"), "data/\n");
      const first = await sb.run(["build", work, "--base-image", base], env);
      expect(first.stderr).toMatch(/^key [0-9a-f]{64}$/m);
      expect(first.stderr).toMatch(/build SUCCEEDED/);
      expect(first.stderr).toMatch(/\| context layer: 1 file\(s\)/);
      expect(first.stdout).toMatch(/^built 127\.0\.0\.1:\d+\/kinetic\/jobs:[0-9a-f]{64}@sha256:[0-9a-f]{64}$/m);
      expect(first.code).toBe(0);
      // An ignored file changes nothing: the same key, and nothing built.
      mkdirSync(join(work, "data"));
      writeFileSync(join(work, "data", "big.csv"), "1,2\n");
      const again = await sb.run(["build", work, "--base-image", base], env);
      expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/^up to date: /)]);
      const key = /^key ([0-9a-f]{64})$/m.exec(first.stderr)![1]!;
      expect(again.stderr).toContain(`key ${key}`);

      const ls = await sb.run(["builds", "ls"], env);
      expect(ls.stdout).toMatch(new RegExp(`${key.slice(0, 12)}…-1\\s+SUCCEEDED`));
      const status = await sb.run(["builds", "status", `${key}-1`], env);
      expect(status.stdout).toMatch(/^state:\s+SUCCEEDED$/m);
      const logs = await sb.run(["builds", "logs", `${key}-1`], env);
      expect(logs.stdout).toContain("pushed ");
      const repos = await sb.run(["repos", "ls"], env);
      expect(repos.stdout).toContain("example/kinetic-build");
      const added = await sb.run(["repos", "add", "acme/cli", "--base-image", base, "--branch", "main"], env);
      expect(added.code).toBe(0);
      const url = /^Webhook URL:\s+(\S+)$/m.exec(added.stdout)?.[1];
      expect(url).toMatch(new RegExp(`^${hookBase()}/hooks/cli-[0-9a-f]{10}$`));
      expect(added.stdout).toMatch(/^Secret:\s+[0-9a-f]{64}$/m);
      const id = url!.split("/").at(-1)!;
      expect((await sb.run(["repos", "rm", id], env)).stdout).toBe(`Removed ${id}.\n`);
      expect((await sb.run(["repos", "rm", id], env)).code).toBe(3);

      // A base image that is not there: FAILED with the reason, exit 4.
      const failed = await sb.run(["build", work, "--base-image", `${local.stack.registry!}/kinetic/none:1`], env);
      expect(failed.code).toBe(4);
      expect(failed.stdout).toMatch(/FAILED \(BaseImageMissing\)/);
    } finally {
      await sb.cleanup();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
