// Helpers for tests that run against the shared testbed: the kubeconfig from the environment, one namespace per test,
// add-on availability, and bounded waits on Jobs and Pods. Every wait has a timeout and says what it saw last.
import { BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import { describeApiError, isStatus, rawCreate } from "./kube-apply.ts";
import { LOCAL_QUEUE, localQueue } from "./kueue.ts";

export const KUBECONFIG_ENV = "KINETIC_TEST_KUBECONFIG";
export const ADDONS_ENV = "KINETIC_TEST_ADDONS";

export type AddonName = "jobset" | "kueue";

export function kubeConfigFromEnv(): KubeConfig {
  const path = process.env[KUBECONFIG_ENV];
  if (path === undefined || path === "") {
    throw new Error(
      `${KUBECONFIG_ENV} is not set: run this test in the vitest "integration" project (its global setup starts the testbed)`,
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Why an add-on is unavailable in this test run, or undefined when it runs (see requireAddon). */
export function addonUnavailable(name: AddonName): string | undefined {
  const raw = process.env[ADDONS_ENV];
  if (raw === undefined) return `${ADDONS_ENV} is not set (the testbed global setup did not run)`;
  const status = (JSON.parse(raw) as Partial<Record<AddonName, string>>)[name];
  if (status === "ok") return undefined;
  return status ?? `${name}: no status recorded`;
}

/**
 * Fails, naming the reason, when an add-on this test needs did not come up: `npm test` builds every add-on
 * (`npm run testbed:build`), so a missing one is a broken testbed, never a reason to skip. Call it at the top of
 * a `describe` (the file fails at collection) or first in a test.
 */
export function requireAddon(name: AddonName): void {
  const reason = addonUnavailable(name);
  if (reason !== undefined)
    throw new Error(`${name} is required but unavailable: ${reason} (build it with npm run testbed:build)`);
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace (and everything in it) without waiting for finalization. */
  cleanup(): Promise<void>;
}

/** A fresh namespace `<prefix>-<random>`, ready for pods (default ServiceAccount exists), optionally with LocalQueue `kinetic`. */
export async function createTestNamespace(
  prefix: string,
  opts: { localQueue?: boolean; kubeConfig?: KubeConfig; timeoutMs?: number } = {},
): Promise<TestNamespace> {
  const kc = opts.kubeConfig ?? kubeConfigFromEnv();
  const core = kc.makeApiClient(CoreV1Api);
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  const name = `${base || "test"}-${randomBytes(4).toString("hex")}`;
  if (opts.localQueue === true) {
    const reason = addonUnavailable("kueue");
    if (reason !== undefined) throw new Error(`createTestNamespace(${prefix}): Kueue is unavailable: ${reason}`);
  }
  await core.createNamespace({ body: { metadata: { name, labels: { "kinetic.dev/test-namespace": "true" } } } });
  const cleanup = async () => {
    try {
      await core.deleteNamespace({ name, propagationPolicy: "Background" });
    } catch (err) {
      if (!isStatus(err, 404)) throw new Error(`deleting namespace ${name}: ${describeApiError(err)}`, { cause: err });
    }
  };
  try {
    // The ServiceAccount admission plugin rejects pods until the controller manager has created `default`.
    await waitFor(
      async () => {
        try {
          return await core.readNamespacedServiceAccount({ name: "default", namespace: name });
        } catch (err) {
          if (isStatus(err, 404)) return undefined;
          throw err;
        }
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, description: `ServiceAccount default in ${name}` },
    );
    if (opts.localQueue === true) {
      await rawCreate(kc, localQueue(name));
    }
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
  return { name, cleanup };
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly description?: string;
}

/**
 * Polls `fn` until it returns something other than undefined/null/false, and returns that. Errors thrown by `fn` end the
 * wait immediately. On timeout the error names the description and the last value seen by `lastSeen`, if given.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  opts: WaitOptions & { lastSeen?: () => string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) {
      const seen = opts.lastSeen?.();
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${opts.description ?? "condition"}${seen ? `; last seen: ${seen}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

function conditionsSummary(conds: readonly { type: string; status: string; reason?: string }[] | undefined): string {
  return (conds ?? []).map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ""}`).join(", ") || "none";
}

/** Waits for a Job condition (e.g. Complete, Failed, Suspended) to have `status` (default "True"). */
export async function waitForJobCondition(
  kc: KubeConfig,
  namespace: string,
  name: string,
  type: string,
  opts: WaitOptions & { status?: string } = {},
): Promise<V1Job> {
  const batch = kc.makeApiClient(BatchV1Api);
  let last: V1Job | undefined;
  return waitFor(
    async () => {
      last = await batch.readNamespacedJob({ name, namespace });
      const hit = last.status?.conditions?.some((c) => c.type === type && c.status === (opts.status ?? "True"));
      return hit === true ? last : undefined;
    },
    {
      description: `Job ${namespace}/${name} condition ${type}=${opts.status ?? "True"}`,
      lastSeen: () => conditionsSummary(last?.status?.conditions),
      ...opts,
    },
  );
}

/** The pods of a batch/v1 Job (by the controller's job-name label). */
export async function podsOfJob(kc: KubeConfig, namespace: string, jobName: string): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
  return list.items;
}

/** Waits until at least `count` pods match `labelSelector` and all of them are in `phase`. */
export async function waitForPodsPhase(
  kc: KubeConfig,
  namespace: string,
  labelSelector: string,
  phase: string,
  opts: WaitOptions & { count?: number } = {},
): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const count = opts.count ?? 1;
  let last: V1Pod[] = [];
  return waitFor(
    async () => {
      last = (await core.listNamespacedPod({ namespace, labelSelector })).items;
      return last.length >= count && last.every((p) => p.status?.phase === phase) ? last : undefined;
    },
    {
      description: `${count} pod(s) ${labelSelector} in ${namespace} ${phase}`,
      lastSeen: () => last.map((p) => `${p.metadata?.name}:${p.status?.phase}`).join(", ") || "no pods",
      ...opts,
    },
  );
}

/** Waits for one pod to reach `phase`. */
export async function waitForPodPhase(
  kc: KubeConfig,
  namespace: string,
  name: string,
  phase: string,
  opts: WaitOptions = {},
): Promise<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  let last: V1Pod | undefined;
  return waitFor(
    async () => {
      last = await core.readNamespacedPod({ name, namespace });
      return last.status?.phase === phase ? last : undefined;
    },
    { description: `pod ${namespace}/${name} ${phase}`, lastSeen: () => last?.status?.phase ?? "not read", ...opts },
  );
}

/** Waits for a pod condition, e.g. PodScheduled=False with reason Unschedulable. */
export async function waitForPodCondition(
  kc: KubeConfig,
  namespace: string,
  name: string,
  type: string,
  opts: WaitOptions & { status?: string; reason?: string } = {},
): Promise<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  let last: V1Pod | undefined;
  return waitFor(
    async () => {
      last = await core.readNamespacedPod({ name, namespace });
      const hit = last.status?.conditions?.some(
        (c) =>
          c.type === type &&
          c.status === (opts.status ?? "True") &&
          (opts.reason === undefined || c.reason === opts.reason),
      );
      return hit === true ? last : undefined;
    },
    {
      description: `pod ${namespace}/${name} condition ${type}=${opts.status ?? "True"}${opts.reason ? ` (${opts.reason})` : ""}`,
      lastSeen: () => conditionsSummary(last?.status?.conditions),
      ...opts,
    },
  );
}

export { LOCAL_QUEUE };
