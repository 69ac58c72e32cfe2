/**
 * `kinetic init --troubleshoot`: every prerequisite of a working deployment,
 * checked in order, one line each with the fix. A check whose prerequisite
 * failed is reported as skipped, naming what to fix first: no check is ever
 * left out silently.
 */
import { REQUIRED_APIS } from "../../infra/api-list.ts";
import type { Credentials, GoogleApis } from "../../infra/google-apis.ts";
import { LOCAL_QUEUE } from "../../infra/queue-names.ts";
import { deployedNames, PULUMI_PROJECT, stackName, stateBucketName } from "../../infra/naming.ts";
import { regionOf } from "../../shared/config/validators.ts";

export interface Target {
  project: string;
  zone: string;
  cluster: string;
  namespace: string;
}

export const CHECKS = [
  "credentials",
  "project",
  "apis",
  "state-bucket",
  "stack",
  "cluster",
  "functions",
  "queue",
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  check: CheckName;
  title: string;
  status: "ok" | "fail" | "skipped";
  detail: string;
  fix?: string;
}

/** What a check needs to have passed first. */
const NEEDS: Record<CheckName, CheckName[]> = {
  credentials: [],
  project: ["credentials"],
  apis: ["project"],
  "state-bucket": ["project"],
  stack: ["state-bucket"],
  cluster: ["apis"],
  functions: ["apis"],
  queue: ["cluster"],
};

const TITLES: Record<CheckName, string> = {
  credentials: "Application Default Credentials",
  project: "project",
  apis: "enabled APIs",
  "state-bucket": "IAM on the state bucket",
  stack: "stack present",
  cluster: "cluster reachable",
  functions: "functions deployed and healthy",
  queue: "queue present",
};

/** What the state bucket's users need (roles/storage.objectAdmin holds them). */
export const STATE_PERMISSIONS = [
  "storage.objects.get",
  "storage.objects.list",
  "storage.objects.create",
  "storage.objects.delete",
];

type Outcome = Omit<CheckResult, "check" | "title">;
const ok = (detail: string): Outcome => ({ status: "ok", detail });
const fail = (detail: string, fix: string): Outcome => ({ status: "fail", detail, fix });
const why = (a: { status: number; error?: string }) =>
  a.status === 0 ? `no answer (${a.error ?? "?"})` : `HTTP ${a.status}`;

interface Ctx {
  t: Target;
  apis: GoogleApis;
  credentials: Credentials;
  /** The cluster's endpoint and CA, from the cluster check. */
  kube?: { endpoint: string; ca?: string };
}

const RUNS: Record<CheckName, (c: Ctx) => Promise<Outcome>> = {
  credentials: async ({ credentials }) => {
    try {
      await credentials.token();
    } catch (err) {
      return fail(
        `none usable (${err instanceof Error ? err.message : String(err)})`,
        "gcloud auth application-default login",
      );
    }
    const account = await credentials.account().catch(() => undefined);
    return ok(account ? `as ${account}` : "found");
  },
  project: async ({ t, apis }) => {
    const a = await apis.project(t.project);
    if (a.status === 200 && a.body?.state === "ACTIVE") return ok(t.project);
    if (a.status === 200)
      return fail(`${t.project} is ${a.body?.state ?? "not active"}`, "use an active project: --project PROJECT");
    return fail(
      `${t.project} is not visible to you (${why(a)})`,
      "check the id (`gcloud projects list`) and set it with --project, KINETIC_PROJECT or a profile",
    );
  },
  apis: async ({ t, apis }) => {
    const a = await apis.enabledServices(t.project);
    if (a.status !== 200)
      return fail(
        `cannot list them (${why(a)})`,
        "you need serviceusage.services.list (roles/serviceusage.serviceUsageViewer)",
      );
    const enabled = new Set((a.body?.services ?? []).map((s) => s.config?.name));
    const missing = REQUIRED_APIS.filter((s) => !enabled.has(s));
    if (!missing.length) return ok(`all ${REQUIRED_APIS.length}`);
    return fail(
      `missing ${missing.join(", ")}`,
      `kinetic up enables them (needs roles/serviceusage.serviceUsageAdmin), or: gcloud services enable ${missing.join(" ")} --project ${t.project}`,
    );
  },
  "state-bucket": async ({ t, apis }) => {
    const bucket = stateBucketName(t.project);
    const a = await apis.bucketPermissions(bucket, STATE_PERMISSIONS);
    if (a.status === 404)
      return fail(
        `gs://${bucket} does not exist`,
        "kinetic init creates it (the first admin needs roles/storage.admin)",
      );
    if (a.status !== 200) return fail(`cannot check gs://${bucket} (${why(a)})`, "check your credentials and network");
    const granted = new Set(a.body?.permissions ?? []);
    const missing = STATE_PERMISSIONS.filter((p) => !granted.has(p));
    if (!missing.length) return ok(`gs://${bucket}: read and write`);
    return fail(
      `gs://${bucket}: you lack ${missing.join(", ")}`,
      `ask an admin: gcloud storage buckets add-iam-policy-binding gs://${bucket} --member=user:YOU --role=roles/storage.objectAdmin`,
    );
  },
  stack: async ({ t, apis }) => {
    const stack = stackName(t.project, t.cluster);
    const a = await apis.object(stateBucketName(t.project), `.pulumi/stacks/${PULUMI_PROJECT}/${stack}.json`);
    if (a.status === 200) return ok(stack);
    if (a.status === 404) return fail(`no stack ${stack} in gs://${stateBucketName(t.project)}`, "kinetic up");
    return fail(`cannot read stack ${stack} (${why(a)})`, "check IAM on the state bucket");
  },
  cluster: async (c) => {
    const { t, apis } = c;
    const a = await apis.cluster(t.project, t.zone, t.cluster);
    if (a.status === 404)
      return fail(`no cluster ${t.cluster} in ${t.zone}`, "kinetic up (or set --zone/--cluster to the cluster's)");
    if (a.status !== 200 || !a.body?.endpoint)
      return fail(
        `cannot read cluster ${t.cluster} (${why(a)})`,
        "you need container.clusters.get (roles/container.viewer)",
      );
    if (a.body.status !== "RUNNING")
      return fail(`cluster ${t.cluster} is ${a.body.status}`, "wait for it to be RUNNING, then rerun");
    const version = await apis.kube(a.body.endpoint, a.body.masterAuth?.clusterCaCertificate, "/version");
    if (version.status !== 200)
      return fail(
        `its API server did not answer (${why(version)})`,
        "check authorized networks and that you have roles/container.developer",
      );
    c.kube = {
      endpoint: a.body.endpoint,
      ...(a.body.masterAuth?.clusterCaCertificate ? { ca: a.body.masterAuth.clusterCaCertificate } : {}),
    };
    return ok(`${t.cluster} (${t.zone}) is RUNNING and answers`);
  },
  functions: async ({ t, apis }) => {
    const region = regionOf(t.zone);
    const a = await apis.functions(t.project, region);
    if (a.status !== 200)
      return fail(
        `cannot list functions (${why(a)})`,
        "you need cloudfunctions.functions.list (roles/cloudfunctions.viewer)",
      );
    const found = new Map((a.body?.functions ?? []).map((f) => [f.name?.split("/").pop(), f.state]));
    const expected = deployedNames(t.cluster);
    const problems = expected
      .map((name) => [name, found.get(name)] as const)
      .filter(([, state]) => state !== "ACTIVE")
      .map(([name, state]) => `${name} ${state ? `is ${state}` : "is missing"}`);
    if (!problems.length) return ok(`${expected.length} ACTIVE in ${region}`);
    return fail(problems.join(", "), "kinetic up (a FAILED function's build log is in Cloud Build)");
  },
  queue: async ({ t, apis, kube }) => {
    const path = `/apis/kueue.x-k8s.io/v1beta2/namespaces/${t.namespace}/localqueues/${LOCAL_QUEUE}`;
    const a = await apis.kube(kube!.endpoint, kube!.ca, path);
    if (a.status === 200) return ok(`LocalQueue ${LOCAL_QUEUE} in namespace ${t.namespace}`);
    if (a.status === 404)
      return fail(`no LocalQueue ${LOCAL_QUEUE} in namespace ${t.namespace}`, `kinetic up --namespace ${t.namespace}`);
    return fail(
      `cannot read LocalQueue ${LOCAL_QUEUE} (${why(a)})`,
      "you need read access to Kueue objects in the namespace",
    );
  },
};

/** Runs every check in order; a check whose prerequisite did not pass is skipped, and says so. */
export async function troubleshoot(t: Target, apis: GoogleApis, credentials: Credentials): Promise<CheckResult[]> {
  const ctx: Ctx = { t, apis, credentials };
  const results: CheckResult[] = [];
  for (const check of CHECKS) {
    const blocked = NEEDS[check].find((n) => results.find((r) => r.check === n)?.status !== "ok");
    const outcome: Outcome = blocked
      ? {
          status: "skipped",
          detail: `needs "${TITLES[blocked]}" first`,
          fix: `fix "${TITLES[blocked]}" above, then rerun`,
        }
      : await RUNS[check](ctx);
    results.push({ check, title: TITLES[check], ...outcome });
  }
  return results;
}

/** One line per check: mark, title, detail, and the fix when there is one. */
export function formatCheck(r: CheckResult): string {
  const mark = r.status === "ok" ? "ok  " : r.status === "fail" ? "FAIL" : "skip";
  return `${mark} ${r.title}: ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ""}`;
}
