/**
 * The daemonless builder: go-containerregistry's `crane` appends real layers
 * to the base image in the registry and pushes the result, with no Docker
 * daemon and no root. One `crane mutate` call appends the context layer
 * (the kept files under /workspace) and, with requirements, the wheels layer
 * (pip-wheels.ts), sets the labels, env and working directory, and pushes
 * the image under the key tag — so the tag never names a half-made image.
 * Layers are deterministic tars, so the same plan gives the same digest.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildFailure, imageLabels, type BuildPlan, type BuildStart, type ImageBuilder } from "../builder.ts";
import { parseImageRef } from "../../registry/reference.ts";
import { isLoopbackRegistry } from "../../registry/oci-client.ts";
import { fileEntries, writeLayerTar } from "../tar.ts";
import { resolveWheels, WHEELS_DIR, type PipOptions } from "./pip-wheels.ts";
import { runTool } from "./run.ts";

/** Bump when the layer layout or config changes: it is part of every key this builder makes. */
export const CRANE_RECIPE = "crane-layers@1";
export const WORKDIR = "/workspace";

export interface CraneBuilderOptions {
  /** Path of the crane binary. */
  crane: string;
  /** A directory with a Docker config.json holding registry credentials (crane reads DOCKER_CONFIG). */
  dockerConfigDir?: string;
  /** Registries reached over plain HTTP (default: loopback). */
  insecure?: (registry: string) => boolean;
  pip?: PipOptions;
  timeoutMs?: number;
}

export class CraneBuilder implements ImageBuilder {
  readonly recipe = CRANE_RECIPE;
  private readonly options: CraneBuilderOptions;

  constructor(options: CraneBuilderOptions) {
    this.options = options;
  }

  async start(plan: BuildPlan, log: (line: string) => void): Promise<BuildStart> {
    const work = await mkdtemp(join(tmpdir(), "kinetic-build-"));
    try {
      const image = `${plan.repository}:${plan.key}`;
      const contextTar = join(work, "context.tar");
      await writeLayerTar(contextTar, fileEntries(plan.context.files), WORKDIR);
      log(`context layer: ${plan.context.files.length} file(s), ${plan.context.totalBytes} bytes`);
      const layers = [contextTar];
      let resolved: Record<string, string> = {};
      const env: Record<string, string> = { KINETIC_BUILD_KEY: plan.key, KINETIC_ACCELERATOR: plan.accelerator };
      if (plan.requirements?.trim()) {
        const wheels = await resolveWheels(plan.requirements, join(work, "pip"), this.options.pip ?? {}, log);
        const reqTar = join(work, "requirements.tar");
        await writeLayerTar(reqTar, wheels.entries);
        layers.push(reqTar);
        resolved = wheels.resolved;
        env.KINETIC_WHEELS = `/${WHEELS_DIR}`;
      }
      const args = [
        "mutate",
        plan.baseImage,
        ...layers.flatMap((l) => ["--append", l]),
        ...Object.entries(imageLabels(plan, this.recipe)).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
        ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
        "--workdir",
        WORKDIR,
        // A multi-platform base resolves to its linux/amd64 image (GKE's GPU and TPU hosts); part of the recipe.
        "--platform",
        "linux/amd64",
        "--tag",
        image,
      ];
      const insecure = this.options.insecure ?? isLoopbackRegistry;
      const hosts = [parseImageRef(plan.baseImage).registry, parseImageRef(plan.repository + ":x").registry];
      if (hosts.some(insecure)) args.push("--insecure");
      log(`$ crane ${args.join(" ")}`);
      const r = await runTool(this.options.crane, args, {
        log,
        timeoutMs: this.options.timeoutMs ?? 1_800_000,
        env: {
          ...process.env,
          ...(this.options.dockerConfigDir ? { DOCKER_CONFIG: this.options.dockerConfigDir } : {}),
        },
        hint: "run npm run testbed:build (it builds crane into ~/.cache/kinetic-builds)",
      });
      if (r.code !== 0) throw craneFailure(r.stderr, plan.baseImage);
      const digest = /@(sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1];
      if (!digest) throw new Error(`crane mutate printed no digest: ${r.stdout.trim()}`);
      log(`pushed ${image}@${digest}`);
      return { status: "finished", output: { image, digest, resolvedPackages: resolved } };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

// A base image that is not there is the user's to fix (FAILED); a registry hiccup is transient (retried).
function craneFailure(stderr: string, base: string): Error {
  const last = stderr.trim().split("\n").at(-1) ?? "crane failed";
  if (
    /MANIFEST_UNKNOWN|NAME_UNKNOWN|manifest unknown|not found/i.test(stderr) &&
    stderr.includes(base.split("@")[0]!)
  ) {
    return new BuildFailure("BaseImageMissing", `the base image ${base} is not in the registry: ${last}`);
  }
  if (/UNAUTHORIZED|DENIED|401|403/.test(stderr)) {
    return new BuildFailure("RegistryDenied", `the registry refused the build's credentials: ${last}`);
  }
  return new Error(`crane: ${last}`);
}

/** Writes a Docker config.json with Basic credentials for `registry` into `dir` (for crane's DOCKER_CONFIG). */
export async function writeDockerConfig(dir: string, registry: string, username: string, password: string) {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { [registry]: { auth } } }), { mode: 0o600 });
}
