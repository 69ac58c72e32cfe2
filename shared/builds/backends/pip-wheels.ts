/**
 * The local builder's requirements layer. Without a container runtime pip
 * cannot install into the image, so the builder does the part that needs
 * the network and decides versions: `pip download --only-binary=:all:`
 * resolves the requirements (against PyPI or whatever index the
 * requirements or the builder's pip options name) into wheels, and the layer
 * carries them under /opt/kinetic/wheels with the resolved pins in
 * /opt/kinetic/requirements.lock. Installing those wheels is then an offline
 * `pip install --no-index --find-links /opt/kinetic/wheels -r
 * /opt/kinetic/requirements.lock` in the container (install-requirements.sh,
 * in the layer). Cloud Build, which has a runtime, runs pip install in the
 * image instead. Either way the resolved versions are recorded on the build.
 */
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KineticError } from "../../errors.ts";
import { normalizeName } from "../requirements.ts";
import { BuildFailure } from "../builder.ts";
import type { LayerEntry } from "../tar.ts";
import { runTool } from "./run.ts";

export const WHEELS_DIR = "opt/kinetic/wheels";

export interface PipOptions {
  /** The Python whose pip resolves (default "python3"). */
  python?: string;
  /** Target interpreter and platform of the base image, when it differs from the builder's (e.g. "3.12", "manylinux2014_x86_64"). */
  pythonVersion?: string;
  platform?: string;
  /** Extra pip arguments (e.g. ["--no-index", "--find-links", dir] for an offline wheelhouse). */
  args?: string[];
  timeoutMs?: number;
}

export interface WheelsLayer {
  entries: LayerEntry[];
  resolved: Record<string, string>;
}

/** Resolves `requirements` into wheels under `workDir`; throws BuildFailure when pip cannot. */
export async function resolveWheels(
  requirements: string,
  workDir: string,
  options: PipOptions,
  log: (line: string) => void,
): Promise<WheelsLayer> {
  const wheels = join(workDir, "wheels");
  await mkdir(wheels, { recursive: true });
  const reqFile = join(workDir, "requirements.txt");
  await writeFile(reqFile, requirements);
  const python = options.python ?? "python3";
  const args = [
    "-m",
    "pip",
    "download",
    "--only-binary=:all:",
    "--no-input",
    "--disable-pip-version-check",
    "--progress-bar",
    "off",
    "--dest",
    wheels,
    "-r",
    reqFile,
    ...(options.pythonVersion ? ["--python-version", options.pythonVersion] : []),
    ...(options.platform ? ["--platform", options.platform] : []),
    ...(options.args ?? []),
  ];
  log(`$ ${python} ${args.join(" ")}`);
  const r = await runTool(python, args, {
    log,
    timeoutMs: options.timeoutMs ?? 900_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    hint: "the local builder resolves requirements with pip; install Python 3 with pip",
  });
  for (const line of r.stdout.split("\n")) if (line.trim()) log(line);
  // The builder's own setup, not the requirements: fail loudly (and retryably), never as the user's build.
  if (/No module named pip/.test(r.stderr)) {
    throw new KineticError(
      "failed-precondition",
      `${python} has no pip: the local builder needs it (install python3-pip)`,
    );
  }
  if (r.code !== 0) {
    const why = /ERROR: (.*)/.exec(r.stderr + r.stdout)?.[1] ?? `pip exited with code ${r.code}`;
    throw new BuildFailure("RequirementsFailed", `the requirements could not be installed: ${why}`);
  }
  const files = (await readdir(wheels)).filter((f) => f.endsWith(".whl")).sort();
  const resolved: Record<string, string> = {};
  const entries: LayerEntry[] = [];
  for (const f of files) {
    const [name, version] = f.slice(0, -4).split("-");
    if (name && version) resolved[normalizeName(name)] = version;
    entries.push({
      path: `${WHEELS_DIR}/${f}`,
      kind: "file",
      mode: 0o644,
      size: (await stat(join(wheels, f))).size,
      abs: join(wheels, f),
    });
  }
  const lock = Object.entries(resolved)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([n, v]) => `${n}==${v}\n`)
    .join("");
  const install =
    "#!/bin/sh\n# Installs the wheels the build resolved, offline.\n" +
    `exec python3 -m pip install --no-index --find-links /${WHEELS_DIR} -r /opt/kinetic/requirements.lock "$@"\n`;
  entries.push(
    { path: "opt/kinetic/requirements.txt", kind: "bytes", mode: 0o644, data: Buffer.from(requirements) },
    { path: "opt/kinetic/requirements.lock", kind: "bytes", mode: 0o644, data: Buffer.from(lock) },
    { path: "opt/kinetic/install-requirements.sh", kind: "bytes", mode: 0o755, data: Buffer.from(install) },
  );
  log(
    `resolved ${files.length} wheel(s): ${
      Object.entries(resolved)
        .map(([n, v]) => `${n}==${v}`)
        .join(" ") || "(none)"
    }`,
  );
  return { entries, resolved };
}
