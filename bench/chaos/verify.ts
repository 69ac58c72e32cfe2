/**
 * The verdict after the storm, from the two sources of truth: every job
 * record in the bench's Firestore project, and every Kinetic Job/JobSet in
 * the bench namespace.
 *   lost        published, but no record
 *   duplicated  more than one Kubernetes object for a job, or a record whose
 *               history shows it was queued or submitted more than once
 *   orphaned    an object whose record is missing, CANCELLED, FAILED or REJECTED
 *   stuck       a record still QUEUED/SUBMITTED, or active with no live workload
 */
import { ApiException, BatchV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { JOB_ID_LABEL, MANAGED_SELECTOR } from "../../shared/cluster/labels.ts";
import { isTerminal } from "../../shared/schemas/job-state.ts";
import type { JobDoc, JobStore } from "../../shared/store/job-store.ts";

export interface Verdict {
  published: number;
  recorded: number;
  objects: number;
  /** Objects already being deleted (a deletion timestamp): on their way out, not counted as orphans. */
  terminating: number;
  lost: string[];
  duplicated: string[];
  orphaned: string[];
  stuck: string[];
  /** Records of jobs nobody published (should be none). */
  unexpected: string[];
  states: Record<string, number>;
  /** Record created → SUBMITTED (Kubernetes object created), from each record's history. */
  recordToSubmittedMs: number[];
}

interface ListedObject {
  kind: string;
  name: string;
  jobId: string | undefined;
  terminating: boolean;
}

export async function verify(
  store: JobStore,
  kubeConfig: KubeConfig,
  namespace: string,
  published: Set<string>,
): Promise<Verdict> {
  const records = await allRecords(store);
  const objects = await listWorkloads(kubeConfig, namespace);
  const live = objects.filter((o) => !o.terminating);
  const byJob = new Map<string, ListedObject[]>();
  for (const o of live) byJob.set(o.jobId ?? `?${o.name}`, [...(byJob.get(o.jobId ?? `?${o.name}`) ?? []), o]);

  const duplicated = new Set<string>();
  for (const [id, list] of byJob) if (list.length > 1) duplicated.add(id);
  const states: Record<string, number> = {};
  const stuck: string[] = [];
  const latency: number[] = [];
  for (const r of records.values()) {
    states[r.state] = (states[r.state] ?? 0) + 1;
    const queued = r.events.filter((e) => e.state === "QUEUED").length;
    const submitted = r.events.filter((e) => e.state === "SUBMITTED").length;
    if (queued > 1 || submitted > 1) duplicated.add(r.id);
    const hasObject = byJob.has(r.id);
    if (r.state === "QUEUED" || r.state === "SUBMITTED" || (!isTerminal(r.state) && (!r.workload || !hasObject)))
      stuck.push(`${r.id} (${r.state}${r.workload ? "" : ", no workload"}${hasObject ? "" : ", no object"})`);
    const sub = r.events.find((e) => e.state === "SUBMITTED");
    if (sub) latency.push(Date.parse(sub.at) - Date.parse(r.createdAt));
  }
  const orphaned: string[] = [];
  for (const [id, list] of byJob) {
    const r = records.get(id);
    if (!r || r.state === "CANCELLED" || r.state === "FAILED" || r.state === "REJECTED")
      orphaned.push(
        `${id} (${list.map((o) => o.kind).join("+")}; record ${r ? `${r.state} ${r.reason ?? ""}` : "missing"})`,
      );
  }
  return {
    published: published.size,
    recorded: records.size,
    objects: live.length,
    terminating: objects.length - live.length,
    lost: [...published].filter((id) => !records.has(id)),
    duplicated: [...duplicated],
    orphaned,
    stuck,
    unexpected: [...records.keys()].filter((id) => !published.has(id)),
    states,
    recordToSubmittedMs: latency,
  };
}

async function allRecords(store: JobStore): Promise<Map<string, JobDoc>> {
  const out = new Map<string, JobDoc>();
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const j of page.jobs) out.set(j.id, j);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

interface Meta {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: unknown;
    ownerReferences?: Array<{ kind: string }>;
  };
}

async function listWorkloads(kc: KubeConfig, namespace: string): Promise<ListedObject[]> {
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const items: Array<{ kind: string; item: Meta }> = [];
  let cont: string | undefined;
  do {
    const page = await batch.listNamespacedJob({
      namespace,
      labelSelector: MANAGED_SELECTOR,
      limit: 500,
      ...(cont ? { _continue: cont } : {}),
    });
    // A JobSet's child Jobs belong to it: the JobSet is the one workload.
    for (const j of page.items)
      if (!j.metadata?.ownerReferences?.some((o) => o.kind === "JobSet")) items.push({ kind: "Job", item: j });
    cont = page.metadata?._continue;
  } while (cont);
  const jobsets = (await custom
    .listNamespacedCustomObject({
      group: "jobset.x-k8s.io",
      version: "v1alpha2",
      namespace,
      plural: "jobsets",
      labelSelector: MANAGED_SELECTOR,
    })
    .catch((err: unknown) => {
      // No JobSet CRD on this cluster: nothing to list.
      if (err instanceof ApiException && err.code === 404) return { items: [] };
      throw err;
    })) as { items?: Meta[] };
  for (const js of jobsets.items ?? []) items.push({ kind: "JobSet", item: js });
  return items.map(({ kind, item }) => ({
    kind,
    name: item.metadata?.name ?? "?",
    jobId: item.metadata?.labels?.[JOB_ID_LABEL],
    terminating: item.metadata?.deletionTimestamp !== undefined && item.metadata?.deletionTimestamp !== null,
  }));
}
