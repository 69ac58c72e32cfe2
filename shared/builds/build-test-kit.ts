/**
 * In-memory parts for the builds domain's unit tests: a registry (reference →
 * digest) and a builder that "pushes" to it, or fails as told, plus memory
 * deps with builds wired in. The integration suites use the real registry and
 * crane instead (test/integration/builds*.test.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageRegistry, ManifestHead } from "../registry/oci-client.ts";
import { formatImageRef, parseImageRef, type ImageRef } from "../registry/reference.ts";
import { memoryDeps } from "../testing.ts";
import type { BuildPlan, BuildStart, ImageBuilder } from "./builder.ts";

export const KIT_BASE = "reg.test/kinetic/base:1";
export const KIT_BASE_DIGEST = "sha256:" + "b".repeat(64);
export const KIT_REPOSITORY = "reg.test/kinetic/train";

export class MemoryRegistry implements ImageRegistry {
  readonly images = new Map<string, string>([[KIT_BASE, KIT_BASE_DIGEST]]);
  heads = 0;
  async head(ref: string | ImageRef): Promise<ManifestHead | undefined> {
    this.heads++;
    const s = typeof ref === "string" ? formatImageRef(parseImageRef(ref)) : formatImageRef(ref);
    const digest = this.images.get(s);
    return digest ? { digest, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 1 } : undefined;
  }
  async labels() {
    return {};
  }
}

/** Builds by writing `${repository}:${key}` → sha256:<key> into the registry, after a short while; or fails. */
export class MemoryBuilder implements ImageBuilder {
  readonly recipe = "memory@1";
  calls: BuildPlan[] = [];
  fail: Error | undefined;
  private readonly registry: MemoryRegistry;
  private readonly options: { delayMs: number; resolvedPackages: Record<string, string> };
  constructor(registry: MemoryRegistry, options: { delayMs?: number; resolvedPackages?: Record<string, string> } = {}) {
    this.registry = registry;
    this.options = { delayMs: options.delayMs ?? 5, resolvedPackages: options.resolvedPackages ?? {} };
  }
  async start(plan: BuildPlan, log: (line: string) => void): Promise<BuildStart> {
    this.calls.push(plan);
    log(`building ${plan.key}`);
    await new Promise((r) => setTimeout(r, this.options.delayMs));
    if (this.fail) throw this.fail;
    const image = `${plan.repository}:${plan.key}`;
    const digest = "sha256:" + plan.key;
    this.registry.images.set(image, digest);
    return { status: "finished", output: { image, digest, resolvedPackages: this.options.resolvedPackages } };
  }
}

/** Memory deps whose jobs may name builds: the memory registry and builder, publishing on the recording bus. */
export function buildJobDeps(options: Parameters<typeof memoryDeps>[0] = {}) {
  const deps = memoryDeps(options);
  const registry = new MemoryRegistry();
  const builder = new MemoryBuilder(registry);
  const images = {
    builds: deps.builds,
    registry,
    builder,
    clock: deps.clock,
    log: deps.log,
    bus: deps.bus,
    defaultRepository: KIT_REPOSITORY,
    localContexts: true,
  };
  return Object.assign(deps, { images, registry, builder });
}

/** A context directory with these files. */
export function kitContext(files: Record<string, string> = { "train.py": "print(1)\n" }): string {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-kit-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs git in `cwd` as a fixed test identity (tests make their own repositories), returning its trimmed output. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "init.defaultBranch=main", ...args], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).trim();
}
