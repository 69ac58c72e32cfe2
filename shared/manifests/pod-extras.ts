/**
 * What a job's pod gets beyond its program: the durable-output and resume
 * contract (KINETIC_OUTPUT_DIR, KINETIC_CHECKPOINT_DIR, KINETIC_ATTEMPT),
 * Metaflow's downward-API environment (POD_NAME, POD_NAMESPACE, POD_ID,
 * NODE_IP), the data and Hugging Face cache volumes (HF_HOME), the Cloud
 * Storage FUSE mount of the outputs, and the init containers that run before
 * the program: downloads into the volumes, and on multi-host jobs the wait
 * for the coordinator's name (hostname_resolution_timeout). Pure.
 */
import { createHash } from "node:crypto";
import type { JobSpec } from "../schemas/job-spec.ts";
import { DEFAULT_HOSTNAME_RESOLUTION_TIMEOUT_SECONDS, type VolumeRequest } from "../schemas/job-spec-storage.ts";
import { checkpointDir, parseOutputLocation } from "../outputs/prefix.ts";
import { BUILTIN_STORAGE_DEFAULTS, type StorageDefaults } from "../outputs/storage-defaults.ts";

export const GCSFUSE_ANNOTATION = "gke-gcsfuse/volumes";
export const GCSFUSE_DRIVER = "gcsfuse.csi.storage.gke.io";
export const ATTEMPT_LABEL = "kinetic.dev/attempt";
/** Images of the init steps; both are public and small. */
export const DOWNLOAD_IMAGE = "gcr.io/google.com/cloudsdktool/google-cloud-cli:slim";
export const HF_DOWNLOAD_IMAGE = "python:3.12-slim";

export type VolumeRole = "data" | "hf-cache";

/** The claim a volume request uses: its shared `claim`, else the job's own `<workload name>-<role>`. */
export function claimNameFor(baseName: string, role: VolumeRole, request: VolumeRequest): string {
  return request.claim ?? `${baseName}-${role}`;
}

export interface PodExtrasInput {
  spec: JobSpec;
  /** The attempt's workload name, and the name of attempt 1 (own claims are named after it: every attempt mounts them). */
  baseName: string;
  /** The job's output dir (KINETIC_OUTPUT_DIR), when one is known. */
  outputDir?: string;
  attempt: number;
  storage?: StorageDefaults;
  /** Fully qualified name of worker 0's host 0, for multi-host jobs. */
  coordinator?: string;
}

type Obj = Record<string, unknown>;

function fieldEnv(name: string, fieldPath: string): Obj {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function mountPathOf(role: VolumeRole, request: VolumeRequest, storage: StorageDefaults): string {
  return request.mountPath ?? (role === "data" ? storage.dataMountPath : storage.hfMountPath);
}

/** The output dir as the program should write it: the FUSE mount when there is one, else the URI or folder. */
function checkpointTarget(spec: JobSpec, outputDir: string): string {
  return spec.outputMount ? checkpointDir(spec.outputMount) : checkpointDir(outputDir);
}

export function extraEnv(input: PodExtrasInput): Obj[] {
  const { spec, outputDir, attempt } = input;
  const storage = input.storage ?? BUILTIN_STORAGE_DEFAULTS;
  const env: Obj[] = [];
  if (outputDir) {
    env.push({ name: "KINETIC_CHECKPOINT_DIR", value: checkpointTarget(spec, outputDir) });
    if (spec.outputMount) env.push({ name: "KINETIC_OUTPUT_MOUNT", value: spec.outputMount });
  }
  env.push(
    { name: "KINETIC_ATTEMPT", value: String(attempt) },
    fieldEnv("POD_NAME", "metadata.name"),
    fieldEnv("POD_NAMESPACE", "metadata.namespace"),
    fieldEnv("POD_ID", "metadata.uid"),
    fieldEnv("NODE_IP", "status.hostIP"),
  );
  if (spec.data) env.push({ name: "KINETIC_DATA_DIR", value: mountPathOf("data", spec.data, storage) });
  if (spec.hfCache && !("HF_HOME" in spec.env))
    env.push({ name: "HF_HOME", value: mountPathOf("hf-cache", spec.hfCache, storage) });
  return env;
}

export interface ExtraVolumes {
  volumes: Obj[];
  mounts: Obj[];
  annotations: Record<string, string>;
}

export function extraVolumes(input: PodExtrasInput): ExtraVolumes {
  const { spec, baseName, outputDir } = input;
  const storage = input.storage ?? BUILTIN_STORAGE_DEFAULTS;
  const out: ExtraVolumes = { volumes: [], mounts: [], annotations: {} };
  for (const [role, request] of volumeRequests(spec)) {
    const name = `kinetic-${role}`;
    out.volumes.push({ name, persistentVolumeClaim: { claimName: claimNameFor(baseName, role, request) } });
    out.mounts.push({ name, mountPath: mountPathOf(role, request, storage) });
  }
  if (spec.outputMount && outputDir) {
    const location = parseOutputLocation(outputDir);
    if (location.kind === "gcs") {
      // Only the job's own folder is mounted: a job never sees (or overwrites) another job's outputs.
      const onlyDir = location.prefix.replace(/\/+$/, "");
      out.volumes.push({
        name: "kinetic-outputs",
        csi: {
          driver: GCSFUSE_DRIVER,
          volumeAttributes: {
            bucketName: location.bucket,
            mountOptions: `implicit-dirs${onlyDir ? `,only-dir=${onlyDir}` : ""}`,
          },
        },
      });
      out.mounts.push({ name: "kinetic-outputs", mountPath: spec.outputMount });
      out.annotations[GCSFUSE_ANNOTATION] = "true";
    }
  }
  return out;
}

export function volumeRequests(spec: JobSpec): Array<[VolumeRole, VolumeRequest]> {
  const out: Array<[VolumeRole, VolumeRequest]> = [];
  if (spec.data) out.push(["data", spec.data]);
  if (spec.hfCache) out.push(["hf-cache", spec.hfCache]);
  return out;
}

/** Downloads are skipped when their marker exists, so a resumed attempt or a shared cache does not fetch again. */
function downloadScript(role: VolumeRole, uri: string, dir: string): string {
  const marker = `${dir}/.kinetic-download-${createHash("sha256").update(uri).digest("hex").slice(0, 12)}`;
  const quoted = `'${uri.replace(/'/g, "'\\''")}'`;
  const fetch = uri.startsWith("gs://")
    ? `gcloud storage cp -r ${quoted} '${dir}/'`
    : (() => {
        const [repo, revision] = uri.slice("hf://".length).split("@");
        const rev = revision ? ` --revision '${revision}'` : "";
        const target = role === "hf-cache" ? `--cache-dir '${dir}/hub'` : `--local-dir '${dir}/${repo}'`;
        return `pip install --quiet --disable-pip-version-check 'huggingface_hub[cli]' && huggingface-cli download '${repo}'${rev} ${target}`;
      })();
  return `if [ -f '${marker}' ]; then echo 'kinetic: ${uri} already present'; else ${fetch} && touch '${marker}'; fi`;
}

export function initContainers(input: PodExtrasInput, mounts: Obj[], env: Obj[], image: string | undefined): Obj[] {
  const { spec } = input;
  const storage = input.storage ?? BUILTIN_STORAGE_DEFAULTS;
  const out: Obj[] = [];
  if (input.coordinator && image) {
    const timeout = spec.hostnameResolutionTimeoutSeconds ?? DEFAULT_HOSTNAME_RESOLUTION_TIMEOUT_SECONDS;
    // getent where the image has it, Python's resolver where not: either answers for the cluster DNS.
    const resolve = `getent hosts "$1" >/dev/null 2>&1 || python3 -c 'import socket,sys; socket.gethostbyname(sys.argv[1])' "$1" >/dev/null 2>&1`;
    out.push({
      name: "kinetic-wait-coordinator",
      image,
      command: [
        "sh",
        "-c",
        `host="$KINETIC_COORDINATOR_ADDRESS"; end=$(( $(date +%s) + ${timeout} )); ` +
          `ok() { ${resolve}; }; until ok "$host"; do ` +
          `if [ "$(date +%s)" -ge "$end" ]; then echo "kinetic: the coordinator $host did not resolve within ${timeout} s (hostnameResolutionTimeoutSeconds)" >&2; ` +
          `echo "CoordinatorUnresolved: $host did not resolve within ${timeout} s" > /dev/termination-log; exit 1; fi; sleep 2; done`,
      ],
      env,
      terminationMessagePolicy: "FallbackToLogsOnError",
    });
  }
  for (const [role, request] of volumeRequests(spec)) {
    const dir = mountPathOf(role, request, storage);
    for (const [i, uri] of (request.download ?? []).entries()) {
      const mount = mounts.find((m) => m.mountPath === dir);
      out.push({
        name: `kinetic-download-${role}-${i}`,
        image: uri.startsWith("gs://") ? DOWNLOAD_IMAGE : HF_DOWNLOAD_IMAGE,
        command: ["sh", "-c", downloadScript(role, uri, dir)],
        ...(uri.startsWith("hf://") && spec.hfCache
          ? { env: [{ name: "HF_HOME", value: mountPathOf("hf-cache", spec.hfCache, storage) }] }
          : {}),
        // The job's secrets (an HF token, say) are what the download authenticates with.
        ...(spec.secrets.length ? { envFrom: spec.secrets.map((name) => ({ secretRef: { name } })) } : {}),
        ...(mount ? { volumeMounts: [mount] } : {}),
        terminationMessagePolicy: "FallbackToLogsOnError",
      });
    }
  }
  return out;
}
