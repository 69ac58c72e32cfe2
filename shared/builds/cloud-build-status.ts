/**
 * Cloud Build status notifications (the cloud-builds topic) → build records.
 * Cloud Build publishes the whole Build resource on every change of state,
 * at least once and possibly out of order; the record's machine never moves
 * backwards, so a late WORKING after SUCCESS changes nothing and a duplicate
 * SUCCESS is a no-op. Builds that Kinetic did not start (no kinetic-build-…
 * tag) are ignored: every build in the project publishes to that topic.
 */
import type { BuildDoc, BuildState, BuildStore, BuildTransition } from "../store/build-store.ts";
import { RESOLVED_STEP, type CloudBuild } from "./backends/cloud-build.ts";
import { normalizeName } from "./requirements.ts";

const TAG_PREFIX = "kinetic-build-";

/** What a Cloud Build status means for the record: the transition to apply. */
export function transitionFor(build: CloudBuild, image: string): BuildTransition {
  const status = build.status ?? "STATUS_UNKNOWN";
  const message = build.failureInfo?.detail ?? build.statusDetail;
  const failed = (reason: string): BuildTransition => ({
    to: "FAILED",
    reason,
    ...(message ? { message } : {}),
    patch: durationOf(build),
  });
  switch (status) {
    case "SUCCESS": {
      const pushed = build.results?.images?.find((i) => i.name === image) ?? build.results?.images?.[0];
      if (!pushed) return failed("NoImagePushed");
      return {
        to: "SUCCEEDED",
        reason: "Built",
        patch: { digest: pushed.digest, resolvedPackages: resolvedOf(build), ...durationOf(build) },
      };
    }
    case "FAILURE":
      return failed("BuildFailed");
    case "INTERNAL_ERROR":
      return failed("BackendError");
    case "TIMEOUT":
      return failed("Timeout");
    case "CANCELLED":
      return failed("Cancelled");
    case "EXPIRED":
      return failed("Expired");
    default:
      // STATUS_UNKNOWN, PENDING, QUEUED, WORKING: still building.
      return { to: "BUILDING" as BuildState, reason: `CloudBuild${titleCase(status)}` };
  }
}

export type StatusOutcome = { status: "ignored"; why: string } | { status: "applied" | "unchanged"; build: BuildDoc };

/** Applies one notification (its `data`, base64 JSON of the Build). */
export async function applyCloudBuildStatus(deps: { builds: BuildStore }, data: string): Promise<StatusOutcome> {
  let build: CloudBuild;
  try {
    build = JSON.parse(Buffer.from(data, "base64").toString("utf8")) as CloudBuild;
  } catch {
    return { status: "ignored", why: "the notification is not a Build resource" };
  }
  const tag = build.tags?.find((t) => t.startsWith(TAG_PREFIX));
  if (!tag) return { status: "ignored", why: "not a Kinetic build" };
  const id = tag.slice(TAG_PREFIX.length);
  const record = await deps.builds.get(id);
  if (!record) return { status: "ignored", why: `no build record ${id}` };
  const r = await deps.builds.transition(id, transitionFor(build, record.image));
  return { status: r.applied ? "applied" : "unchanged", build: r.build };
}

function resolvedOf(build: CloudBuild): Record<string, string> {
  const i = build.steps.findIndex((s) => s.id === RESOLVED_STEP);
  const out = i >= 0 ? build.results?.buildStepOutputs?.[i] : undefined;
  const resolved: Record<string, string> = {};
  if (!out) return resolved;
  for (const line of Buffer.from(out, "base64").toString("utf8").split("\n")) {
    const m = /^([A-Za-z0-9._-]+)==(\S+)$/.exec(line.trim());
    if (m) resolved[normalizeName(m[1]!)] = m[2]!;
  }
  return resolved;
}

function durationOf(build: CloudBuild): { durationMs?: number } {
  if (!build.startTime || !build.finishTime) return {};
  return { durationMs: Date.parse(build.finishTime) - Date.parse(build.startTime) };
}

function titleCase(s: string): string {
  return s
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
