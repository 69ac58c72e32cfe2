/**
 * Creating a study: validate the spec (parseStudySpec, per-field errors),
 * check the caller may use the trials' namespace, record the study
 * first-writer-wins under (namespace, id), then fan out the first
 * `parallelTrials` trials (driveStudy). A repeat of the same study (same id,
 * same spec) returns the existing one and only drives it again, which is
 * harmless; the same id with another spec is an id conflict.
 */
import { createHash, randomBytes } from "node:crypto";
import { KineticError } from "../errors.ts";
import { assertNamespaceAllowed } from "../jobs/namespace-policy.ts";
import { ZERO_COUNTS, type StudyDoc } from "../store/study-store.ts";
import { parseStudySpec, plannedTrials, studyNotes } from "../tuning/study-spec.ts";
import { driveStudy } from "./drive.ts";
import type { StudyDeps } from "./types.ts";

export interface CreateStudyRequest {
  /** The study spec as received (JSON-parsed). */
  spec: unknown;
  /** Who creates it: trials are submitted as this principal. */
  principal: string;
  /** Skip the fan-out (the caller publishes a study.drive message instead). */
  fanOut?: boolean;
}

/** A seed per study: random_state when set, else derived from the study's key (stable across retries). */
export function studySeed(namespace: string, id: string, randomState: number | undefined): number {
  if (randomState !== undefined) return randomState;
  return createHash("sha256").update(`${namespace}:${id}`).digest().readUInt32BE(0);
}

export async function createStudy(
  deps: StudyDeps,
  req: CreateStudyRequest,
): Promise<{ created: boolean; study: StudyDoc }> {
  const spec = parseStudySpec(req.spec);
  const namespace = spec.trialTemplate.namespace;
  assertNamespaceAllowed(deps.config.namespacePolicy, req.principal, namespace);
  const id = spec.id ?? `s-${randomBytes(5).toString("hex")}`;
  const now = deps.clock.now();
  const at = now.toISOString();
  const doc: StudyDoc = {
    id,
    namespace,
    state: "CREATED",
    reason: "Created",
    createdAt: at,
    updatedAt: at,
    events: [{ at, state: "CREATED", reason: "Created" }],
    spec: { ...spec, id },
    principal: req.principal,
    seed: studySeed(namespace, id, spec.algorithmSettings.random_state),
    plannedTrials: plannedTrials(spec),
    issued: 0,
    active: 0,
    counts: { ...ZERO_COUNTS },
    history: [],
    notes: studyNotes(spec),
    ...(spec.timeoutSeconds ? { deadlineAt: new Date(now.getTime() + spec.timeoutSeconds * 1000).toISOString() } : {}),
  };
  const { created, study } = await deps.studies.create(doc);
  if (!created && canonical(study.spec) !== canonical(doc.spec))
    throw new KineticError("id-conflict", `study id ${id} is already used by a different study; choose another id`, {
      issues: [{ field: "id", message: "already used by a different study" }],
    });
  deps.log.info(created ? "study created" : "duplicate study creation", { studyId: id, namespace });
  if (req.fanOut === false) return { created, study };
  return { created, study: await driveStudy(deps, study) };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
