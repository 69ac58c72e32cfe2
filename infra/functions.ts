/**
 * One Cloud Function (gen2) per deploy declaration entry, each with its trigger:
 * - pubsub: a push subscription we own (pubsub.ts) calls the function with an
 *   OIDC token; only the push invoker may invoke it.
 * - http: IAM-checked; invokers come from the config (allUsers only if the
 *   declaration marks it public).
 * - schedule: a Cloud Scheduler job per cron with an OIDC token; only the
 *   scheduler account may invoke it.
 * Every function deploys the same artifact, dist/functions/ (built by
 * `npm run build:functions`): one bundle registering all of them, and a
 * package.json and lockfile listing only what that bundle imports. The entry
 * point selects the function.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { FUNCTIONS, type FunctionSpec } from "../functions/deploy.ts";
import type { TopicKey } from "../shared/bus/topics.ts";
import { functionUrl } from "../shared/config/deployment-names.ts";
import { functionArtifactDir } from "./artifact.ts";
import type { InfraConfig } from "./config.ts";
import { databaseOf } from "./firestore.ts";
import { functionEnvironment, operatorMember } from "./function-env.ts";
import { member, type Identities } from "./iam.ts";
import { deployedName, functionSlug } from "./naming.ts";
import { clusterTopics, createPushSubscriptions, type TopicSet } from "./pubsub.ts";
import type { Registry } from "./registry.ts";

/** A Cloud Scheduler job may run at most 30 minutes; the function's own timeout is the real bound. */
export const attemptDeadline = (spec: FunctionSpec): string => `${Math.min(1800, Math.max(15, spec.timeoutSeconds))}s`;

export interface DeployedFunction {
  spec: FunctionSpec;
  fn: gcp.cloudfunctionsv2.Function;
  url: pulumi.Output<string>;
  /** The stable URL its callers put in their OIDC tokens' audience. */
  audience: string;
}

export interface FunctionOptions {
  /** The checkout or installed CLI package: its dist/functions/ is uploaded at deploy time. */
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
  const artifact = functionArtifactDir(opts.repoRoot);
  return FUNCTIONS.map((spec) => {
    const slug = functionSlug(spec);
    const name = deployedName(cfg.cluster, spec);
    // Known before the function exists, so it can be both the function's accepted audience and its callers'.
    const audience = functionUrl(cfg.project, cfg.region, name);
    const runtimeSa = ids.runtime.get(spec.name);
    if (!runtimeSa) throw new Error(`no runtime service account for ${spec.name}`);
    const source = new gcp.storage.BucketObject(`source-${slug}`, {
      bucket: registry.sourceBucket.name,
      name: `${slug}.zip`,
      // The folder's contents become the zip's root: package.json, package-lock.json, index.js.
      source: new pulumi.asset.FileArchive(artifact),
    });
    const isHttp = spec.trigger.kind === "http";
    const fn = new gcp.cloudfunctionsv2.Function(
      `fn-${slug}`,
      {
        project: cfg.project,
        location: cfg.region,
        name,
        description: `Kinetic ${spec.name} of cluster ${cfg.cluster}`,
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
          environmentVariables: functionEnvironment({
            cfg,
            spec,
            audience,
            scheduler: ids.scheduler.email,
            pushInvoker: ids.pushInvoker.email,
            topics: clusterTopics(cfg),
            database: databaseOf(cfg),
            outputDirBase: registry.outputDirBase,
          }),
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
        createPushSubscriptions(cfg, spec, topics, ids, url, audience);
        break;
      case "http":
        if (spec.trigger.public) invoker("public", "allUsers");
        cfg.apiInvokers.forEach((m, i) => invoker(`config-${i}`, m));
        cfg.operators.forEach((e, i) => invoker(`operator-${i}`, operatorMember(e)));
        break;
      case "schedule":
        invoker("scheduler", member(ids.scheduler));
        new gcp.cloudscheduler.Job(`cron-${slug}`, {
          project: cfg.project,
          region: cfg.region,
          name,
          schedule: spec.trigger.schedule,
          timeZone: spec.trigger.timeZone,
          attemptDeadline: attemptDeadline(spec),
          // The next tick is the retry: the sweeps are idempotent.
          retryConfig: { retryCount: 0 },
          httpTarget: {
            uri: url,
            httpMethod: "POST",
            oidcToken: { serviceAccountEmail: ids.scheduler.email, audience },
          },
        });
        break;
    }
    return { spec, fn, url, audience };
  });
}
