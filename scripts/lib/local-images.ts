/**
 * Built images in the local runtime. The local runtime runs a job's command
 * on this machine, not in a container; for a job whose image was built by
 * `npm start` (pinned by digest in the local registry on 127.0.0.1), the
 * image's files are unpacked into the job's folder and the command runs in
 * the image's working directory, so a pushed `python3 train.py` finds its
 * code. Interpreters still come from this machine's PATH. Any other image is
 * ignored, as before.
 */
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Workload } from "../../shared/cluster/types.ts";

const LOCAL_DIGEST_REF = /^(127\.0\.0\.1|localhost):\d+\/[^@]+@sha256:[0-9a-f]{64}$/;

/** The image of the workload's (first) container, for a Job or a JobSet. */
export function workloadImage(workload: Workload): string | undefined {
  type Pod = { spec?: { containers?: Array<{ image?: string }> } };
  const w = workload as unknown as {
    spec?: { template?: Pod; replicatedJobs?: Array<{ template?: { spec?: { template?: Pod } } }> };
  };
  const pod = w.spec?.template ?? w.spec?.replicatedJobs?.[0]?.template?.spec?.template;
  return pod?.spec?.containers?.[0]?.image;
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${bin} ${args[0]} failed: ${err.trim().split("\n").at(-1) ?? code}`)),
    );
  });
}

/**
 * Unpacks a locally built image into `<into>/rootfs` with crane; resolves to the directory the command runs in
 * (the image's WorkingDir), or undefined for an image that is not a local build.
 */
export function craneUnpacker(crane: string): (image: string, into: string) => Promise<string | undefined> {
  return async (image, into) => {
    if (!LOCAL_DIGEST_REF.test(image)) return undefined;
    const rootfs = join(into, "rootfs");
    const tar = join(into, "image.tar");
    await mkdir(rootfs, { recursive: true });
    try {
      await run(crane, ["export", "--insecure", image, tar]);
      await run("tar", ["-xf", tar, "-C", rootfs, "--no-same-owner"]);
    } finally {
      await rm(tar, { force: true });
    }
    const config = JSON.parse(await run(crane, ["config", "--insecure", image])) as {
      config?: { WorkingDir?: string };
    };
    return join(rootfs, config.config?.WorkingDir || "/");
  };
}
