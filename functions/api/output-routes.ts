/**
 * A job's durable outputs over the API, with the caller's namespace rights
 * (a job outside them is a 404, as everywhere): GET /jobs/{id}/outputs lists
 * the files under its output dir, GET /jobs/{id}/outputs/{path} streams one.
 * They work after the pods and the Kubernetes Job are gone: the record keeps
 * the output dir and the files live in Cloud Storage (or a local folder).
 * The API streams rather than signing URLs, so no signing key is needed and
 * every read is authorised per caller, like the logs route.
 */
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { Namespace } from "../../shared/schemas/job-spec-fields.ts";
import { allowedNamespaces } from "../../shared/jobs/namespace-policy.ts";
import { requireVisibleJob } from "../../shared/jobs/find.ts";
import { outputDirOf } from "../../shared/manifests/render.ts";
import { createOutputReader, type OutputReader } from "../../shared/outputs/reader.ts";
import type { Deps } from "../../shared/deps.ts";
import type { JobDoc } from "../../shared/store/job-store.ts";
import type { Principal } from "../../shared/security/auth.ts";
import type { RouteGroup } from "./app.ts";

const JobQuery = z.object({ namespace: Namespace.optional() });

/** Deps built by a test or local mode may carry no reader: local folders and a local server need no token. */
const fallbackReader = (): OutputReader =>
  createOutputReader(process.env.STORAGE_EMULATOR_HOST ? { endpoint: process.env.STORAGE_EMULATOR_HOST } : {});

async function jobOf(deps: Deps, principal: Principal, id: string, query: unknown): Promise<JobDoc> {
  const q = JobQuery.safeParse(query);
  if (!q.success)
    throw new KineticError("invalid-argument", "invalid query: namespace", {
      issues: [{ field: "namespace", message: q.error.issues[0]?.message ?? "invalid" }],
    });
  return requireVisibleJob(deps.store, id, {
    allowed: allowedNamespaces(deps.config.namespacePolicy, principal.id),
    ...(q.data.namespace !== undefined ? { namespace: q.data.namespace } : {}),
  });
}

/** Where the job's outputs are: as recorded at submission, else as its spec and this deployment say. */
export function outputDirOfJob(job: JobDoc, base: string): string {
  if (job.outputDir) return job.outputDir;
  const outputDir = typeof job.spec?.outputDir === "string" ? job.spec.outputDir : undefined;
  return outputDirOf(job.id, { namespace: job.namespace, ...(outputDir ? { outputDir } : {}) }, base)!;
}

export const outputRoutes: RouteGroup = (app, route) => {
  app.get(
    "/jobs/:id/outputs",
    route(async (req, res, deps, principal) => {
      const job = await jobOf(deps, principal, String(req.params.id), req.query);
      const outputDir = outputDirOfJob(job, deps.config.outputDirBase);
      const files = await (deps.outputs ?? fallbackReader()).list(outputDir);
      res.json({ jobId: job.id, namespace: job.namespace, outputDir, files });
    }),
  );

  app.get(
    "/jobs/:id/outputs/*path",
    route(async (req, res, deps, principal) => {
      const job = await jobOf(deps, principal, String(req.params.id), req.query);
      const raw = (req.params as { path?: string | string[] }).path;
      const path = Array.isArray(raw) ? raw.join("/") : String(raw ?? "");
      const file = await (deps.outputs ?? fallbackReader()).open(outputDirOfJob(job, deps.config.outputDirBase), path);
      res.type("application/octet-stream");
      if (file.size !== undefined) res.setHeader("content-length", String(file.size));
      await new Promise<void>((resolve, reject) => {
        file.body.on("error", reject);
        res.on("finish", resolve);
        res.on("close", resolve);
        file.body.pipe(res);
      });
    }),
  );
};
