/**
 * A job's storage at submission: the output dir it is told (checked against
 * the deployment: a deployed control plane needs gs://), the storage
 * defaults of the operator configuration (read only for jobs that ask for a
 * volume), and the claims created before the workload so its pods find them.
 * A claim that exists already (a shared one, or a redelivery) is left as is.
 */
import { KineticError } from "../errors.ts";
import { withRetry } from "../retry.ts";
import type { ClusterClient } from "../cluster/types.ts";
import type { Logger } from "../log.ts";
import type { RuntimeConfig } from "../runtime-config.ts";
import { renderClaims } from "../manifests/claims.ts";
import { outputDirOf } from "../manifests/render.ts";
import { resolveAccelerator } from "../accelerators/resolve.ts";
import type { JobSpec } from "../schemas/job-spec.ts";
import { outputDirIssue } from "../outputs/prefix.ts";
import { BUILTIN_STORAGE_DEFAULTS, withBuiltins, type StorageDefaults } from "../outputs/storage-defaults.ts";

/** The part of the operator configuration store submission reads (shared/store/operator-config-store.ts). */
export interface StorageConfigSource {
  current(options?: { maxAgeMs?: number }): Promise<{
    data: { defaultStorageClass?: string | undefined; defaultDataMountPath: string; defaultHfMountPath: string };
  }>;
}

export interface StorageDeps {
  cluster: ClusterClient;
  config: RuntimeConfig;
  log: Logger;
}

/**
 * The operator configuration store where the deps carry one (every function's Deps does, through Stores);
 * read structurally so the narrow JobDeps used by unit tests need not carry it.
 */
function configSource(deps: object): StorageConfigSource | undefined {
  const source = (deps as { operatorConfig?: Partial<StorageConfigSource> }).operatorConfig;
  return typeof source?.current === "function" ? (source as StorageConfigSource) : undefined;
}

/** The operator configuration's storage defaults, or the built-in ones where there is none. */
export async function storageDefaultsFor(deps: object): Promise<StorageDefaults> {
  const source = configSource(deps);
  if (!source) return BUILTIN_STORAGE_DEFAULTS;
  const { data } = await source.current({ maxAgeMs: 10_000 });
  return withBuiltins({
    ...(data.defaultStorageClass ? { storageClass: data.defaultStorageClass } : {}),
    dataMountPath: data.defaultDataMountPath,
    hfMountPath: data.defaultHfMountPath,
  });
}

/** Throws a field error when the job's outputDir cannot work on this deployment. */
export function assertOutputDir(spec: Pick<JobSpec, "outputDir">, config: Pick<RuntimeConfig, "outputDirBase">): void {
  if (!spec.outputDir) return;
  const reason = outputDirIssue(spec.outputDir, config.outputDirBase);
  if (reason)
    throw new KineticError("invalid-argument", `outputDir ${reason}`, {
      issues: [{ field: "outputDir", message: reason }],
    });
}

export interface PreparedStorage {
  outputDir?: string;
  storage?: StorageDefaults;
}

/** Output dir and defaults for rendering, and the job's claims created on the cluster. */
export async function prepareStorage(deps: StorageDeps, jobId: string, spec: JobSpec): Promise<PreparedStorage> {
  const outputDir = outputDirOf(jobId, spec, deps.config.outputDirBase);
  if (!spec.data && !spec.hfCache) return outputDir ? { outputDir } : {};
  const storage = await storageDefaultsFor(deps);
  const acc = resolveAccelerator(spec.accelerator, {
    count: spec.gpus,
    vendor: spec.gpuVendor,
    spot: spec.spot,
    reservation: spec.reservation,
  });
  const claims = renderClaims(jobId, spec, { pods: acc.hosts * spec.workers, storage });
  if (claims.length && !deps.cluster.ensureClaim)
    throw new KineticError("failed-precondition", "this cluster backend cannot create volume claims", {
      issues: [{ field: spec.data ? "data" : "hfCache", message: "volumes need a Kubernetes cluster" }],
    });
  for (const claim of claims) {
    const { created } = await withRetry(() => deps.cluster.ensureClaim!(claim));
    if (created) deps.log.info("volume claim created", { jobId, claim: claim.metadata.name });
  }
  return { ...(outputDir ? { outputDir } : {}), storage };
}
