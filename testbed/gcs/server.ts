/**
 * A real Cloud Storage JSON API server on 127.0.0.1 for the outputs tests:
 * fake-gcs-server (github.com/fsouza/fake-gcs-server), built by build.sh from
 * the Go module proxy into ~/.cache/kinetic-gcs. Each start is a fresh,
 * in-memory server with the buckets asked for; stop kills it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startProcess, waitForHttp } from "../../scripts/lib/processes.ts";

const here = resolve(import.meta.dirname);

function gcsKey(): string {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(here, "versions.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) vars[m[1]] = m[2].replace(/\$\{([A-Z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");
  }
  if (!vars.GCS_KEY) throw new Error("gcs: versions.env has no GCS_KEY");
  return vars.GCS_KEY;
}

/** The built binary; throws (never skips) when build.sh has not built it. */
export function fakeGcsBinary(): string {
  const path = join(
    process.env.KINETIC_GCS_CACHE ?? join(homedir(), ".cache", "kinetic-gcs"),
    gcsKey(),
    "bin",
    "fake-gcs-server",
  );
  if (!existsSync(path))
    throw new Error(`gcs: fake-gcs-server is not built (${path} is missing); run: bash testbed/gcs/build.sh`);
  return path;
}

export interface LocalGcs {
  /** http://127.0.0.1:PORT: the JSON API base (what STORAGE_EMULATOR_HOST holds). */
  readonly url: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeGcs(options: { buckets?: string[] } = {}): Promise<LocalGcs> {
  const bin = fakeGcsBinary();
  const dir = mkdtempSync(join(tmpdir(), "kinetic-gcs-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    "fake-gcs-server",
    bin,
    [
      "-scheme",
      "http",
      "-host",
      "127.0.0.1",
      "-port",
      String(port),
      "-backend",
      "memory",
      "-external-url",
      url,
      "-public-host",
      `127.0.0.1:${port}`,
      "-log-level",
      "warn",
    ],
    { logFile: join(dir, "gcs.log") },
  );
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/storage/v1/b`, { timeoutMs: 20_000 });
  } catch (err) {
    const log = existsSync(join(dir, "gcs.log")) ? readFileSync(join(dir, "gcs.log"), "utf8") : "";
    await stop();
    throw new Error(`gcs: fake-gcs-server did not start on ${url}: ${String(err)}\n${log.slice(-2000)}`, {
      cause: err,
    });
  }
  const createBucket = async (name: string) => {
    const res = await fetch(`${url}/storage/v1/b`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    if (!res.ok && res.status !== 409)
      throw new Error(`gcs: creating bucket ${name}: HTTP ${res.status} ${await res.text()}`);
  };
  for (const b of options.buckets ?? []) await createBucket(b);
  return { url, createBucket, stop };
}
