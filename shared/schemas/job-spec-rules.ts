/**
 * The job spec's cross-field rules: what no single field can check (simple
 * vs advanced resources, qos, the accelerator against gpus, node selectors
 * and resources, conflicting mounts…), each reported as an issue on the field
 * to fix. Also the accelerator resolution that parsing and normalising share.
 */
import type { z } from "zod";
import { KineticError } from "../errors.ts";
import { resolveAccelerator, type ResolvedAccelerator } from "../accelerators/resolve.ts";
import { GPU_ACCELERATOR_LABEL } from "../accelerators/catalog.ts";
import { parseQuantity } from "./quantities.ts";
import { JOB_SPEC_DEFAULTS, type RawJobSpec } from "./job-spec-input.ts";
import { STORAGE_MOUNT_DEFAULTS } from "./job-spec-storage.ts";

type Raw = RawJobSpec;

const SIMPLE_RESOURCE_FIELDS = ["cpu", "memory", "disk", "gpus", "gpu"] as const;

/** GPUs per pod from the advanced form's limits (or requests), when it names a GPU resource. */
function advancedGpuCount(raw: Raw): number | undefined {
  for (const side of [raw.resources?.limits, raw.resources?.requests])
    for (const name of ["nvidia.com/gpu", "amd.com/gpu"]) {
      const value = side?.[name];
      if (value !== undefined) return Number(value);
    }
  return undefined;
}

export function resolveFor(raw: Raw): ResolvedAccelerator {
  const count = raw.gpus ?? raw.gpu ?? advancedGpuCount(raw);
  return resolveAccelerator(raw.accelerator ?? JOB_SPEC_DEFAULTS.accelerator, {
    count: count === 0 ? undefined : count,
    vendor: raw.gpuVendor ?? (raw.resources?.limits?.["amd.com/gpu"] ? "amd" : undefined),
    spot: raw.spot,
    reservation: raw.reservation,
  });
}

/** Default accelerator when only a GPU count is given: any-model GPUs. */
export function withImplicitGpu(raw: Raw): Raw {
  const count = raw.gpus ?? raw.gpu ?? advancedGpuCount(raw);
  return raw.accelerator === undefined && count ? { ...raw, accelerator: "gpu" } : raw;
}

const EXTENDED_RESOURCES = ["google.com/tpu", "nvidia.com/gpu", "amd.com/gpu"];
type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string, kineticCode?: string) {
  ctx.addIssue({ code: "custom", path, message, ...(kineticCode ? { params: { kineticCode } } : {}) });
}

function checkResources(raw: Raw, acc: ResolvedAccelerator | undefined, ctx: Ctx) {
  const qos = raw.qos;
  if (raw.resources) {
    for (const f of SIMPLE_RESOURCE_FIELDS)
      if (raw[f] !== undefined)
        issue(
          ctx,
          [f],
          `"${f}" and "resources" cannot both be given: use the simple form (cpu, memory, disk, gpus) or resources {requests, limits}`,
        );
    if (qos === "BestEffort")
      issue(ctx, ["qos"], 'BestEffort means no cpu/memory requests; it cannot be combined with "resources"');
    for (const side of ["requests", "limits"] as const) {
      for (const [name, value] of Object.entries(raw.resources[side] ?? {})) {
        if (!EXTENDED_RESOURCES.includes(name)) continue;
        if (!acc || acc.resourceName !== name || Number(value) !== acc.countPerPod)
          issue(
            ctx,
            ["resources", side, name],
            acc?.resourceName
              ? `does not match accelerator "${acc.name}", which takes ${acc.resourceName}: ${acc.countPerPod} per pod`
              : `set TPUs through "accelerator" (e.g. "tpu-v6e-8"), not resources`,
          );
      }
    }
    if (qos === "Guaranteed") {
      for (const name of ["cpu", "memory"]) {
        const req = raw.resources.requests?.[name];
        const lim = raw.resources.limits?.[name];
        if (req === undefined && lim === undefined)
          issue(ctx, ["resources", "requests", name], "is required for qos Guaranteed");
        else if (req !== undefined && lim !== undefined && parseQuantity(req)?.value !== parseQuantity(lim)?.value)
          issue(ctx, ["resources", "limits", name], `must equal resources.requests.${name} for qos Guaranteed`);
      }
    }
    return;
  }
  if (qos === "BestEffort")
    for (const f of ["cpu", "memory", "disk"] as const)
      if (raw[f] !== undefined)
        issue(ctx, [f], `cannot be set with qos BestEffort (BestEffort pods request no cpu or memory)`);
  if (raw.gpus !== undefined && raw.gpu !== undefined)
    issue(ctx, ["gpu"], '"gpu" and "gpus" are the same setting; give only "gpus"');
}

/** The zod refinement: adds an issue on the field to fix for every rule broken. */
export function checkCrossFields(raw: Raw, ctx: Ctx) {
  let acc: ResolvedAccelerator | undefined;
  try {
    acc = resolveFor(withImplicitGpu(raw));
  } catch (err) {
    if (!(err instanceof KineticError)) throw err;
    for (const i of err.issues) issue(ctx, i.field.split("."), i.message, err.code);
  }
  checkResources(raw, acc, ctx);
  if (raw.build && raw.image !== undefined)
    issue(ctx, ["image"], '"image" and "build" cannot both be given: a job with a build runs the image it builds');
  if (raw.build?.accelerator && acc && raw.build.accelerator !== acc.kind)
    issue(
      ctx,
      ["build", "accelerator"],
      `is "${raw.build.accelerator}" but the job's accelerator "${acc.name}" is ${acc.kind}`,
    );
  if (raw.spot && raw.reservation)
    issue(ctx, ["reservation"], '"spot" and "reservation" cannot both be set: Spot VMs do not consume reservations');
  if (acc && (raw.gpus === 0 || raw.gpu === 0) && acc.kind === "gpu")
    issue(ctx, [raw.gpus === 0 ? "gpus" : "gpu"], `must be at least 1 for accelerator "${acc.name}"`);
  if (raw.gpuVendor === "amd" && acc?.kind === "tpu")
    issue(ctx, ["gpuVendor"], `"amd" conflicts with the TPU accelerator "${acc.name}"`);

  // User node selectors may add labels but not contradict the accelerator's.
  if (acc && raw.nodeSelector) {
    for (const [key, value] of Object.entries(acc.nodeSelector)) {
      const mine = raw.nodeSelector[key];
      if (mine !== undefined && mine !== value)
        issue(ctx, ["nodeSelector", key], `conflicts with accelerator "${acc.name}", which needs ${key}=${value}`);
    }
    if (acc.kind !== "gpu" && raw.nodeSelector[GPU_ACCELERATOR_LABEL] !== undefined)
      issue(ctx, ["nodeSelector", GPU_ACCELERATOR_LABEL], 'selects GPU nodes; set "accelerator" instead');
  }
  const pool = raw.nodeSelector?.["cloud.google.com/gke-nodepool"];
  if (raw.computePool && pool !== undefined && pool !== raw.computePool)
    issue(ctx, ["computePool"], `conflicts with nodeSelector cloud.google.com/gke-nodepool=${pool}`);

  const sc = raw.securityContext;
  if (sc?.runAsNonRoot && sc.runAsUser === 0)
    issue(ctx, ["securityContext", "runAsUser"], "is 0 (root) but runAsNonRoot is true");
  if (sc?.privileged && sc.allowPrivilegeEscalation === false)
    issue(ctx, ["securityContext", "allowPrivilegeEscalation"], "cannot be false when privileged is true");

  // Mount paths must not collide.
  const mounts = new Map<string, string>();
  const claim = (path: string, owner: (string | number)[]) => {
    const other = mounts.get(path);
    if (other) issue(ctx, owner, `mount path ${path} is already used by ${other}`);
    else mounts.set(path, owner.join("."));
  };
  if (raw.sharedMemory) claim("/dev/shm", ["sharedMemory"]);
  const tmpfs = raw.tmpfs;
  if (tmpfs && tmpfs.enabled !== false) {
    claim(tmpfs.path ?? JOB_SPEC_DEFAULTS.tmpfsPath, ["tmpfs", "path"]);
    if (!tmpfs.size && !memoryBytes(raw))
      issue(ctx, ["tmpfs", "size"], "is required when no memory is requested (the default is half the memory request)");
  }
  for (const [name, path] of Object.entries(raw.persistentVolumeClaims ?? {}))
    claim(path, ["persistentVolumeClaims", name]);
  // Storage volumes: their default paths are the built-in ones (an operator may move them; render re-checks).
  if (raw.data) claim(raw.data.mountPath ?? STORAGE_MOUNT_DEFAULTS.data, ["data", "mountPath"]);
  if (raw.hfCache) claim(raw.hfCache.mountPath ?? STORAGE_MOUNT_DEFAULTS.hfCache, ["hfCache", "mountPath"]);
  if (raw.outputMount) claim(raw.outputMount, ["outputMount"]);
  if (raw.data?.claim && raw.data.claim === raw.hfCache?.claim)
    issue(ctx, ["hfCache", "claim"], `is the same claim as data.claim; one claim cannot be mounted twice`);
}

/** The memory request in bytes, as the pod will ask for it (none for BestEffort). */
export function memoryBytes(raw: Raw): number | undefined {
  const text = raw.resources
    ? (raw.resources.requests?.memory ?? raw.resources.limits?.memory)
    : raw.qos === "BestEffort"
      ? undefined
      : (raw.memory ?? JOB_SPEC_DEFAULTS.memory);
  return text ? parseQuantity(text)?.value : undefined;
}
