/**
 * A real Prometheus (Debian's package, fetched by testbed/prometheus/build.sh)
 * on 127.0.0.1 at a free port, scraping the targets it is given every second. Tests, the bench
 * and `npm start` query it through the same PromQL HTTP API Google Managed
 * Prometheus serves. A binary that was never fetched is an error naming
 * `npm run testbed:build`: a test that needs it never silently skips.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startProcess, waitForHttp } from "./processes.ts";

/** testbed/prometheus/: build.sh fetches the version its versions.env pins. */
const here = join(dirname(fileURLToPath(import.meta.url)), "../../testbed/prometheus");

/** Where build.sh put the binary for the version pinned in versions.env. */
export function prometheusBinary(): string {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(here, "versions.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue;
    vars[m[1]] = m[2].replace(/\$\{([A-Z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");
  }
  const key = vars.PROMETHEUS_KEY;
  if (!key) throw new Error("prometheus: testbed/prometheus/versions.env has no PROMETHEUS_KEY");
  const base = process.env.KINETIC_PROMETHEUS_CACHE ?? join(homedir(), ".cache", "kinetic-prometheus");
  return join(base, key, "bin", "prometheus");
}

/** The binary's path; throws (never skips) when build.sh has not fetched it. */
export function requirePrometheus(): string {
  const bin = prometheusBinary();
  if (!existsSync(bin)) throw new Error(`prometheus is not fetched (${bin} is missing); run: npm run testbed:build`);
  return bin;
}

export interface LocalPrometheus {
  /** Base URL of the HTTP API (`${url}/api/v1/query`). */
  readonly url: string;
  readonly scrapeIntervalSeconds: number;
  /** Replaces the scraped targets ("127.0.0.1:PORT"); Prometheus re-reads the file within a second or two. */
  setTargets(targets: string[]): void;
  /** Resolves once every target has been scraped successfully (up == 1). */
  waitForTargets(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(
  options: { targets?: string[]; scrapeIntervalSeconds?: number } = {},
): Promise<LocalPrometheus> {
  const bin = requirePrometheus();
  const interval = options.scrapeIntervalSeconds ?? 1;
  const dir = mkdtempSync(join(tmpdir(), "kinetic-prometheus-"));
  const targetsFile = join(dir, "targets.json");
  let targets = options.targets ?? [];
  const writeTargets = (list: string[]) => {
    targets = list;
    // Written whole then renamed: Prometheus never reads a half-written file.
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify([{ targets: list, labels: {} }]));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  writeTargets(targets);
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      `  scrape_interval: ${interval}s`,
      `  scrape_timeout: ${interval}s`,
      `  evaluation_interval: ${interval}s`,
      "scrape_configs:",
      "  - job_name: accelerators",
      // The exporter's namespace/pod labels are the workload's, not the target's: keep them as GKE does.
      "    honor_labels: true",
      "    file_sd_configs:",
      `      - files: [${JSON.stringify(targetsFile)}]`,
      "        refresh_interval: 1s",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    "prometheus",
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { logFile: join(dir, "prometheus.log") },
  );
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/-/ready`, { timeoutMs: 30_000 });
  } catch (err) {
    const log = existsSync(join(dir, "prometheus.log")) ? readFileSync(join(dir, "prometheus.log"), "utf8") : "";
    await stop();
    throw new Error(`prometheus did not start on ${url}: ${String(err)}\n${log.slice(-2000)}`, { cause: err });
  }
  return {
    url,
    scrapeIntervalSeconds: interval,
    setTargets: writeTargets,
    async waitForTargets(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('up{job="accelerators"} == 1')}`);
        const body = (await res.json()) as { data?: { result?: Array<{ metric: { instance?: string } }> } };
        const up = new Set((body.data?.result ?? []).map((r) => r.metric.instance));
        if (targets.every((t) => up.has(t))) return;
        if (Date.now() > deadline)
          throw new Error(`prometheus: targets not up after ${timeoutMs} ms: ${targets.join(", ")}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop,
  };
}
