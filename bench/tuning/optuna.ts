/**
 * Optuna's TPESampler as the bench's anchor: a Python virtual environment
 * under ~/.cache/kinetic-bench/optuna-venv (created on first use with
 * python3 and `pip install optuna==<pinned>`, reused after), and the runs
 * done by optuna_runner.py in one process.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The version the reference describes (v4.9.0 defaults). */
export const OPTUNA_VERSION = "4.9.0";
const VENV = join(homedir(), ".cache", "kinetic-bench", "optuna-venv");
const PYTHON = join(VENV, "bin", "python");
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), "optuna_runner.py");

function installed(): boolean {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ["-c", "import optuna; print(optuna.__version__)"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() === OPTUNA_VERSION;
}

/** Creates the virtual environment unless it already holds the pinned Optuna. */
export function ensureOptuna(log: (line: string) => void): void {
  if (installed()) return;
  log(`creating ${VENV} with optuna==${OPTUNA_VERSION} (first run only)`);
  const python = process.env.KINETIC_BENCH_PYTHON ?? "python3";
  const steps: [string, string[]][] = [
    [python, ["-m", "venv", VENV]],
    [PYTHON, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `optuna==${OPTUNA_VERSION}`]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
  }
  if (!installed()) throw new Error(`optuna ${OPTUNA_VERSION} is not importable from ${PYTHON}`);
}

/** "tpe": TPESampler(seed) as v4.9 defaults it; "tpe-mv-cl": multivariate + constant_liar (Optuna 5.0's defaults). */
export type OptunaSampler = "tpe" | "tpe-mv-cl";

export interface OptunaRun {
  sampler: OptunaSampler;
  function: string;
  seed: number;
  parallel: number;
  trials: number;
}

/** Runs every run in one Python process; resolves with each run's values in trial order. */
export function runOptuna(runs: OptunaRun[]): Promise<(OptunaRun & { values: number[] })[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [RUNNER], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`optuna runner exited with ${code}`));
      resolve(
        out
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as OptunaRun & { values: number[] }),
      );
    });
    child.stdin.end(JSON.stringify({ runs }));
  });
}
