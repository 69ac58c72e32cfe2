/**
 * One Cloud Function (gen2) per manifest entry, each with its trigger:
 * - pubsub: a push subscription we own (pubsub.ts) calls the function with an
 *   OIDC token; only the push invoker may invoke it.
 * - http: IAM-checked; invokers come from the config (allUsers only if the
 *   manifest marks it public).
 * - schedule: a Cloud Scheduler job per cron with an OIDC token; only the
 *   scheduler account may invoke it.
 * Sources are the compiled tree (`npm run build` → dist/) with a package.json
 * whose `main` is the function's own module.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTIONS, type FunctionSpec, type TopicKey } from "../functions/manifest.ts";
import type { InfraConfig } from "./config.ts";
import { member, type Identities } from "./iam.ts";
import { functionSlug } from "./naming.ts";
import { createPushSubscription, type TopicSet } from "./pubsub.ts";
import type { Registry } from "./registry.ts";

/** "functions/submit-job/index.ts" → "dist/functions/submit-job/index.js" (tsconfig.build.json). */
export function compiledEntry(spec: FunctionSpec): string {
  return `dist/${spec.source.replace(/\.ts$/, ".js")}`;
}

/**
 * The package.json shipped with a function: the repo's own (the lockfile must
 * still match it) with `main` pointing at the function and the build scripts
 * neutralised, because the code arrives compiled.
 */
export function functionPackageJson(rootPackageJson: Record<string, unknown>, spec: FunctionSpec): string {
  const pkg: Record<string, unknown> = { ...rootPackageJson, main: compiledEntry(spec), scripts: { "gcp-build": "" } };
  delete pkg.bin;
  return JSON.stringify(pkg, null, 2);
}

/** A Cloud Scheduler job may run at most 30 minutes; the function's own timeout is the real bound. */
export const attemptDeadline = (spec: FunctionSpec): string => `${Math.min(1800, Math.max(15, spec.timeoutSeconds))}s`;

export interface DeployedFunction {
  spec: FunctionSpec;
  fn: gcp.cloudfunctionsv2.Function;
  url: pulumi.Output<string>;
}

export interface FunctionOptions {
  /** Repository root: package.json, package-lock.json and dist/ are read from here at deploy time. */
  repoRoot: string;
}

export function createFunctions(
  cfg: InfraConfig,
  ids: Identities,
  topics: Map<TopicKey, TopicSet>,
  registry: Registry,
  opts: FunctionOptions,
  dependsOn: pulumi.Resource[],
): DeployedFunction[] {
  const rootPackageJson = JSON.parse(readFileSync(join(opts.repoRoot, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;
  return FUNCTIONS.map((spec) => {
    const slug = functionSlug(spec);
    const runtimeSa = ids.runtime.get(spec.name);
    if (!runtimeSa) throw new Error(`no runtime service account for ${spec.name}`);
    const source = new gcp.storage.BucketObject(`source-${slug}`, {
      bucket: registry.sourceBucket.name,
      name: `${slug}.zip`,
      source: new pulumi.asset.AssetArchive({
        "package.json": new pulumi.asset.StringAsset(functionPackageJson(rootPackageJson, spec)),
        "package-lock.json": new pulumi.asset.FileAsset(join(opts.repoRoot, "package-lock.json")),
        dist: new pulumi.asset.FileArchive(join(opts.repoRoot, "dist")),
      }),
    });
    const isHttp = spec.trigger.kind === "http";
    const fn = new gcp.cloudfunctionsv2.Function(
      `fn-${slug}`,
      {
        project: cfg.project,
        location: cfg.region,
        name: slug,
        description: `Kinetic ${spec.name}`,
        buildConfig: {
          runtime: cfg.versions.functionsRuntime,
          entryPoint: spec.name,
          // The generation changes on every upload, which is what redeploys the function.
          source: {
            storageSource: {
              bucket: registry.sourceBucket.name,
              object: source.name,
              generation: source.generation.apply(Number),
            },
          },
        },
        serviceConfig: {
          serviceAccountEmail: runtimeSa.email,
          timeoutSeconds: spec.timeoutSeconds,
          availableMemory: spec.memory,
          // Concurrency above 1 needs at least one vCPU; otherwise the memory size's default applies.
          ...(spec.concurrency > 1 ? { availableCpu: "1" } : {}),
          maxInstanceCount: spec.maxInstances,
          maxInstanceRequestConcurrency: spec.concurrency,
          // Pub/Sub push and Cloud Scheduler count as internal traffic in the same project.
          ingressSettings: isHttp ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY",
          allTrafficOnLatestRevision: true,
          environmentVariables: {
            NODE_ENV: "production",
            KINETIC_PROJECT: cfg.project,
            KINETIC_ZONE: cfg.zone,
            KINETIC_CLUSTER: cfg.cluster,
            KINETIC_IMAGE_REPOSITORY: registry.imageRepository,
          },
        },
      },
      { dependsOn },
    );
    const url = fn.url;
    const invoker = (suffix: string, who: pulumi.Input<string>) =>
      new gcp.cloudrunv2.ServiceIamMember(`fn-${slug}-invoker-${suffix}`, {
        project: cfg.project,
        location: cfg.region,
        // gen2: the Cloud Run service carries the function's name.
        name: fn.name,
        role: "roles/run.invoker",
        member: who,
      });

    switch (spec.trigger.kind) {
      case "pubsub":
        invoker("push", member(ids.pushInvoker));
        createPushSubscription(cfg, spec, topics, ids, url);
        break;
      case "http":
        if (spec.trigger.public) invoker("public", "allUsers");
        cfg.apiInvokers.forEach((m, i) => invoker(`config-${i}`, m));
        break;
      case "schedule":
        invoker("scheduler", member(ids.scheduler));
        new gcp.cloudscheduler.Job(`cron-${slug}`, {
          project: cfg.project,
          region: cfg.region,
          name: `kinetic-${slug}`,
          schedule: spec.trigger.schedule,
          timeZone: spec.trigger.timeZone,
          attemptDeadline: attemptDeadline(spec),
          // The next tick is the retry: the sweeps are idempotent.
          retryConfig: { retryCount: 0 },
          httpTarget: {
            uri: url,
            httpMethod: "POST",
            oidcToken: { serviceAccountEmail: ids.scheduler.email, audience: url },
          },
        });
        break;
    }
    return { spec, fn, url };
  });
}
