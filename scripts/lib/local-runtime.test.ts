// The local runtime with real processes: rendered workloads in, process
// exit codes, env, logs, deadlines and kills out.
import { isAlive } from "./processes.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KineticError } from "../../shared/errors.ts";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import { hostBaseEnv, LocalRuntime, parseSelector } from "./local-runtime.ts";
import type { Workload, WorkloadRef } from "../../shared/cluster/types.ts";

let root: string;
let runtime: LocalRuntime;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kinetic-local-runtime-"));
  runtime = new LocalRuntime({ rootDir: root, gracePeriodMs: 500 });
});

afterEach(async () => {
  await runtime.close();
  rmSync(root, { recursive: true, force: true });
});

function workload(jobId: string, spec: Record<string, unknown>): Workload {
  return renderWorkload(jobId, parseJobSpec(spec), { outputDirBase: "/var/kinetic-output", defaultTtlSeconds: 3600 });
}

const sh = (script: string) => ({ command: ["sh", "-c", script] });

function refOf(w: Workload): WorkloadRef {
  return { kind: w.kind, name: w.metadata.name, namespace: w.metadata.namespace };
}

/** Runs the workload to its end: followLogs resolves when every pod has exited. */
async function runToEnd(w: Workload) {
  const ref = refOf(w);
  await runtime.submit(w);
  let followed = "";
  await runtime.followLogs(ref, (t) => (followed += t));
  return { ref, followed, status: await runtime.status(ref) };
}

describe("LocalRuntime", () => {
  it("runs a Job's command with the manifest env, in the job's folder, and reports success", async () => {
    const w = workload("env-1", {
      ...sh(
        'echo "worker=$KINETIC_WORKER_INDEX coord=$KINETIC_COORDINATOR_ADDRESS greeting=$GREETING cwd=$(pwd)"; echo trained > "$KINETIC_OUTPUT_DIR/model.txt"',
      ),
      env: { GREETING: "hello" },
    });
    const { ref, followed, status } = await runToEnd(w);
    expect(status).toMatchObject({
      phase: "Succeeded",
      reason: "Completed",
      pods: { succeeded: 1, failed: 0, running: 0 },
    });
    expect(status.finishedAt).toBeDefined();
    expect(followed).toBe(`worker=0 coord=127.0.0.1 greeting=hello cwd=${runtime.workDirOf(ref)}\n`);
    expect(await runtime.logs(ref)).toBe(followed);
    // The cluster path of the manifest is moved under the runtime's output folder.
    expect(readFileSync(join(runtime.outputDirOf("env-1"), "model.txt"), "utf8")).toBe("trained\n");
    expect(readFileSync(join(runtime.workDirOf(ref), "logs", "env-1-0.log"), "utf8")).toBe(followed);
  });

  it("expands $(VAR) in command and args from the container env, as Kubernetes does", async () => {
    const w = workload("expand-1", {
      command: ["sh", "-c", "echo $0 $1", "$(WHERE)/x", "$$(WHERE)"],
      env: { WHERE: "/here" },
    });
    const { followed } = await runToEnd(w);
    expect(followed).toBe("/here/x $(WHERE)\n");
  });

  it("does not pass the control plane's own variables to jobs", async () => {
    const local = new LocalRuntime({
      rootDir: root,
      baseEnv: hostBaseEnv({
        PATH: process.env.PATH,
        HOME: "/home/x",
        KINETIC_API_TOKENS: "me=secret-token",
        FIRESTORE_EMULATOR_HOST: "h:1",
      }),
    });
    const w = workload("leak-1", sh("env"));
    await local.submit(w);
    await local.followLogs(refOf(w), () => undefined);
    const env = await local.logs(refOf(w));
    expect(env).toContain("HOME=/home/x");
    expect(env).not.toContain("secret-token");
    expect(env).not.toContain("FIRESTORE_EMULATOR_HOST");
    await local.close();
  });

  it("fails the job with the exit code of a failing pod", async () => {
    const { status, followed } = await runToEnd(workload("fail-1", sh("echo boom >&2; exit 3")));
    expect(followed).toBe("boom\n");
    expect(status).toMatchObject({ phase: "Failed", reason: "PodFailurePolicy", exitCode: 3 });
    expect(status.message).toContain("exited with code 3");
  });

  it("reports a command missing on this machine as a failed start", async () => {
    const { status, followed } = await runToEnd(workload("enoent-1", { command: ["kinetic-no-such-binary-xyz"] }));
    expect(status).toMatchObject({ phase: "Failed", exitCode: 127 });
    expect(followed).toContain('cannot start "kinetic-no-such-binary-xyz": not found on this machine');
  });

  it("kills the process group and reports DeadlineExceeded when activeDeadlineSeconds passes", async () => {
    const w = workload("deadline-1", { ...sh("sleep 120 & echo $! > bg.pid; wait"), timeoutSeconds: 1 });
    const { ref, status } = await runToEnd(w);
    expect(status).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded" });
    const bg = Number(readFileSync(join(runtime.workDirOf(ref), "bg.pid"), "utf8"));
    // The group is killed when the deadline passes; the kernel may take a moment to reap it.
    await until(() => !isAlive(bg));
  });

  it("delete stops every process of the workload, its children included, and forgets it", async () => {
    const w = workload("cancel-1", sh("sleep 120 & echo $! > bg.pid; trap '' TERM; wait"));
    const ref = refOf(w);
    await runtime.submit(w);
    const pidFile = join(runtime.workDirOf(ref), "bg.pid");
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
    const bg = Number(readFileSync(pidFile, "utf8"));
    const [leader] = runtime.runningPids();
    expect(isAlive(bg)).toBe(true);
    expect((await runtime.status(ref)).phase).toBe("Running");

    expect(await runtime.delete(ref)).toEqual({ deleted: true });
    expect(isAlive(bg)).toBe(false);
    expect(isAlive(leader!)).toBe(false);
    expect((await runtime.status(ref)).phase).toBe("Missing");
    expect(await runtime.delete(ref)).toEqual({ deleted: false });
  });

  it("is idempotent: a second submit of the same workload starts nothing", async () => {
    const w = workload("idem-1", sh("echo once"));
    expect((await runtime.submit(w)).created).toBe(true);
    expect(await runtime.submit(w)).toEqual({ created: false, ref: refOf(w) });
    await runtime.followLogs(refOf(w), () => undefined);
    expect(await runtime.logs(refOf(w))).toBe("once\n");
  });

  it("runs one process per pod of a JobSet, each with its worker index, and prefixes multi-pod logs", async () => {
    const w = workload("multi-1", { ...sh('echo "i=$KINETIC_WORKER_INDEX of $KINETIC_WORKER_COUNT"'), workers: 3 });
    expect(w.kind).toBe("JobSet");
    const { ref, status } = await runToEnd(w);
    expect(status).toMatchObject({ phase: "Succeeded", pods: { succeeded: 3 } });
    expect(await runtime.logs(ref)).toBe(
      "[multi-1-worker-0-0] i=0 of 3\n[multi-1-worker-1-0] i=1 of 3\n[multi-1-worker-2-0] i=2 of 3\n",
    );
    expect(await runtime.logs(ref, { worker: 2 })).toBe("i=2 of 3\n");
  });

  it("fails a JobSet when any worker fails and stops the others", async () => {
    const w = workload("multi-2", {
      ...sh('if [ "$KINETIC_WORKER_INDEX" = 1 ]; then exit 7; fi; sleep 120'),
      workers: 2,
    });
    const { status } = await runToEnd(w);
    expect(status).toMatchObject({ phase: "Failed", exitCode: 7, pods: { running: 0 } });
    expect(runtime.runningPids()).toEqual([]);
  });

  it("tails logs", async () => {
    const { ref } = await runToEnd(workload("tail-1", sh("printf 'a\\nb\\nc\\n'")));
    expect(await runtime.logs(ref, { tailLines: 2 })).toBe("b\nc\n");
  });

  it("refuses, with the reason, what cannot run on one machine", async () => {
    const noCommand = workload("nocmd-1", {});
    await expect(runtime.dryRun(noCommand)).rejects.toThrow(/has no command.*ignores the image \(python:3\.12-slim\)/);
    await expect(runtime.submit(noCommand)).rejects.toMatchObject({ code: "cluster-rejected" });
    await expect(runtime.dryRun(workload("sec-1", { ...sh("true"), secrets: ["db-creds"] }))).rejects.toThrow(
      /Secrets .* do not exist locally/,
    );
    await expect(
      runtime.dryRun(workload("pvc-1", { ...sh("true"), persistentVolumeClaims: { data: "/data" } })),
    ).rejects.toThrow(/persistentVolumeClaim.*only emptyDir/);
    await expect(runtime.dryRun(workload("ok-1", sh("true")))).resolves.toBeUndefined();
    expect(await runtime.listManaged("default", ["Job"])).toEqual([]);
  });

  it("maps emptyDir mounts (tmpfs) to folders of the job", async () => {
    const w = workload("tmpfs-1", {
      ...sh('echo "$TMPDIR"; touch "$TMPDIR/x"'),
      tmpfs: { enabled: true, size: "64Mi" },
    });
    const { ref, followed, status } = await runToEnd(w);
    expect(status.phase).toBe("Succeeded");
    expect(followed.trim()).toBe(join(runtime.workDirOf(ref), "volumes", "kinetic-tmpfs"));
  });

  it("lists and deletes what it ran by labels", async () => {
    const a = workload("list-1", { ...sh("true"), labels: { team: "a" } });
    const b = workload("list-2", { ...sh("sleep 120"), labels: { team: "b" } });
    await runToEnd(a);
    await runtime.submit(b);
    const all = await runtime.listManaged("default", ["Job", "JobSet"]);
    expect(all.map((o) => [o.name, o.phase])).toEqual([
      ["list-1", "Succeeded"],
      ["list-2", undefined],
    ]);
    expect((await runtime.listManaged("default", ["Job"], "team=b")).map((o) => o.name)).toEqual(["list-2"]);
    expect(await runtime.listManaged("other", ["Job"])).toEqual([]);
    expect(
      await runtime.deleteObject({ kind: "Job", apiVersion: "batch/v1", name: "list-2", namespace: "default" }),
    ).toEqual({
      deleted: true,
    });
    expect(runtime.runningPids()).toEqual([]);
  });

  it("close() stops every running process and refuses new work", async () => {
    await runtime.submit(workload("close-1", sh("sleep 120")));
    await runtime.submit(workload("close-2", sh("sleep 120")));
    const pids = runtime.runningPids();
    expect(pids).toHaveLength(2);
    await runtime.close();
    expect(pids.filter(isAlive)).toEqual([]);
    await expect(runtime.submit(workload("close-3", sh("true")))).rejects.toBeInstanceOf(KineticError);
  });
});

describe("parseSelector", () => {
  it("matches equality selectors and rejects set-based ones", () => {
    const m = parseSelector("a=1,b!=2,c,!d");
    expect(m({ a: "1", b: "3", c: "" })).toBe(true);
    expect(m({ a: "1", b: "2", c: "" })).toBe(false);
    expect(m({ a: "1", c: "", d: "x" })).toBe(false);
    expect(() => parseSelector("a in (1,2)")).toThrow(/unsupported label selector term/);
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error("condition not reached");
}
