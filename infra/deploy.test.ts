// The deployment under Pulumi's in-process mocks: what gets created, with
// which settings and grants, derived from the deploy declaration and the query list.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS, TTL_POLICIES, triggerTopics } from "../functions/deploy.ts";
import { TOPICS } from "../shared/bus/topics.ts";
import { QUERIES } from "../shared/store/queries.ts";
import { REQUIRED_APIS } from "./apis.ts";
import { HOOK_SECRET_WRITER_PERMISSIONS } from "./hook-secrets.ts";
import { parseInfraConfig, type InfraConfigInput } from "./config.ts";
import { compositeIndexes } from "./firestore.ts";
import { CLUSTER_LOOKUP_ROLE, NODE_ROLE } from "./iam.ts";
import { functionSlug, runtimeAccountId } from "./naming.ts";
import { PROJECT_NUMBER, REPO_ROOT, byType, runDeploy, type Recorded } from "./test-support.ts";

const T = {
  service: "gcp:projects/service:Service",
  repo: "gcp:artifactregistry/repository:Repository",
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  topic: "gcp:pubsub/topic:Topic",
  subscription: "gcp:pubsub/subscription:Subscription",
  topicIam: "gcp:pubsub/topicIAMMember:TopicIAMMember",
  subscriptionIam: "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember",
  projectIam: "gcp:projects/iAMMember:IAMMember",
  saIam: "gcp:serviceaccount/iAMMember:IAMMember",
  runIam: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  database: "gcp:firestore/database:Database",
  index: "gcp:firestore/index:Index",
  field: "gcp:firestore/field:Field",
  fn: "gcp:cloudfunctionsv2/function:Function",
  sourceObject: "gcp:storage/bucketObject:BucketObject",
  cron: "gcp:cloudscheduler/job:Job",
  account: "gcp:serviceaccount/account:Account",
  release: "kubernetes:helm.sh/v3:Release",
  flavor: "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor",
  clusterQueue: "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue",
  localQueue: "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue",
  binding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
} as const;

const BASE: InfraConfigInput = {
  project: "acme-ml",
  zone: "us-central1-a",
  cluster: "train",
  apiInvokers: ["group:ml-team@example.com"],
  namespaces: ["default", "research"],
  pools: [
    {
      name: "l4",
      kind: "gpu",
      machineType: "g2-standard-12",
      gpuType: "nvidia-l4",
      gpusPerNode: 1,
      maxNodes: 3,
      spot: true,
    },
    { name: "v6e-16", kind: "tpu", machineType: "ct6e-standard-4t", topology: "4x4", reservation: "v6e-res" },
  ],
};

// The cluster "train" fits the 10-character tag budget, so it is its own tag.
const email = (id: string) => `${id.replace(/^kinetic-/, "kinetic-train-")}@acme-ml.iam.gserviceaccount.com`;
const sa = (accountId: string) => `serviceAccount:${email(accountId)}`;
const PUBSUB_AGENT = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
const fnUrl = (slug: string) => `https://us-central1-acme-ml.cloudfunctions.net/kinetic-train-${slug}`;
const runtimeEmail = (spec: (typeof FUNCTIONS)[number]) =>
  `${runtimeAccountId("train", spec)}@acme-ml.iam.gserviceaccount.com`;

let resources: Recorded[];
let outputs: Record<string, unknown>;
beforeAll(async () => {
  ({ resources, outputs } = await runDeploy(parseInfraConfig(BASE)));
});
const of = (type: string) => byType(resources, type);
const one = (type: string, name: string): Recorded => {
  const found = of(type).filter((r) => r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]!;
};

describe("platform", () => {
  it("enables every required API and keeps it enabled on teardown", () => {
    const services = of(T.service);
    expect(services.map((s) => s.inputs.service).sort()).toEqual([...REQUIRED_APIS].sort());
    for (const s of services) expect(s.inputs.disableOnDestroy).toBe(false);
  });

  it("creates a Docker repository in the cluster's region", () => {
    const repo = one(T.repo, "images");
    expect(repo.inputs).toMatchObject({ format: "DOCKER", location: "us-central1", repositoryId: "kinetic-train" });
    expect(outputs.imageRepository).toBe("us-central1-docker.pkg.dev/acme-ml/kinetic-train");
  });
});

describe("GKE", () => {
  it("is a zonal Standard cluster with Workload Identity and no default pool", () => {
    const c = one(T.cluster, "cluster");
    expect(c.inputs).toMatchObject({
      name: "train",
      location: "us-central1-a",
      removeDefaultNodePool: true,
      workloadIdentityConfig: { workloadPool: "acme-ml.svc.id.goog" },
    });
    expect(c.inputs.enableAutopilot).toBeUndefined();
  });

  it("has an autoscaled CPU pool and every node uses the Kinetic node account with GKE metadata", () => {
    const cpu = one(T.nodePool, "pool-cpu");
    expect(cpu.inputs).toMatchObject({ name: "cpu", autoscaling: { minNodeCount: 1, maxNodeCount: 5 } });
    for (const p of of(T.nodePool)) {
      expect(p.inputs.nodeConfig.serviceAccount).toBe(email("kinetic-nodes"));
      expect(p.inputs.nodeConfig.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
    }
  });

  it("makes a spot GPU pool with its accelerators and no reservation", () => {
    const l4 = one(T.nodePool, "pool-l4");
    expect(l4.inputs).toMatchObject({ name: "l4", autoscaling: { minNodeCount: 0, maxNodeCount: 3 } });
    expect(l4.inputs.nodeConfig).toMatchObject({
      machineType: "g2-standard-12",
      spot: true,
      guestAccelerators: [{ type: "nvidia-l4", count: 1 }],
    });
    expect(l4.inputs.nodeConfig.reservationAffinity).toBeUndefined();
    expect(l4.inputs.placementPolicy).toBeUndefined();
  });

  it("makes a multi-host TPU slice pool with compact placement, its topology and its reservation", () => {
    const tpu = one(T.nodePool, "pool-v6e-16");
    // 4x4 = 16 chips on 4-chip VMs: 4 hosts, scaled as one unit.
    expect(tpu.inputs).toMatchObject({
      name: "v6e-16",
      placementPolicy: { type: "COMPACT", tpuTopology: "4x4" },
      autoscaling: { minNodeCount: 0, maxNodeCount: 4 },
    });
    expect(tpu.inputs.nodeConfig).toMatchObject({
      machineType: "ct6e-standard-4t",
      spot: false,
      reservationAffinity: {
        consumeReservationType: "SPECIFIC_RESERVATION",
        key: "compute.googleapis.com/reservation-name",
        values: ["v6e-res"],
      },
    });
  });
});

describe("Pub/Sub", () => {
  it("creates every declared topic with a dead-letter topic and a dead-letter subscription", () => {
    const topicNames = of(T.topic).map((t) => t.inputs.name);
    const subs = of(T.subscription);
    for (const [key, base] of Object.entries(TOPICS)) {
      const name = base.replace(/^kinetic-/, "kinetic-train-");
      expect(topicNames).toContain(name);
      expect(topicNames).toContain(`${name}-dlq`);
      const dlqSub = subs.find((s) => s.inputs.topic === `topic-${key}-dlq-id`);
      expect(dlqSub, `dead-letter subscription for ${name}`).toBeDefined();
      // The service agent may publish dead letters to this DLQ.
      const grant = of(T.topicIam).find((g) => g.inputs.topic === `${name}-dlq` && g.inputs.member === PUBSUB_AGENT);
      expect(grant?.inputs.role).toBe("roles/pubsub.publisher");
    }
  });

  it("gives every delivery subscription a dead-letter policy and an exponential retry policy from the deploy declaration", () => {
    const deadLetterTopicIds = new Set(Object.keys(TOPICS).map((k) => `topic-${k}-dlq-id`));
    const delivery = of(T.subscription).filter((s) => !deadLetterTopicIds.has(s.inputs.topic));
    const pubsubFns = FUNCTIONS.filter((f) => f.trigger.kind === "pubsub");
    const pushes = pubsubFns.flatMap((f) => (f.trigger.kind === "pubsub" ? triggerTopics(f.trigger) : []));
    expect(delivery).toHaveLength(pushes.length);
    for (const sub of delivery) {
      expect(sub.inputs.deadLetterPolicy?.deadLetterTopic, sub.name).toMatch(/^topic-.+-dlq-id$/);
      expect(sub.inputs.retryPolicy?.minimumBackoff, sub.name).toMatch(/^\d+s$/);
      expect(sub.inputs.retryPolicy?.maximumBackoff, sub.name).toMatch(/^\d+s$/);
    }
    for (const f of pubsubFns) {
      if (f.trigger.kind !== "pubsub") continue;
      // One subscription per topic (tuneStudy: tuning and job events), the trigger's own first.
      for (const [i, key] of triggerTopics(f.trigger).entries()) {
        const sub = one(T.subscription, `sub-${functionSlug(f)}${i === 0 ? "" : `-${key}`}`);
        expect(sub.inputs).toMatchObject({
          name: `${TOPICS[key].replace(/^kinetic-/, "kinetic-train-")}-${functionSlug(f)}`,
          topic: `topic-${key}-id`,
          retryPolicy: {
            minimumBackoff: `${f.trigger.minBackoffSeconds}s`,
            maximumBackoff: `${f.trigger.maxBackoffSeconds}s`,
          },
          deadLetterPolicy: {
            deadLetterTopic: `topic-${key}-dlq-id`,
            maxDeliveryAttempts: f.trigger.maxDeliveryAttempts,
          },
          pushConfig: {
            pushEndpoint: fnUrl(functionSlug(f)),
            oidcToken: { serviceAccountEmail: email("kinetic-push"), audience: fnUrl(functionSlug(f)) },
          },
        });
        // Dead-lettering needs the agent to ack on the source subscription.
        const grant = of(T.subscriptionIam).find((g) => g.inputs.subscription === sub.inputs.name);
        expect(grant?.inputs).toMatchObject({ role: "roles/pubsub.subscriber", member: PUBSUB_AGENT });
      }
    }
  });
});

describe("Firestore", () => {
  it("has one composite index per declared query, with the query's fields in order", () => {
    const indexes = of(T.index);
    expect(indexes).toHaveLength(Object.keys(QUERIES).length);
    for (const q of Object.values(QUERIES)) {
      const want = q.fields.map((f) => ({ fieldPath: f.field, order: f.order }));
      const match = indexes.filter(
        (ix) => ix.inputs.collection === q.collection && JSON.stringify(ix.inputs.fields) === JSON.stringify(want),
      );
      expect(match, JSON.stringify(want)).toHaveLength(1);
      expect(match[0]!.inputs.queryScope).toBe("COLLECTION");
    }
  });

  it("derives indexes from the declarations: a new query is a new index", () => {
    const extra = {
      ...QUERIES,
      byOwner: { collection: "jobs", fields: [{ field: "owner", order: "ASCENDING" as const }], usedBy: "test" },
    };
    expect(compositeIndexes(extra)).toHaveLength(Object.keys(QUERIES).length + 1);
    expect(compositeIndexes(extra).at(-1)).toEqual({
      name: "byOwner",
      collection: "jobs",
      fields: [{ fieldPath: "owner", order: "ASCENDING" }],
    });
  });

  it("creates the database and a TTL policy on every declared TTL field", () => {
    expect(one(T.database, "firestore").inputs).toMatchObject({
      name: "kinetic-train",
      type: "FIRESTORE_NATIVE",
      locationId: "us-central1",
    });
    const fields = of(T.field);
    expect(fields).toHaveLength(TTL_POLICIES.length);
    for (const p of TTL_POLICIES) {
      const f = fields.find((x) => x.inputs.collection === p.collection && x.inputs.field === p.field);
      expect(f?.inputs.ttlConfig, `${p.collection}.${p.field}`).toBeDefined();
    }
    expect(TTL_POLICIES.map((p) => p.field)).toContain("expireAt");
  });
});

describe("functions and triggers", () => {
  it("uploads the built functions artifact (dist/functions) for every function, not the repository's package files", async () => {
    const objects = of(T.sourceObject);
    expect(objects.map((o) => o.name).sort()).toEqual(FUNCTIONS.map((f) => `source-${functionSlug(f)}`).sort());
    for (const o of objects) {
      expect(o.inputs.source, o.name).toBeInstanceOf(pulumi.asset.FileArchive);
      expect(await (o.inputs.source as pulumi.asset.FileArchive).path, o.name).toBe(
        join(REPO_ROOT, "dist", "functions"),
      );
    }
  });

  it("deploys one gen2 function per declared function, running as its own service account", () => {
    const fns = of(T.fn);
    expect(fns).toHaveLength(FUNCTIONS.length);
    for (const spec of FUNCTIONS) {
      const fn = one(T.fn, `fn-${functionSlug(spec)}`);
      expect(fn.inputs.buildConfig).toMatchObject({ entryPoint: spec.name, runtime: "nodejs24" });
      expect(fn.inputs.serviceConfig).toMatchObject({
        serviceAccountEmail: runtimeEmail(spec),
        timeoutSeconds: spec.timeoutSeconds,
        availableMemory: spec.memory,
        maxInstanceCount: spec.maxInstances,
        maxInstanceRequestConcurrency: spec.concurrency,
        ingressSettings: spec.trigger.kind === "http" ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY",
      });
    }
  });

  it("schedules every cron with the declared schedule and an OIDC token for the scheduler account", () => {
    const scheduled = FUNCTIONS.filter((f) => f.trigger.kind === "schedule");
    const jobs = of(T.cron);
    expect(jobs).toHaveLength(scheduled.length);
    for (const spec of scheduled) {
      if (spec.trigger.kind !== "schedule") continue;
      const job = one(T.cron, `cron-${functionSlug(spec)}`);
      expect(job.inputs).toMatchObject({
        schedule: spec.trigger.schedule,
        timeZone: spec.trigger.timeZone,
        httpTarget: {
          uri: fnUrl(functionSlug(spec)),
          httpMethod: "POST",
          oidcToken: { serviceAccountEmail: email("kinetic-scheduler"), audience: fnUrl(functionSlug(spec)) },
        },
      });
    }
  });

  it("tells each cron which identity its scheduler ticks come from, and nothing else that identity", () => {
    for (const spec of FUNCTIONS) {
      const fn = one(T.fn, `fn-${functionSlug(spec)}`);
      const env = (fn.inputs.serviceConfig as { environmentVariables: Record<string, string> }).environmentVariables;
      if (spec.trigger.kind === "schedule") expect(env.KINETIC_SCHEDULER_PRINCIPALS).toBe(email("kinetic-scheduler"));
      else expect(env.KINETIC_SCHEDULER_PRINCIPALS).toBeUndefined();
    }
  });

  it("lets only the matching identity invoke each function", () => {
    const invokers = of(T.runIam);
    for (const i of invokers) expect(i.inputs.role).toBe("roles/run.invoker");
    for (const spec of FUNCTIONS) {
      const members = invokers
        .filter((i) => i.inputs.name === `kinetic-train-${functionSlug(spec)}`)
        .map((i) => i.inputs.member)
        .sort();
      const want =
        spec.trigger.kind === "pubsub"
          ? [sa("kinetic-push")]
          : spec.trigger.kind === "schedule"
            ? [sa("kinetic-scheduler")]
            : [...(spec.trigger.public ? ["allUsers"] : []), "group:ml-team@example.com"].sort();
      expect(members, spec.name).toEqual(want);
    }
  });
});

describe("IAM", () => {
  const grants = () => resources.filter((r) => typeof r.inputs.role === "string");

  it("never grants a primitive role and never replaces a policy authoritatively", () => {
    expect(grants().length).toBeGreaterThan(10);
    for (const g of grants())
      expect(g.inputs.role, `${g.type} ${g.name}`).not.toMatch(/^roles\/(owner|editor|viewer)$/);
    const authoritative = resources.filter((r) => /IAM(Binding|Policy)$|Iam(Binding|Policy)$/.test(r.type));
    expect(authoritative).toEqual([]);
  });

  it("grants each runtime account exactly its declared roles at project level", () => {
    // The push-hook secret grants are scoped by their own names and checked below (hook-secrets.ts).
    const projectGrants = of(T.projectIam).filter((g) => !g.name.startsWith("hook-secrets-"));
    for (const spec of FUNCTIONS) {
      const roles = projectGrants
        .filter((g) => g.inputs.member === `serviceAccount:${runtimeEmail(spec)}`)
        .map((g) => g.inputs.role)
        .sort();
      expect(roles, spec.name).toEqual(
        [...new Set([...spec.roles, ...(spec.cluster ? [CLUSTER_LOOKUP_ROLE] : [])])].sort(),
      );
    }
    expect(projectGrants.filter((g) => g.inputs.member === sa("kinetic-nodes")).map((g) => g.inputs.role)).toEqual([
      NODE_ROLE,
    ]);
    // Invokers hold nothing at project level.
    for (const id of ["kinetic-push", "kinetic-scheduler"])
      expect(projectGrants.filter((g) => g.inputs.member === sa(id))).toEqual([]);
  });

  it("lets only pushHook read push-hook secrets (this cluster's, by name), and the API write them without reading", () => {
    const accessor = one(T.projectIam, "hook-secrets-accessor");
    expect(accessor.inputs).toMatchObject({
      role: "roles/secretmanager.secretAccessor",
      member: `serviceAccount:${runtimeEmail(FUNCTIONS.find((f) => f.name === "pushHook")!)}`,
    });
    expect((accessor.inputs.condition as { expression: string }).expression).toMatch(
      /^resource\.name\.startsWith\("projects\/[^/]+\/secrets\/kinetic-hook-train-"\)$/,
    );
    const readers = of(T.projectIam).filter((g) => String(g.inputs.role).startsWith("roles/secretmanager."));
    expect(readers.map((g) => g.name)).toEqual(["hook-secrets-accessor"]);
    const writer = one(T.projectIam, "hook-secrets-writer-api");
    expect(writer.inputs.member).toBe(`serviceAccount:${runtimeEmail(FUNCTIONS.find((f) => f.name === "api")!)}`);
    expect(HOOK_SECRET_WRITER_PERMISSIONS).not.toContain("secretmanager.versions.access");
  });

  it("lets a function publish only to the topics it declares", () => {
    const publishers = of(T.topicIam).filter((g) => g.inputs.member !== PUBSUB_AGENT);
    for (const spec of FUNCTIONS) {
      const topics = publishers
        .filter((g) => g.inputs.member === `serviceAccount:${runtimeEmail(spec)}`)
        .map((g) => g.inputs.topic)
        .sort();
      expect(topics, spec.name).toEqual(
        spec.publishes.map((k) => TOPICS[k].replace(/^kinetic-/, "kinetic-train-")).sort(),
      );
    }
    for (const g of publishers) expect(g.inputs.role).toBe("roles/pubsub.publisher");
  });

  it("scopes the agent's token minting to the push invoker account", () => {
    const g = of(T.saIam).filter((x) => x.inputs.role === "roles/iam.serviceAccountTokenCreator");
    expect(g).toHaveLength(1);
    expect(g[0]!.inputs).toMatchObject({
      role: "roles/iam.serviceAccountTokenCreator",
      member: PUBSUB_AGENT,
      serviceAccountId: "projects/acme-ml/serviceAccounts/kinetic-train-push",
    });
  });

  it("binds the cluster-using functions' identities to the control-plane ClusterRole", () => {
    const binding = one(T.binding, "control-plane-binding");
    const users = (binding.inputs.subjects as { name: string; kind: string }[]).map((s) => s.name).sort();
    expect(users).toEqual(
      FUNCTIONS.filter((f) => f.cluster)
        .map((f) => runtimeEmail(f))
        .sort(),
    );
  });
});

describe("Kueue and JobSet", () => {
  it("installs JobSet, then Kueue, from pinned charts", () => {
    const charts = of(T.release).map((r) => [r.name, r.inputs.chart, r.inputs.version]);
    expect(charts).toEqual(
      expect.arrayContaining([
        ["jobset", "oci://registry.k8s.io/jobset/charts/jobset", "0.11.0"],
        ["kueue", "oci://registry.k8s.io/kueue/charts/kueue", "0.17.0"],
      ]),
    );
  });

  it("has a flavor per pool matching its node labels, and one queue covering every resource with accelerator quotas", () => {
    const flavors = Object.fromEntries(of(T.flavor).map((f) => [f.inputs.metadata.name, f.inputs.spec.nodeLabels]));
    expect(flavors).toEqual({
      cpu: { "cloud.google.com/gke-nodepool": "cpu" },
      l4: {
        "cloud.google.com/gke-nodepool": "l4",
        "cloud.google.com/gke-accelerator": "nvidia-l4",
        "cloud.google.com/gke-spot": "true",
      },
      "v6e-16": {
        "cloud.google.com/gke-nodepool": "v6e-16",
        "cloud.google.com/gke-tpu-accelerator": "tpu-v6e-slice",
        "cloud.google.com/gke-tpu-topology": "4x4",
      },
    });
    const cq = one(T.clusterQueue, "cluster-queue").inputs.spec;
    expect(cq.resourceGroups).toHaveLength(1);
    const group = cq.resourceGroups[0];
    expect(group.coveredResources).toEqual(["cpu", "memory", "google.com/tpu", "nvidia.com/gpu"]);
    const quota = (flavor: string, resource: string) =>
      group.flavors
        .find((f: { name: string }) => f.name === flavor)
        .resources.find((r: { name: string }) => r.name === resource).nominalQuota;
    expect(quota("l4", "nvidia.com/gpu")).toBe("3"); // 1 GPU × 3 nodes
    expect(quota("l4", "google.com/tpu")).toBe("0");
    expect(quota("v6e-16", "google.com/tpu")).toBe("16"); // 4 chips × 4 hosts
    expect(quota("cpu", "nvidia.com/gpu")).toBe("0");
    expect(group.flavors[0].name).toBe("cpu");
  });

  it("puts a LocalQueue in every configured namespace", () => {
    const lqs = of(T.localQueue).map((q) => [
      q.inputs.metadata.namespace,
      q.inputs.metadata.name,
      q.inputs.spec.clusterQueue,
    ]);
    expect(lqs.sort()).toEqual([
      ["default", "kinetic", "kinetic"],
      ["research", "kinetic", "kinetic"],
    ]);
    expect(outputs.localQueue).toBe("kinetic");
  });
});

describe("config variations", () => {
  it("without accelerator pools, the queue covers only cpu and memory", async () => {
    const { resources: r } = await runDeploy(
      parseInfraConfig({ project: "acme-ml", zone: "europe-west4-a", cluster: "small" }),
    );
    expect(byType(r, T.nodePool).map((p) => p.inputs.name)).toEqual(["cpu"]);
    const cq = byType(r, T.clusterQueue)[0]!.inputs.spec;
    expect(cq.resourceGroups[0].coveredResources).toEqual(["cpu", "memory"]);
    expect(byType(r, T.repo)[0]!.inputs.location).toBe("europe-west4");
  });

  it("a single-host TPU pool gets no placement policy; a shared reservation path is passed through", async () => {
    const { resources: r } = await runDeploy(
      parseInfraConfig({
        ...BASE,
        pools: [
          {
            name: "v5e-8",
            kind: "tpu",
            machineType: "ct5lp-hightpu-8t",
            topology: "2x4",
            maxNodes: 2,
            spot: true,
            reservation: "projects/shared-capacity/reservations/v5e",
          },
        ],
      }),
    );
    const pool = byType(r, T.nodePool).find((p) => p.inputs.name === "v5e-8")!;
    expect(pool.inputs.placementPolicy).toBeUndefined();
    expect(pool.inputs.autoscaling).toEqual({ minNodeCount: 0, maxNodeCount: 2 });
    expect(pool.inputs.nodeConfig.spot).toBe(true);
    expect(pool.inputs.nodeConfig.reservationAffinity.values).toEqual(["projects/shared-capacity/reservations/v5e"]);
  });

  it("the api function gets no invoker grants beyond the configured ones", async () => {
    const { resources: r } = await runDeploy(parseInfraConfig({ ...BASE, apiInvokers: [] }));
    const api = FUNCTIONS.find((f) => f.trigger.kind === "http")!;
    expect(byType(r, T.runIam).filter((i) => i.inputs.name === `kinetic-train-${functionSlug(api)}`)).toEqual(
      api.trigger.kind === "http" && api.trigger.public
        ? [expect.objectContaining({ inputs: expect.objectContaining({ member: "allUsers" }) })]
        : [],
    );
  });
});
