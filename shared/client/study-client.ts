/**
 * Client for the study routes (functions/api/study-routes.ts), used by
 * `kinetic tune`, `kinetic studies` and the SDK's `tune()`. Answers are
 * checked against schemas, so a drifting server fails here with the field
 * named. `waitForStudy` polls a study's status until it ends.
 */
import { z } from "zod";
import { KineticApiClient } from "./api-client.ts";

const Json = z.record(z.string(), z.unknown());

export const BestTrialView = z.looseObject({
  index: z.number(),
  trialId: z.string(),
  value: z.number(),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  metrics: z.record(z.string(), z.number()),
});
export type BestTrialView = z.infer<typeof BestTrialView>;

const STUDY_STATES = ["CREATED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export const TERMINAL_STUDY_STATES: readonly string[] = ["SUCCEEDED", "FAILED", "CANCELLED"];

/** GET /studies/{id}: counts per trial state, the best trial, the reason (check 29). */
export const StudyStatusView = z.looseObject({
  id: z.string(),
  namespace: z.string(),
  state: z.enum(STUDY_STATES),
  reason: z.string().optional(),
  message: z.string().optional(),
  counts: z.looseObject({
    pending: z.number(),
    running: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    metricsUnavailable: z.number(),
    earlyStopped: z.number(),
    cancelled: z.number(),
  }),
  created: z.number(),
  planned: z.number(),
  best: BestTrialView.optional(),
  notes: z.array(z.string()),
});
export type StudyStatusView = z.infer<typeof StudyStatusView>;

/** A study record as POST /studies and the listing return it (the summary fields a client uses). */
export const StudyView = z.looseObject({
  id: z.string(),
  namespace: z.string(),
  state: z.enum(STUDY_STATES),
  reason: z.string().optional(),
  issued: z.number(),
  plannedTrials: z.number(),
});
export type StudyView = z.infer<typeof StudyView>;

export class StudyApiClient extends KineticApiClient {
  private async call<T>(
    method: "GET" | "POST",
    path: string,
    schema: z.ZodType<T>,
    opts: { body?: unknown; query?: Record<string, unknown> } = {},
  ) {
    return this.parse(await this.request(method, path, opts), schema, `${method} ${path}`);
  }
  private path(id: string, rest = "") {
    return `/studies/${encodeURIComponent(id)}${rest}`;
  }
  async createStudy(spec: Record<string, unknown>): Promise<StudyView> {
    return (await this.call("POST", "/studies", z.object({ study: StudyView }), { body: spec })).study;
  }
  async listStudies(namespace?: string): Promise<StudyView[]> {
    return (await this.call("GET", "/studies", z.object({ studies: z.array(StudyView) }), { query: { namespace } }))
      .studies;
  }
  async studyStatus(id: string, namespace: string): Promise<StudyStatusView> {
    return (await this.call("GET", this.path(id), z.object({ status: StudyStatusView }), { query: { namespace } }))
      .status;
  }
  async studyTrials(id: string, namespace: string): Promise<Record<string, unknown>[]> {
    const schema = z.object({ trials: z.array(Json) });
    return (await this.call("GET", this.path(id, "/trials"), schema, { query: { namespace } })).trials;
  }
  async bestTrial(id: string, namespace: string): Promise<{ best: BestTrialView; state: string; reason?: string }> {
    const schema = z.object({ best: BestTrialView, state: z.string(), reason: z.string().optional() });
    return this.call("GET", this.path(id, "/best"), schema, { query: { namespace } });
  }
  async cancelStudy(id: string, namespace: string): Promise<StudyView> {
    return (await this.call("POST", this.path(id, "/cancel"), z.object({ study: StudyView }), { query: { namespace } }))
      .study;
  }
}

export interface WaitOptions {
  /** Between status reads: from 1 s, growing to 5 s (as `kinetic jobs wait`). */
  pollMs?: { first: number; max: number };
  /** Called with every status read while the study runs. */
  onProgress?: (status: StudyStatusView) => void;
  signal?: AbortSignal;
}

/** Reads the study's status until it is SUCCEEDED, FAILED or CANCELLED, and returns that status. */
export async function waitForStudy(
  api: StudyApiClient,
  id: string,
  namespace: string,
  options: WaitOptions = {},
): Promise<StudyStatusView> {
  const poll = options.pollMs ?? { first: 1_000, max: 5_000 };
  for (let delay = poll.first; ; delay = Math.min(poll.max, delay * 1.5)) {
    const status = await api.studyStatus(id, namespace);
    if (TERMINAL_STUDY_STATES.includes(status.state)) return status;
    options.onProgress?.(status);
    options.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The study spec with its trials' namespace filled in when the spec names none. */
export function withTrialNamespace(
  spec: Record<string, unknown>,
  namespace: string | undefined,
): Record<string, unknown> {
  const template = spec.trialTemplate;
  if (namespace === undefined || !template || typeof template !== "object" || Array.isArray(template)) return spec;
  const t = template as Record<string, unknown>;
  if (typeof t.namespace === "string" && t.namespace !== "") return spec;
  return { ...spec, trialTemplate: { ...t, namespace } };
}
