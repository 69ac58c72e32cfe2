/**
 * Field-level schemas of the deployment config: names, parsers and the two
 * pool kinds. Kept apart from config.ts so the pool shape maths (pools.ts)
 * can type against them while config.ts validates pools with that maths.
 */
import { z } from "zod";
import { parseReservation, type Parsed } from "../shared/config/validators.ts";

/** A string field checked by one of the shared settings parsers. */
export const fromParser = (parse: (raw: string) => Parsed<string>) =>
  z.string().superRefine((raw, ctx) => {
    const r = parse(raw);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.reason });
  });

/** GKE node pool names: lowercase letters, digits and hyphens, starting with a letter, at most 40 characters. */
const POOL_NAME = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;
/** Reserved for the always-on system/CPU pool. */
export const CPU_POOL_NAME = "cpu";

const poolName = z
  .string()
  .regex(POOL_NAME, "expected up to 40 lowercase letters, digits or hyphens, starting with a letter")
  .refine((n) => n !== CPU_POOL_NAME, `"${CPU_POOL_NAME}" is the built-in CPU pool`);

const common = {
  name: poolName,
  machineType: z
    .string()
    .regex(/^[a-z][a-z0-9]*-[a-z0-9-]+$/, "expected a Compute Engine machine type such as g2-standard-12"),
  /** Spot VMs: cheaper, preemptible capacity. */
  spot: z.boolean().default(false),
  /** Bind the pool to a Compute Engine reservation (name or projects/P/reservations/NAME). */
  reservation: fromParser(parseReservation).optional(),
};

export const GpuPoolSpec = z.strictObject({
  ...common,
  kind: z.literal("gpu"),
  /** GKE accelerator type, e.g. nvidia-l4, nvidia-h100-80gb. */
  gpuType: z.string().regex(/^nvidia-[a-z0-9-]+$/, "expected a GKE GPU type such as nvidia-l4"),
  gpusPerNode: z.number().int().min(1).max(16),
  minNodes: z.number().int().min(0).default(0),
  maxNodes: z.number().int().min(1).default(1),
});
export type GpuPoolSpec = z.infer<typeof GpuPoolSpec>;

export const TpuPoolSpec = z.strictObject({
  ...common,
  kind: z.literal("tpu"),
  /** Slice topology, e.g. 2x4 (v5e/v6e) or 2x2x2 (v4/v5p/tpu7x). */
  topology: z.string().regex(/^[1-9][0-9]*(x[1-9][0-9]*){1,2}$/, "expected a topology such as 2x4 or 2x2x2"),
  /** Single-host pools only: multi-host slices scale as a whole (0 or every host). */
  minNodes: z.number().int().min(0).default(0),
  maxNodes: z.number().int().min(1).optional(),
});
export type TpuPoolSpec = z.infer<typeof TpuPoolSpec>;
