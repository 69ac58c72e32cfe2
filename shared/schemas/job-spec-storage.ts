/**
 * The storage parts of the job spec: the data volume and the Hugging Face
 * cache (PersistentVolumeClaims, owned by the job or named and shared),
 * their downloads, the Cloud Storage FUSE mount of the job's outputs, and
 * the resume settings (maxPreemptions). Each value is checked here so a bad
 * one fails at submission naming its field, never at pod start.
 */
import { z } from "zod";
import { dns1123SubdomainError } from "./k8s-names.ts";
import { parseQuantity } from "./quantities.ts";

/** Directories a volume may not be mounted over or inside: the image's own system. */
export const SYSTEM_DIRECTORIES = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/proc",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var/run",
  "/var/lib",
] as const;

/** Why a mount path is refused, or undefined. */
export function mountPathError(path: string): string | undefined {
  if (!path.startsWith("/")) return `must be an absolute path (got "${path}")`;
  if (path.includes(":")) return "must not contain ':'";
  if (path.split("/").includes("..")) return "must not contain '..'";
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/") return "must not be / (the container's root)";
  const system = SYSTEM_DIRECTORIES.find((d) => clean === d || clean.startsWith(`${d}/`));
  return system ? `must not be inside the system directory ${system}` : undefined;
}

export const MountPath = z.string().superRefine((p, ctx) => {
  const reason = mountPathError(p);
  if (reason) ctx.addIssue({ code: "custom", message: reason });
});

/**
 * Largest claim each storage class can provision (GKE's Compute Engine persistent disks: 64 TiB; Filestore
 * basic tiers: 63.9 TiB; Hyperdisk ML: 64 TiB). A class not listed is only bounded by the same 64 TiB.
 */
export const STORAGE_CLASS_MAX_BYTES: Readonly<Record<string, number>> = {
  standard: 64 * 2 ** 40,
  "standard-rwo": 64 * 2 ** 40,
  "premium-rwo": 64 * 2 ** 40,
  "hyperdisk-balanced": 64 * 2 ** 40,
  "hyperdisk-ml": 64 * 2 ** 40,
  "standard-rwx": 63.9 * 2 ** 40,
  "premium-rwx": 63.9 * 2 ** 40,
};
const ANY_CLASS_MAX_BYTES = 64 * 2 ** 40;

/** Why a claim size is refused for a storage class (undefined = the deployment's default class), or undefined. */
export function claimSizeError(size: string, storageClass: string | undefined): string | undefined {
  if (/^\d+(\.\d+)?$/.test(size.trim()))
    return `needs a unit, e.g. "${size.trim()}Gi" (a bare number would be read as bytes)`;
  const q = parseQuantity(size);
  if (!q) return `"${size}" is not a size such as "100Gi"`;
  if (q.value <= 0) return "must be greater than 0";
  const max = (storageClass ? STORAGE_CLASS_MAX_BYTES[storageClass] : undefined) ?? ANY_CLASS_MAX_BYTES;
  if (q.value > max)
    return `is over the ${storageClass ?? "default"} storage class limit of ${Math.floor(max / 2 ** 40)}Ti`;
  return undefined;
}

/** The schemes a download may use: a Cloud Storage prefix or a Hugging Face repository. */
export const DOWNLOAD_SCHEMES = ["gs", "hf"] as const;

/** Why a download URI is refused, or undefined. `gs://bucket/path`, `hf://org/model` (optionally `@revision`). */
export function downloadUriError(uri: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(uri)?.[1];
  if (!scheme) return `"${uri}" is not a URI; use gs://bucket/path or hf://org/model`;
  if (scheme === "gs")
    return /^gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](\/\S*)?$/.test(uri)
      ? undefined
      : `"${uri}" is not a Cloud Storage URI (gs://bucket/path)`;
  if (scheme === "hf")
    return /^hf:\/\/[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*(@[\w./-]+)?$/.test(uri)
      ? undefined
      : `"${uri}" is not a Hugging Face repository (hf://org/model or hf://org/model@revision)`;
  return `unknown scheme "${scheme}://"; downloads take ${DOWNLOAD_SCHEMES.map((s) => `${s}://`).join(" or ")}`;
}

const DownloadUri = z.string().superRefine((uri, ctx) => {
  const reason = downloadUriError(uri);
  if (reason) ctx.addIssue({ code: "custom", message: reason });
});

/**
 * A volume the job asks for. Without `claim` it is the job's own claim (named after the job, kept when the
 * job ends; deleted by cleanup after the TTL only with `deleteAfterTtl`). With `claim` it is a named claim
 * shared across jobs, created by the first job that names it and never deleted by Kinetic.
 */
export const VolumeRequest = z
  .strictObject({
    /** Claim size with a unit ("100Gi"); needed when Kinetic creates the claim. */
    size: z.string().optional(),
    /** StorageClass of a created claim; default from the operator configuration. */
    storageClass: z
      .string()
      .superRefine((v, ctx) => {
        const reason = dns1123SubdomainError(v);
        if (reason) ctx.addIssue({ code: "custom", message: reason });
      })
      .optional(),
    /** Where the volume appears in the container; default from the operator configuration. */
    mountPath: MountPath.optional(),
    /** A shared claim's name (created when missing; never deleted by Kinetic). */
    claim: z
      .string()
      .superRefine((v, ctx) => {
        const reason = dns1123SubdomainError(v);
        if (reason) ctx.addIssue({ code: "custom", message: reason });
      })
      .optional(),
    /** Fetched into the volume by an init container before the program starts; skipped when already there. */
    download: z.array(DownloadUri).max(16).optional(),
    /** The job's own claim is deleted by cleanup once the job's TTL passes (default false: kept). */
    deleteAfterTtl: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.size !== undefined) {
      const reason = claimSizeError(v.size, v.storageClass);
      if (reason) ctx.addIssue({ code: "custom", path: ["size"], message: reason });
    } else if (v.claim === undefined)
      ctx.addIssue({ code: "custom", path: ["size"], message: 'is required for the job\'s own claim (e.g. "100Gi")' });
    if (v.claim !== undefined && v.deleteAfterTtl)
      ctx.addIssue({
        code: "custom",
        path: ["deleteAfterTtl"],
        message: "a shared claim is never deleted by Kinetic; drop claim or deleteAfterTtl",
      });
  });
export type VolumeRequest = z.output<typeof VolumeRequest>;

/** Preemptions survived before the job fails: each one starts the next attempt from the checkpoint dir. */
export const DEFAULT_MAX_PREEMPTIONS = 3;
export const MAX_PREEMPTIONS_LIMIT = 100;
/** How long the hosts of a multi-host job wait for the coordinator's name to resolve (Metaflow's default). */
export const DEFAULT_HOSTNAME_RESOLUTION_TIMEOUT_SECONDS = 600;

/** Built-in mount paths (seed 004); the operator configuration may set others. */
export const STORAGE_MOUNT_DEFAULTS = { data: "/workload", hfCache: "/hf_cache" } as const;
