/**
 * Starts the official Firestore and Pub/Sub emulators (gcloud) on free
 * loopback ports, for tests and for `npm start`. Returns the env vars the
 * Google client libraries read, and a stop function that ends both.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { freePort, startProcess, waitForHttp, type ManagedProcess } from "./processes.ts";

export interface Emulators {
  firestoreHost: string;
  pubsubHost: string;
  env: { FIRESTORE_EMULATOR_HOST: string; PUBSUB_EMULATOR_HOST: string };
  dataDir: string;
  stop(): Promise<void>;
}

export function checkGcloud(): void {
  try {
    execFileSync("gcloud", ["--version"], { stdio: "ignore", timeout: 30_000 });
  } catch {
    throw new Error(
      "The Google Cloud SDK (gcloud) with the Firestore and Pub/Sub emulators and Java 17+ is required. " +
        "Install it, then run: gcloud components install cloud-firestore-emulator pubsub-emulator beta",
    );
  }
}

export async function startEmulators(options: {
  dataDir: string;
  project?: string;
  firestorePort?: number;
  pubsubPort?: number;
}): Promise<Emulators> {
  checkGcloud();
  mkdirSync(join(options.dataDir, "pubsub"), { recursive: true });
  const [fsPort, psPort] = [options.firestorePort ?? (await freePort()), options.pubsubPort ?? (await freePort())];
  const firestoreHost = `127.0.0.1:${fsPort}`;
  const pubsubHost = `127.0.0.1:${psPort}`;
  const procs: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
  };
  try {
    procs.push(
      startProcess(
        "firestore-emulator",
        "gcloud",
        ["beta", "emulators", "firestore", "start", `--host-port=${firestoreHost}`, "--quiet"],
        { logFile: join(options.dataDir, "firestore.log") },
      ),
    );
    procs.push(
      startProcess(
        "pubsub-emulator",
        "gcloud",
        [
          "beta",
          "emulators",
          "pubsub",
          "start",
          `--host-port=${pubsubHost}`,
          `--project=${options.project ?? "kinetic-local"}`,
          `--data-dir=${join(options.dataDir, "pubsub")}`,
          "--quiet",
        ],
        { logFile: join(options.dataDir, "pubsub.log") },
      ),
    );
    await Promise.all([
      waitForHttp(`http://${firestoreHost}/`, { timeoutMs: 90_000 }),
      waitForHttp(`http://${pubsubHost}/`, { timeoutMs: 90_000 }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    firestoreHost,
    pubsubHost,
    env: { FIRESTORE_EMULATOR_HOST: firestoreHost, PUBSUB_EMULATOR_HOST: pubsubHost },
    dataDir: options.dataDir,
    stop,
  };
}

/** Deletes every document of one project in the Firestore emulator. */
export async function resetFirestore(host: string, project: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${project}/databases/(default)/documents`, {
    method: "DELETE",
  });
  if (!res.ok) throw new Error(`firestore emulator reset failed: ${res.status}`);
}
