/**
 * What the performance bench submits, and the floor's inputs for the same
 * job: the spec, its Pub/Sub push body (as Pub/Sub or our driver POSTs it),
 * the job record Kinetic would store, and the rendered Kubernetes object.
 * The floor gets the record and the object ready-made: it is the least work
 * that can record a job and create its object, so our parsing, validation
 * and rendering count against us, never against the floor.
 */
import { randomBytes } from "node:crypto";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { loadRuntimeConfig } from "../../shared/runtime-config.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import type { Workload } from "../../shared/cluster/types.ts";

/** A small CPU job, like most of a day's submissions. */
export function perfSpec(id: string, namespace: string): Record<string, unknown> {
  return { id, namespace, command: ["true"], cpu: "10m", memory: "16Mi" };
}

/** The raw push body Pub/Sub POSTs to submitJob ({message, subscription}). */
export function pushBody(data: unknown, messageId = randomBytes(8).toString("hex")) {
  return {
    message: {
      data: Buffer.from(JSON.stringify(data)).toString("base64"),
      messageId,
      publishTime: new Date().toISOString(),
      attributes: {},
    },
    subscription: "projects/perf/subscriptions/perf-push",
  };
}

/** The document Kinetic's store writes for a new QUEUED job (same fields, same size). */
export function floorDoc(spec: Record<string, unknown>, source: string): Record<string, unknown> {
  const at = new Date().toISOString();
  const valid = parseJobSpec(spec);
  return {
    id: valid.id,
    state: "QUEUED",
    namespace: valid.namespace,
    accelerator: "cpu",
    createdAt: at,
    updatedAt: at,
    spec: JSON.parse(JSON.stringify(valid)) as Record<string, unknown>,
    source,
    events: [{ at, state: "QUEUED", reason: "Accepted" }],
    active: true,
  };
}

/** The object submitJob would create for this spec, rendered with the same defaults. */
export function floorObject(spec: Record<string, unknown>): Workload {
  const config = loadRuntimeConfig({});
  const valid = parseJobSpec(spec);
  return renderWorkload(valid.id!, valid, {
    outputDirBase: config.outputDirBase,
    defaultTtlSeconds: config.defaultTtlSeconds,
  });
}

/** The floor function's message: the record and the object, ready to write. */
export interface FloorMessage {
  key: string;
  doc: Record<string, unknown>;
  object: Workload;
}

export function floorMessage(id: string, namespace: string): FloorMessage {
  const spec = perfSpec(id, namespace);
  return { key: `${namespace}:${id}`, doc: floorDoc(spec, "perf:floor"), object: floorObject(spec) };
}
