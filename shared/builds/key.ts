/**
 * The build key: SHA-256 over exactly the inputs that change the image, and
 * nothing else. The image carries it as the label `dev.kinetic.build-key` and
 * as its tag, so "is it built?" is one registry request.
 *
 * In the key (README, "Image builds"):
 *   - every context file kept after `.kineticignore`: its path, its mode (0644,
 *     0755 or symlink, as Git stores them) and the SHA-256 of its contents (a
 *     symlink's: its target), in path order whatever order they were listed;
 *   - the requirements in canonical form (requirements.ts);
 *   - the base image's digest (a tag is resolved first, so a moved tag is a new key);
 *   - the accelerator category;
 *   - the builder's recipe id and version (how the layers are laid out, what the
 *     requirements layer holds), and this key format's version;
 *   - the request's `refresh` value, when it has one (a deliberate rebuild).
 * Not in the key: mtimes, owners, ignored files, listing order, the context's
 * location (directory path, Git URL, commit SHA), the target repository, who asked.
 */
import { createHash } from "node:crypto";
import { KineticError } from "../errors.ts";
import { canonicalRequirements } from "./requirements.ts";
import type { AcceleratorCategory } from "./request.ts";

/** Bumped when the key's canonical form changes. */
export const KEY_FORMAT_VERSION = 1;

/** The image label that carries the key. */
export const BUILD_KEY_LABEL = "dev.kinetic.build-key";

/** File modes as Git keeps them: a file is executable or not; a symlink is a symlink. */
export const FILE_MODES = { file: 0o644, executable: 0o755, symlink: 0o120000 } as const;
export type FileMode = (typeof FILE_MODES)[keyof typeof FILE_MODES];

/** One context file as the key sees it. */
export interface KeyFile {
  /** POSIX path relative to the context root, no leading "./". */
  path: string;
  mode: FileMode;
  /** SHA-256 (hex) of the contents, or of the link target for a symlink. */
  sha256: string;
}

export interface KeyInputs {
  files: readonly KeyFile[];
  requirements?: string | undefined;
  /** The base image's manifest digest ("sha256:…"), never a tag. */
  baseDigest: string;
  accelerator: AcceleratorCategory;
  /** The builder's recipe id and version ("crane-layers@1"). */
  recipe: string;
  refresh?: string | undefined;
}

/** A 64-hex-digit build key; valid as an OCI tag. */
export type BuildKey = string & { readonly __brand: "BuildKey" };
export const BUILD_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** The canonical document the key hashes (exposed so a reviewer can see what is in it). */
export function keyDocument(inputs: KeyInputs): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(inputs.baseDigest)) {
    throw new KineticError("invalid-argument", `base image digest ${inputs.baseDigest} is not a sha256 digest`);
  }
  const files = [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.path === files[i - 1]!.path) {
      throw new KineticError("invalid-argument", `context lists ${files[i]!.path} twice`);
    }
  }
  const reqs = canonicalRequirements(inputs.requirements);
  // An array in a fixed order: JSON object key order is never relied on.
  return JSON.stringify([
    "kinetic-build-key",
    KEY_FORMAT_VERSION,
    inputs.recipe,
    inputs.accelerator,
    inputs.baseDigest,
    reqs.options,
    reqs.requirements,
    inputs.refresh ?? null,
    files.map((f) => [f.path, f.mode.toString(8), f.sha256]),
  ]);
}

export function buildKey(inputs: KeyInputs): BuildKey {
  return createHash("sha256").update(keyDocument(inputs)).digest("hex") as BuildKey;
}

export function isBuildKey(value: unknown): value is BuildKey {
  return typeof value === "string" && BUILD_KEY_PATTERN.test(value);
}
