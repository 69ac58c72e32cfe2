/**
 * tuneStudy as infra deploys it (test/integration/deployed-functions.ts):
 * the api and tuneStudy functions, each in its own functions-framework
 * process with exactly its deployed environment, driven as Google Cloud
 * drives them. A user creates a study with their ID token; the API publishes
 * study.drive to the cluster's own tuning topic (KINETIC_TOPIC_TUNING, set by
 * infra); the message is pulled from that topic and pushed to tuneStudy's
 * tuning subscription with the push identity's OIDC token, and the trials
 * become real Jobs on the testbed. tuneStudy's job-events subscription takes
 * a job.finished push too, and both refuse a token of another identity.
 */
import { randomBytes } from "node:crypto";
import { BatchV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { kubeConfigFromEnv, waitFor } from "../../testbed/index.ts";
import { ALICE, useDeployment, type Trigger } from "./deployed-functions.ts";

const deployment = useDeployment("stdep", { only: /-(api|tune-study)$/, expect: 2 });
const { local } = deployment;

const topicNamed = (suffix: string) =>
  deployment.rendered.resources.find((r) => r.type === "gcp:pubsub/topic:Topic" && r.inputs.name.endsWith(suffix))!
    .inputs.name as string;
const tuneStudyTrigger = (topic: string): Trigger =>
  deployment.rendered.triggers.find((t) => t.kind === "push" && t.name === `${topic}-tune-study`)!;

async function push(t: Trigger, data: Buffer, messageId: string, email = t.serviceAccountEmail): Promise<number> {
  const res = await fetch(local(t.target), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${deployment.google.mint({ aud: t.audience, email })}`,
    },
    body: JSON.stringify({
      message: { data: data.toString("base64"), messageId, attributes: {}, publishTime: new Date().toISOString() },
      subscription: `projects/${deployment.pubsub.projectId}/subscriptions/${t.name}`,
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("tuneStudy deployed", () => {
  it("a study created through the API starts its trials as Jobs via the cluster's tuning topic and tuneStudy's push", async () => {
    const tuning = topicNamed("-tuning");
    const jobEvents = topicNamed("-job-events");
    expect(tuning).toBe("kinetic-stdep-tuning");
    const [sub] = await deployment.pubsub.topic(tuning).createSubscription(`watch-${randomBytes(3).toString("hex")}`);
    const apiUrl = deployment.rendered.outputs.apiUrl as string;
    const id = `dep-${randomBytes(3).toString("hex")}`;
    const spec = {
      id,
      hyperparameters: { x: { type: "double", min: 0, max: 1 } },
      objectives: ["accuracy"],
      trials: 3,
      parallelTrials: 2,
      algorithm: "random",
      trialTemplate: {
        namespace: deployment.ns.name,
        image: "python:3.12-slim",
        command: ["true"],
        cpu: "100m",
        memory: "64Mi",
      },
    };
    const created = await fetch(`${local(apiUrl)}/studies`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${deployment.google.mint({ aud: apiUrl, email: ALICE })}`,
      },
      body: JSON.stringify(spec),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(((await created.json()) as { study: { state: string } }).study.state).toBe("CREATED");

    // What the API published on the cluster's tuning topic, as the push subscription would deliver it.
    const message = await new Promise<{ data: Buffer; id: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing published on ${tuning}`)), 30_000);
      sub.once("message", (m: { data: Buffer; id: string; ack: () => void }) => {
        clearTimeout(timer);
        m.ack();
        resolve({ data: m.data, id: m.id });
      });
    });
    await sub.close();
    expect(JSON.parse(message.data.toString())).toEqual({
      type: "study.drive",
      namespace: deployment.ns.name,
      studyId: id,
    });
    const trigger = tuneStudyTrigger(tuning);
    expect(await push(trigger, message.data, message.id, "mallory@example.com")).toBe(403);
    expect(await push(trigger, message.data, message.id)).toBe(204);

    const batch = kubeConfigFromEnv().makeApiClient(BatchV1Api);
    const jobs = await waitFor(
      async () => {
        const list = await batch.listNamespacedJob({ namespace: deployment.ns.name });
        const ids = list.items.map((j) => j.metadata?.labels?.["kinetic.dev/job-id"]).sort();
        return ids.length === 2 ? ids : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: "the first two trials' Jobs" },
    );
    expect(jobs).toEqual([`${id}-0`, `${id}-1`]);

    // The job-events subscription delivers to the same function; a job that is no trial is acked and ignored.
    const events = tuneStudyTrigger(jobEvents);
    const event = Buffer.from(
      JSON.stringify({
        type: "job.finished",
        eventId: `${deployment.ns.name}:other:finished`,
        jobId: "other",
        namespace: deployment.ns.name,
        state: "SUCCEEDED",
        finishedAt: new Date().toISOString(),
      }),
    );
    expect(await push(events, event, "e-1", "mallory@example.com")).toBe(403);
    expect(await push(events, event, "e-1")).toBe(204);
  });
});
