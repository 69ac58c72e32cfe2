/**
 * The Kinetic job file: `kinetic.jobs.yaml` at the root of the build context
 * (the repository root, or the registration's `subdir`). When a pushed commit
 * holds one, its jobs are submitted with the image built from that commit.
 *
 *   # kinetic.jobs.yaml
 *   jobs:
 *     - name: train                 # required: [a-z0-9-], at most 40 characters
 *       command: [python, train.py]
 *       args: [--epochs, "3"]
 *       accelerator: nvidia-l4      # any job-spec field …
 *       env: { WANDB_MODE: offline }
 *
 * Each entry is a job spec (shared/schemas/job-spec-input.ts) with a `name`
 * instead of an `id`, and without `image`, `build` or `namespace`: the image is
 * the commit's build, the namespace the registration's. The job's id is
 * `<name>-<first 12 hex of the commit>`, so a redelivered push finds the same
 * jobs (submission is idempotent) and each new commit gets its own runs. The
 * job also gets GIT_REPOSITORY and GIT_COMMIT in its env.
 * At most 20 jobs, 64 KiB. A file that does not parse fails the push's jobs
 * with the reason (the image is still built).
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { invalid, KineticError } from "../errors.ts";

export const JOB_FILE = "kinetic.jobs.yaml";
export const MAX_JOB_FILE_BYTES = 64 * 1024;
export const MAX_FILE_JOBS = 20;

const OWNED = ["id", "image", "build", "namespace"] as const;

const JobEntry = z
  .looseObject({
    name: z
      .string({ error: "required: the job's name" })
      .regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, "must be 1–40 lowercase letters, digits or '-'"),
  })
  .superRefine((entry, ctx) => {
    for (const field of OWNED)
      if (field in entry)
        ctx.addIssue({
          code: "custom",
          path: [field],
          message:
            field === "id"
              ? "set by Kinetic (<name>-<commit>); give the job a name"
              : `set by Kinetic from the push (${field === "namespace" ? "the registration's namespace" : "the commit's build"})`,
        });
  });
export type JobFileEntry = z.infer<typeof JobEntry>;

const JobFile = z.strictObject({ jobs: z.array(JobEntry).min(1).max(MAX_FILE_JOBS) });

/** Parses the file's text; invalid-argument with the fields at fault. */
export function parseJobFile(text: string): JobFileEntry[] {
  if (Buffer.byteLength(text) > MAX_JOB_FILE_BYTES)
    throw invalid(`${JOB_FILE} is over ${MAX_JOB_FILE_BYTES} bytes`, [{ field: JOB_FILE, message: "too large" }]);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw invalid(`${JOB_FILE} does not parse: ${(err as Error).message.split("\n")[0]}`, [
      { field: JOB_FILE, message: "not valid YAML" },
    ]);
  }
  const r = JobFile.safeParse(doc);
  if (r.success) {
    const names = r.data.jobs.map((j) => j.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw invalid(`${JOB_FILE}: two jobs are named ${dup}`, [{ field: "jobs", message: `duplicate ${dup}` }]);
    return r.data.jobs;
  }
  const issues = r.error.issues.map((i) => ({
    field: i.path.join(".") || (i.code === "unrecognized_keys" ? i.keys.join(", ") : "(root)"),
    message: i.code === "unrecognized_keys" ? "unknown field (the file holds `jobs:`)" : i.message,
  }));
  throw invalid(`${JOB_FILE} is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, issues);
}

export type JobFileRead = { found: false } | { found: true; jobs: JobFileEntry[] } | { found: true; error: string };

/** The job file's outcome from its text (undefined: the commit has none); a bad file carries its reason. */
export function jobFileFrom(text: string | undefined): JobFileRead {
  if (text === undefined) return { found: false };
  try {
    return { found: true, jobs: parseJobFile(text) };
  } catch (err) {
    if (err instanceof KineticError) return { found: true, error: err.message };
    throw err;
  }
}

/** The job id of an entry at a commit. */
export const fileJobId = (name: string, commit: string): string => `${name}-${commit.slice(0, 12)}`;

/** The job specs to submit: each entry with its id, namespace, image (or build) and Git env filled in. */
export function fileJobSpecs(
  entries: readonly JobFileEntry[],
  ctx: { namespace: string; commit: string; repository: string } & (
    { image: string } | { build: Record<string, unknown> }
  ),
): Record<string, unknown>[] {
  return entries.map(({ name, ...rest }) => {
    const env = typeof rest.env === "object" && rest.env !== null && !Array.isArray(rest.env) ? rest.env : {};
    return {
      ...rest,
      id: fileJobId(name, ctx.commit),
      namespace: ctx.namespace,
      ...("image" in ctx ? { image: ctx.image } : { build: ctx.build }),
      env: { GIT_REPOSITORY: ctx.repository, GIT_COMMIT: ctx.commit, ...env },
    };
  });
}
