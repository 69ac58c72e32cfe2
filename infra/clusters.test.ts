// Several clusters in one project: two stacks rendered under mocks share only
// what they must (the project's APIs; the state bucket is outside the program),
// every other resource is named per cluster within GCP's limits, their data
// and topics are apart, and the CLI's default API URL is the profile's cluster's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeProfiles } from "../shared/config/profiles.ts";
import { resolveConfig } from "../shared/config/resolve.ts";
import { clusterTag } from "../shared/config/deployment-names.ts";
import { parseInfraConfig } from "./config.ts";
import { byType, runDeploy, type Recorded } from "./test-support.ts";

const PROJECT = "acme-ml-research-platform-01"; // 28 of the 30 characters a project id may have
const CLUSTERS = ["train", "research-tpu-v5e-multislice-europe"] as const;
const SHARED_TYPES = new Set(["gcp:projects/service:Service"]);
const IDENTIFYING = [
  "project",
  "location",
  "region",
  "name",
  "accountId",
  "repositoryId",
  "cluster",
  "database",
  "roleId",
];
const IDENTIFYING_SCOPE = ["bucket", "topic", "subscription", "serviceAccountId", "repository", "member", "role"];

/** A GCP resource's identity: what two stacks would fight over if it were equal. */
function identity(r: Recorded): string | undefined {
  if (!r.type.startsWith("gcp:")) return undefined; // Kubernetes objects live inside each cluster
  const keys = [...IDENTIFYING, ...IDENTIFYING_SCOPE, "collection", "field", "fields"];
  const picked = Object.fromEntries(keys.filter((k) => r.inputs[k] !== undefined).map((k) => [k, r.inputs[k]]));
  return `${r.type} ${JSON.stringify(picked)}`;
}

const stacks: Record<string, Recorded[]> = {};
const outputs: Record<string, Record<string, unknown>> = {};
beforeAll(async () => {
  for (const cluster of CLUSTERS) {
    const r = await runDeploy(parseInfraConfig({ project: PROJECT, zone: "europe-west4-a", cluster }));
    stacks[cluster] = r.resources;
    outputs[cluster] = r.outputs;
  }
}, 60_000);

const names = (cluster: string, type: string, field = "name") =>
  byType(stacks[cluster]!, type).map((r) => r.inputs[field] as string);

describe("two clusters in one project", () => {
  it("share only the project's APIs: every other resource identity differs", () => {
    const [a, b] = CLUSTERS.map((c) => new Set(stacks[c]!.map(identity).filter((x): x is string => x !== undefined)));
    const common = [...a!].filter((id) => b!.has(id));
    expect(common.length).toBeGreaterThan(0);
    for (const id of common) expect(SHARED_TYPES.has(id.split(" ")[0]!), id).toBe(true);
  });

  it("names everything within GCP's limits", () => {
    for (const c of CLUSTERS) {
      for (const id of names(c, "gcp:serviceaccount/account:Account", "accountId"))
        expect(id).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
      for (const n of names(c, "gcp:cloudfunctionsv2/function:Function"))
        expect(n).toMatch(/^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$/);
      for (const t of [...names(c, "gcp:pubsub/topic:Topic"), ...names(c, "gcp:pubsub/subscription:Subscription")])
        expect(t).toMatch(/^[a-zA-Z][\w\-.~+%]{2,254}$/);
      for (const j of names(c, "gcp:cloudscheduler/job:Job")) expect(j).toMatch(/^[a-zA-Z\d_-]{1,500}$/);
      for (const bucket of names(c, "gcp:storage/bucket:Bucket"))
        expect(bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      for (const db of names(c, "gcp:firestore/database:Database"))
        expect(db).toMatch(/^[a-z][a-z0-9-]{2,61}[a-z0-9]$/);
      for (const repo of names(c, "gcp:artifactregistry/repository:Repository", "repositoryId"))
        expect(repo).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
    }
  });

  it("tags a long cluster name by prefix and hash, and tells two long names with one prefix apart", () => {
    expect(clusterTag("train")).toBe("train");
    expect(clusterTag(CLUSTERS[1])).toMatch(/^resea-[0-9a-f]{4}$/);
    expect(clusterTag("research-tpu-v5e-multislice-europe")).not.toBe(clusterTag("research-tpu-v5e-multislice-asia"));
    expect(names(CLUSTERS[1], "gcp:serviceaccount/account:Account", "accountId")).toContain(
      `kinetic-${clusterTag(CLUSTERS[1])}-cleanup-ttl`,
    );
  });

  it("keeps each cluster's job data in its own Firestore database and messages on its own topics", () => {
    const [a, b] = CLUSTERS.map((c) => outputs[c]!);
    expect(a!.firestoreDatabase).not.toBe(b!.firestoreDatabase);
    expect(a!.topics).not.toEqual(b!.topics);
    for (const c of CLUSTERS) {
      for (const fn of byType(stacks[c]!, "gcp:cloudfunctionsv2/function:Function")) {
        const env = fn.inputs.serviceConfig.environmentVariables;
        expect(env.KINETIC_FIRESTORE_DATABASE).toBe(outputs[c]!.firestoreDatabase);
        expect(env.KINETIC_TOPIC_JOBS).toBe((outputs[c]!.topics as Record<string, string>).jobs);
      }
    }
  });
});

describe("the CLI and the active profile's cluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-clusters-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reaches the api function of the active profile's cluster by default", async () => {
    const file = join(dir, "profiles.json");
    const profiles = Object.fromEntries(
      CLUSTERS.map((cluster) => [cluster, { project: PROJECT, zone: "europe-west4-a", cluster, namespace: "default" }]),
    );
    for (const cluster of CLUSTERS) {
      await writeProfiles(file, { current: cluster, profiles });
      const config = await resolveConfig({
        env: { KINETIC_PROFILES_FILE: file },
        gcloudProject: async () => undefined,
      });
      const api = byType(stacks[cluster]!, "gcp:cloudfunctionsv2/function:Function").find((f) =>
        String(f.inputs.name).endsWith("-api"),
      )!;
      expect(config.settings.apiUrl.value).toBe(outputs[cluster]!.apiUrl);
      expect(config.settings.apiUrl.value).toBe(
        `https://europe-west4-${PROJECT}.cloudfunctions.net/${api.inputs.name}`,
      );
    }
  });
});
