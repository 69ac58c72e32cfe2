// Each deployed function's environment against the runtime settings declaration:
// what the runtime needs is set by infra or deliberately defaulted, nothing else is set,
// and each function is told its own audience and the identities its trigger sends.
import { beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS, triggerTopics } from "../functions/deploy.ts";
import { loadRuntimeConfig, loadWiring } from "../shared/runtime-config.ts";
import { RUNTIME_SETTINGS, isRequired, type RuntimeSettingName } from "../shared/runtime-settings.ts";
import { authConfigFromEnv } from "../shared/security/auth.ts";
import { parseInfraConfig } from "./config.ts";
import { GCLOUD_AUDIENCE, apiAllowed, environmentProblems, roleOf } from "./function-env.ts";
import { deployedName } from "./naming.ts";
import { byType, runDeploy, type Recorded } from "./test-support.ts";

const INPUT = {
  project: "acme-ml",
  zone: "us-central1-a",
  cluster: "train",
  namespaces: ["default", "ml"],
  apiInvokers: ["user:alice@example.com", "domain:example.org"],
  operators: ["ops@example.com"],
};
const CFG = parseInfraConfig(INPUT);
const email = (id: string) => `kinetic-train-${id}@acme-ml.iam.gserviceaccount.com`;
const url = (name: string) => `https://us-central1-acme-ml.cloudfunctions.net/${name}`;

let resources: Recorded[];
const envOf = (name: string): Record<string, string> => {
  const fn = byType(resources, "gcp:cloudfunctionsv2/function:Function").find((f) => f.inputs.name === name);
  return fn!.inputs.serviceConfig.environmentVariables;
};
beforeAll(async () => {
  ({ resources } = await runDeploy(CFG));
}, 60_000);

describe("the runtime settings declaration", () => {
  it("leaves no required setting to chance: each has no default only if infra sets it", () => {
    for (const name of Object.keys(RUNTIME_SETTINGS) as RuntimeSettingName[]) {
      if (isRequired(name)) expect(RUNTIME_SETTINGS[name].deploy, name).toBe("infra");
    }
  });

  it("flags an environment that misses what infra owns, carries a stray variable, or a test-only one", () => {
    // The wiring every function had before: the runtime refused every call with it.
    const old = {
      NODE_ENV: "production",
      KINETIC_PROJECT: "acme-ml",
      KINETIC_ZONE: "us-central1-a",
      KINETIC_CLUSTER: "train",
      KINETIC_IMAGE_REPOSITORY: "us-central1-docker.pkg.dev/acme-ml/kinetic",
      KINETIC_TEST_GOOGLE_CERTS_URL: "http://127.0.0.1:1/certs",
    };
    const problems = environmentProblems("cron", old).join("\n");
    for (const missing of [
      "KINETIC_AUTH_AUDIENCES",
      "KINETIC_AUTH_ALLOWED",
      "KINETIC_SCHEDULER_PRINCIPALS",
      "KINETIC_DEFAULT_QUEUE",
      "KINETIC_NAMESPACE_POLICY",
      "KINETIC_OUTPUT_DIR_BASE",
      "KINETIC_FIRESTORE_DATABASE",
    ])
      expect(problems).toContain(`${missing} is not set`);
    expect(problems).toContain("KINETIC_IMAGE_REPOSITORY is set but nothing");
    expect(problems).toContain("KINETIC_TEST_GOOGLE_CERTS_URL is test-only");
  });
});

describe("each function's environment as deployed", () => {
  it("is sound for every declared function and parses as the runtime parses it", () => {
    for (const spec of FUNCTIONS) {
      const env = envOf(deployedName("train", spec));
      expect(environmentProblems(roleOf(spec), env), spec.name).toEqual([]);
      expect(() => loadRuntimeConfig(env), spec.name).not.toThrow();
      expect(loadWiring(env)).toEqual({
        projectId: "acme-ml",
        databaseId: "kinetic-train",
        topics: {
          jobs: "kinetic-train-jobs",
          jobEvents: "kinetic-train-job-events",
          tuning: "kinetic-train-tuning",
          builds: "kinetic-train-builds",
          cloudBuilds: "kinetic-train-cloud-builds",
        },
      });
      expect(env.KINETIC_IMAGE_REPOSITORY).toBeUndefined();
    }
  });

  it("sets what the README promises: the default queue, the namespace policy, the output base", () => {
    for (const spec of FUNCTIONS) {
      const config = loadRuntimeConfig(envOf(deployedName("train", spec)));
      expect(config.defaultQueue).toBe("kinetic");
      expect(config.namespacePolicy).toEqual({ "*": ["default", "ml"], "ops@example.com": ["*"] });
      expect(config.outputDirBase).toBe("gs://acme-ml-kinetic-train-outputs");
    }
  });

  it("tells each function its own URL as its audience, and only its trigger's identity", () => {
    for (const spec of FUNCTIONS) {
      const name = deployedName("train", spec);
      const auth = authConfigFromEnv(envOf(name));
      expect(auth.staticTokens, spec.name).toEqual([]);
      expect(auth.certsUrl).toBeUndefined();
      switch (roleOf(spec)) {
        case "cron":
          expect(auth.audiences).toEqual([url(name)]);
          expect(auth.allowedEmails).toEqual([email("scheduler")]);
          expect(loadRuntimeConfig(envOf(name)).schedulers).toEqual([email("scheduler")]);
          break;
        case "push":
          expect(auth.audiences).toEqual([url(name)]);
          expect(auth.allowedEmails).toEqual([email("push")]);
          break;
        case "api":
          expect(auth.audiences).toEqual([url(name), GCLOUD_AUDIENCE]);
          expect(auth.allowedEmails.sort()).toEqual(["alice@example.com", "domain:example.org", "ops@example.com"]);
      }
    }
  });

  it("uses the same audience on the Scheduler jobs and the push subscription as the function accepts", () => {
    for (const job of byType(resources, "gcp:cloudscheduler/job:Job")) {
      const aud = job.inputs.httpTarget.oidcToken.audience;
      expect(authConfigFromEnv(envOf(job.inputs.name)).audiences).toContain(aud);
      expect(job.inputs.httpTarget.uri).toBe(aud);
    }
    const push = byType(resources, "gcp:pubsub/subscription:Subscription").filter((s) => s.inputs.pushConfig);
    // One push subscription per topic a Pub/Sub-triggered function takes.
    expect(push).toHaveLength(
      FUNCTIONS.flatMap((f) => (f.trigger.kind === "pubsub" ? triggerTopics(f.trigger) : [])).length,
    );
    for (const sub of push) {
      const aud = sub.inputs.pushConfig.oidcToken.audience;
      expect(sub.inputs.pushConfig.pushEndpoint).toBe(aud);
      const target = FUNCTIONS.find((f) => url(deployedName("train", f)) === aud)!;
      expect(authConfigFromEnv(envOf(deployedName("train", target))).allowedEmails).toEqual([email("push")]);
    }
  });

  it("lets a group among the API invokers through to IAM, which checks membership", () => {
    expect(apiAllowed(parseInfraConfig({ ...INPUT, apiInvokers: ["group:ml@example.com", "user:a@b.c"] }))).toEqual([
      "*",
    ]);
    expect(apiAllowed(parseInfraConfig({ ...INPUT, apiInvokers: [], operators: [] }))).toEqual([]);
  });
});
