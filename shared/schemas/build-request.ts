/**
 * The build request's schema, a leaf both the job spec (a job's `build`
 * field) and the builds domain validate with. See shared/builds/request.ts
 * for what a request means; the key is computed from the file set, not from
 * where it came from.
 */
import { z } from "zod";

/** Accelerator categories an image is built for (the base image and its libraries differ by category). */
export const ACCELERATOR_CATEGORIES = ["cpu", "gpu", "tpu"] as const;
export type AcceleratorCategory = (typeof ACCELERATOR_CATEGORIES)[number];
export function isAcceleratorCategory(value: unknown): value is AcceleratorCategory {
  return typeof value === "string" && (ACCELERATOR_CATEGORIES as readonly string[]).includes(value);
}

/** Longest requirements text accepted (a requirements file is a few KiB; this leaves room, not abuse). */
export const MAX_REQUIREMENTS_CHARS = 64 * 1024;

// registry[:port]/path[:tag][@sha256:hex]: the OCI reference grammar, lowercase repository path components.
const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const ImageReference = z
  .string()
  .max(512)
  .regex(IMAGE_REF, "must be an image reference: [registry/]path[:tag][@sha256:digest]");

/** A directory on the machine that packs it (the CLI, or local mode). */
export const DirContext = z.strictObject({
  kind: z.literal("dir"),
  path: z.string().min(1).max(4096),
});

/** A Git repository at one commit; `subdir` narrows the context to a folder of the repository. */
export const GitContext = z.strictObject({
  kind: z.literal("git"),
  // A URL with a scheme, never an option: git is run with it as an argument.
  url: z
    .string()
    .max(2048)
    .regex(/^(https?|ssh|git|file):\/\/[^\s]+$/, "must be an https://, http://, ssh://, git:// or file:// URL"),
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full commit SHA (40 or 64 hex digits)"),
  subdir: z
    .string()
    .max(1024)
    .refine((s) => !s.split("/").includes(".."), "must stay inside the repository")
    .optional(),
});

export const BuildContext = z.discriminatedUnion("kind", [DirContext, GitContext]);
export type BuildContext = z.infer<typeof BuildContext>;

/** One build request. */
export const BuildRequest = z.strictObject({
  context: BuildContext,
  /** requirements.txt text; pip's format. Empty or absent: no requirements layer. */
  requirements: z.string().max(MAX_REQUIREMENTS_CHARS).optional(),
  /** The image built on: a tag (resolved to its digest before the key is computed) or a digest reference. */
  baseImage: ImageReference,
  accelerator: z.enum(ACCELERATOR_CATEGORIES),
  /** Where the image goes (registry/path, no tag); the deployment's default when absent. */
  repository: ImageReference.refine(
    (r) => !r.includes("@") && !(r.split("/").at(-1) ?? "").includes(":"),
    "must name a repository, without a tag or digest",
  ).optional(),
  /**
   * A deliberate rebuild: any new value gives a new key, so unpinned requirements are re-resolved. Absent in
   * ordinary builds, so the same inputs always find the same image.
   */
  refresh: z.string().max(128).optional(),
});
export type BuildRequest = z.infer<typeof BuildRequest>;
