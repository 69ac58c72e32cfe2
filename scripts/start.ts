/**
 * `npm start`: the whole of Kinetic on this machine with no cloud account.
 * Starts the emulators, every function and the crons on 127.0.0.1 with a
 * local cluster backend, runs the bundled example job end to end, then keeps
 * serving the HTTP API until Ctrl-C (or exits, with `--once`).
 *
 *   npm start                          run the example, then serve the API
 *   npm start -- --once                run the example and exit (0 = it succeeded)
 *   npm start -- --port 8080           fixed API port (default: a free one)
 *   npm start -- --data-dir DIR        emulator data, job folders and outputs (default .kinetic-local/)
 *   npm start -- --cluster kubeconfig[:PATH]   run jobs on a Kubernetes cluster instead of locally
 *   npm start -- --examples job,study          which examples to run (default: job,build,study,resume)
 */
import { existsSync, readdirSync, writeFileSync, appendFileSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../shared/log.ts";
import { lockDataDir } from "./lib/data-dir-lock.ts";
import { LocalStack, REPO_ROOT, type ClusterChoice } from "./lib/local-stack.ts";
import { createShutdown } from "./lib/shutdown.ts";
import { runExample, type ExampleJob } from "./lib/run-example.ts";
import { buildsPaths } from "./lib/oci-registry.ts";
import { runBuildExample } from "./examples/build-example.ts";
import { runResumeExample } from "./examples/resume-example.ts";
import { runStudyExample } from "./examples/study-example.ts";

const ALL_EXAMPLES = ["job", "build", "study", "resume"] as const;
type ExampleName = (typeof ALL_EXAMPLES)[number];

const USAGE = `Usage: npm start -- [--once] [--port N] [--data-dir DIR] [--cluster local|kubeconfig[:PATH]]
                    [--sync-interval SECONDS] [--examples LIST] [--no-example] [--project ID]

  --once             run the example job, print its result and exit (exit code 1 if it did not succeed)
  --port N           port of the HTTP API on 127.0.0.1 (default: a free port)
  --data-dir DIR     where emulator data, job folders, outputs and logs go (default: .kinetic-local/)
  --cluster C        "local" (default: jobs run as processes on this machine) or
                     "kubeconfig[:PATH]" (a Kubernetes cluster; PATH defaults to $KUBECONFIG or ~/.kube/config)
  --sync-interval S  seconds between runs of the scheduled functions (default 2)
  --examples LIST    which examples to run, comma-separated (default: ${ALL_EXAMPLES.join(",")}):
                       job     examples/train as one job, published to the jobs topic
                       build   git push → signed webhook → image build → the repository's job (local cluster only)
                       study   a 6-trial tuning study of examples/tune's objective
                       resume  examples/train preempted at epoch 3, resuming from its checkpoint (local cluster only)
  --no-example       run no example (the same as --examples "")
  --project ID       project id used inside the emulators (default kinetic-local)`;

class UsageError extends Error {}
/** A refusal that needs no usage text (the data folder is taken). */
class StartError extends Error {}

interface Args {
  once: boolean;
  port?: number;
  dataDir?: string;
  cluster: ClusterChoice;
  syncIntervalMs: number;
  examples: ExampleName[];
  project: string;
}

function parse(argv: string[]): Args {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        once: { type: "boolean", default: false },
        port: { type: "string" },
        "data-dir": { type: "string" },
        cluster: { type: "string", default: "local" },
        "sync-interval": { type: "string", default: "2" },
        "no-example": { type: "boolean", default: false },
        examples: { type: "string", default: ALL_EXAMPLES.join(",") },
        project: { type: "string", default: "kinetic-local" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new UsageError(`--port must be a TCP port number (1–65535), got ${JSON.stringify(values.port)}`);
  }
  const interval = Number(values["sync-interval"]);
  if (!Number.isFinite(interval) || interval < 0.2 || interval > 3600) {
    throw new UsageError(
      `--sync-interval must be a number of seconds between 0.2 and 3600, got ${JSON.stringify(values["sync-interval"])}`,
    );
  }
  if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(values.project)) {
    throw new UsageError(
      `--project must be a Google Cloud project id (6–30 lower-case letters, digits, '-'), got ${JSON.stringify(values.project)}`,
    );
  }
  return {
    once: values.once,
    ...(port !== undefined ? { port } : {}),
    ...(values["data-dir"] ? { dataDir: resolve(values["data-dir"]) } : {}),
    cluster: parseCluster(values.cluster),
    syncIntervalMs: Math.round(interval * 1000),
    examples: values["no-example"] ? [] : parseExamples(values.examples),
    project: values.project,
  };
}

function parseExamples(raw: string): ExampleName[] {
  const names = raw
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(ALL_EXAMPLES as readonly string[]).includes(n));
  if (unknown.length)
    throw new UsageError(`--examples: unknown ${unknown.join(", ")}; choose from ${ALL_EXAMPLES.join(", ")}`);
  return ALL_EXAMPLES.filter((n) => names.includes(n));
}

function parseCluster(raw: string): ClusterChoice {
  if (raw === "local") return { kind: "local" };
  const m = /^kubeconfig(?::(.+))?$/.exec(raw);
  if (!m) throw new UsageError(`--cluster must be "local" or "kubeconfig[:PATH]", got ${JSON.stringify(raw)}`);
  const path = resolve(m[1] ?? process.env.KUBECONFIG?.split(":")[0] ?? join(homedir(), ".kube", "config"));
  if (!existsSync(path)) throw new UsageError(`--cluster kubeconfig: ${path} does not exist`);
  return { kind: "kubeconfig", path };
}

/** The default folder, or a per-process one beside it when another `npm start` holds the default. */
function chooseDataDir(args: Args): { dir: string; release: () => void } {
  const wanted = args.dataDir ?? join(REPO_ROOT, ".kinetic-local");
  const lock = lockDataDir(wanted);
  if (lock.ok) return { dir: wanted, release: lock.release };
  const holder = `npm start (pid ${lock.holder.pid}, started ${lock.holder.startedAt})`;
  if (args.dataDir) {
    throw new StartError(`${wanted} is in use by another ${holder}. Stop it, or pass a different --data-dir.`);
  }
  const own = join(wanted, "instances", String(process.pid));
  const ownLock = lockDataDir(own);
  if (!ownLock.ok) throw new StartError(`${own} is in use by pid ${ownLock.holder.pid}`);
  console.log(`Note: ${wanted} is in use by another ${holder}; this one uses ${own}.`);
  return { dir: own, release: ownLock.release };
}

function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const started = Date.now();
  const { dir: dataDir, release } = chooseDataDir(args);
  const logFile = join(dataDir, "kinetic.log");
  mkdirSync(dataDir, { recursive: true });
  const say = (line: string) => console.log(line);
  // The functions' structured logs go to a file; errors also reach the terminal.
  const log = createLogger({}, (line) => {
    appendFileSync(logFile, line + "\n");
    if (/"severity":"(ERROR|FATAL)"/.test(line)) console.error(`[kinetic] ${line}`);
  });
  const stack = new LocalStack({
    dataDir,
    project: args.project,
    cluster: args.cluster,
    ...(args.port ? { apiPort: args.port } : {}),
    cronIntervalMs: args.syncIntervalMs,
    log,
    say,
  });
  const interrupted = new AbortController();
  // Bounded: a hanging request or client cannot hold Ctrl-C up (scripts/lib/shutdown.ts).
  const stopper = createShutdown({
    stop: () => stack.stop(),
    release,
    exit: (code) => process.exit(code),
    say,
    warn: (line) => console.error(line),
  });
  const shutdown = (code: number) => stopper.begin(code);
  const onSignal = (signal: string) => {
    // A second Ctrl-C: the exit hook of processes.ts still kills the emulator groups.
    if (stopper.stopping) return stopper.force();
    interrupted.abort(new Error(`interrupted by ${signal}`));
    // Ctrl-C is how the server is meant to stop; during --once it means the run did not finish.
    void shutdown(args.once ? 130 : 0);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => onSignal(signal));
  // `npm start` runs this under `sh -c`; a SIGTERM sent to npm ends that shell but never reaches us.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && !stopper.stopping && onSignal("parent exit"), 1000).unref();

  say(`Kinetic local mode — data folder ${show(dataDir)} (structured logs in ${show(logFile)})`);
  try {
    await stack.start();
  } catch (err) {
    if (stopper.stopping) return 130;
    console.error(`Kinetic failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
    return 1;
  }
  say(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  writeFileSync(join(dataDir, "api.json"), JSON.stringify({ url: stack.apiUrl, pid: process.pid }, null, 2) + "\n", {
    mode: 0o600,
  });

  let job: ExampleJob | undefined;
  const failed: string[] = [];
  const local = args.cluster.kind === "local";
  if (args.examples.includes("job")) {
    say("");
    say("Running the example job (examples/train/job.json) …");
    try {
      job = await runExample({
        repoRoot: REPO_ROOT,
        project: args.project,
        apiUrl: stack.apiUrl,
        token: stack.token,
        target: local ? "local" : "cluster",
        say,
        signal: interrupted.signal,
      });
    } catch (err) {
      if (stopper.stopping) return 130;
      console.error(`The example job could not be followed: ${err instanceof Error ? err.message : String(err)}`);
      await shutdown(1);
      return 1;
    }
    say("");
    say(
      `Final state: ${job.state}${job.reason ? ` (${job.reason})` : ""}${job.exitCode !== undefined ? `, exit code ${job.exitCode}` : ""}`,
    );
    if (job.message && job.state !== "SUCCEEDED") say(`Message: ${job.message}`);
    if (job.state !== "SUCCEEDED") failed.push("job");
    if (stack.runtime) {
      const out = stack.runtime.outputDirOf(job.id);
      const files = existsSync(out) ? readdirSync(out) : [];
      say(`Output: ${out}${files.length ? ` (${files.join(", ")})` : " (empty)"}`);
      if (job.workload) say(`Logs:   ${join(stack.runtime.workDirOf(job.workload), "logs")}`);
    } else if (stack.deps) {
      say(`Output: ${stack.deps.config.outputDirBase}/${job.id} inside the job's pod (KINETIC_OUTPUT_DIR)`);
    }
  }

  // The other examples: each says what it shows, and a failure is reported and counted, not fatal to the rest.
  const more: Array<[ExampleName, string, () => Promise<boolean>]> = [
    [
      "build",
      "Running the build example (examples/build: git push → webhook → build → job) …",
      async () => {
        const hook = stack.functions.get("pushHook");
        if (!local || !stack.registry || !hook) {
          say(
            !local
              ? "Skipped: the build example builds into the local registry, which a remote cluster cannot pull from."
              : "Skipped: the local registry is not built (run `npm run testbed:build` once).",
          );
          return true;
        }
        const r = await runBuildExample({
          repoRoot: REPO_ROOT,
          apiUrl: stack.apiUrl,
          token: stack.token,
          hookUrl: hook.url,
          registryHost: stack.registry,
          cranePath: buildsPaths().bin("crane"),
          say,
          signal: interrupted.signal,
        });
        return r.first.job.state === "SUCCEEDED" && r.second.job.state === "SUCCEEDED";
      },
    ],
    [
      "study",
      "Running the tuning example (examples/tune/study.json: 6 trials, 2 at a time) …",
      async () => {
        const status = await runStudyExample({
          repoRoot: REPO_ROOT,
          apiUrl: stack.apiUrl,
          token: stack.token,
          target: local ? "local" : "cluster",
          say,
          signal: interrupted.signal,
        });
        return status.state === "SUCCEEDED" && status.best !== undefined;
      },
    ],
    [
      "resume",
      "Running the preemption example (examples/train, preempted after epoch 3, resumed from its checkpoint) …",
      async () => {
        if (!local) {
          say("Skipped: `kinetic jobs preempt` stops local processes; on a cluster, delete a spot node instead.");
          return true;
        }
        const r = await runResumeExample({
          repoRoot: REPO_ROOT,
          apiUrl: stack.apiUrl,
          token: stack.token,
          say,
          signal: interrupted.signal,
        });
        return r.job.state === "SUCCEEDED" && r.resumedFrom !== undefined;
      },
    ],
  ];
  for (const [name, title, run] of more) {
    if (!args.examples.includes(name)) continue;
    say("");
    say(title);
    try {
      if (!(await run())) failed.push(name);
    } catch (err) {
      if (stopper.stopping) return 130;
      console.error(`The ${name} example failed: ${err instanceof Error ? err.message : String(err)}`);
      failed.push(name);
    }
  }
  if (args.examples.length) {
    say("");
    say(
      failed.length
        ? `Examples that did not succeed: ${failed.join(", ")}`
        : `Examples: ${args.examples.join(", ")} succeeded.`,
    );
  }

  if (args.once) {
    say(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    await shutdown(failed.length ? 1 : 0);
    return 0;
  }
  say("");
  say("Kinetic is running. The HTTP API:");
  say(`  API URL:   ${stack.apiUrl}`);
  say(`  API token: ${stack.token}`);
  say(`  Dashboard: ${stack.apiUrl}/ui/  (sign in with the API token)`);
  say("Try it:");
  say(`  KINETIC_API_URL=${stack.apiUrl} KINETIC_API_TOKEN=${stack.token} npm run kinetic -- jobs list`);
  say(`  curl -H "Authorization: Bearer ${stack.token}" ${stack.apiUrl}/jobs`);
  say("Press Ctrl-C to stop.");
  return await new Promise<number>(() => undefined); // shutdown() exits the process
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`npm start: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof StartError) {
      console.error(`npm start: ${err.message}`);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
