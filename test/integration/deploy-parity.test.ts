/**
 * Deploy parity: the functions exactly as infra deploys them (entry point,
 * environment, trigger), each in its own functions-framework process, driven
 * the way Google Cloud drives them: Cloud Scheduler ticks and Pub/Sub pushes
 * carrying OIDC tokens for the audience and identity infra configured, and a
 * user calling the API with their ID token. Tokens are signed by a test key
 * (test/fakes/google-certs.ts) that only KINETIC_TEST_GOOGLE_CERTS_URL makes
 * the verifier trust. A job published to the cluster's topic reaches
 * SUCCEEDED on the testbed through these functions alone.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { waitFor } from "../../testbed/index.ts";
import type { IdTokenClaims } from "../fakes/google-certs.ts";
import { ALICE, standIns, useDeployment, type Trigger } from "./deployed-functions.ts";

/** Functions anyone may call: their requests carry no Google identity, and they authenticate in their own way. */
const PUBLIC = new Set(FUNCTIONS.filter((f) => f.trigger.kind === "http" && f.trigger.public).map((f) => f.name));
const deployment = useDeployment("parity");
const { host, local } = deployment;

const triggerOf = (kind: Trigger["kind"], nameEnd: string) =>
  deployment.rendered.triggers.find((t) => t.kind === kind && t.name.endsWith(nameEnd))!;
const apiUrl = () => local(deployment.rendered.outputs.apiUrl as string);
const token = (claims: IdTokenClaims) => `Bearer ${deployment.google.mint(claims)}`;

/** Cloud Scheduler's request: POST to the target with its OIDC token and headers. */
async function tick(t: Trigger, authorization = token({ aud: t.audience, email: t.serviceAccountEmail })) {
  const res = await fetch(local(t.target), {
    method: "POST",
    headers: {
      authorization,
      "user-agent": "Google-Cloud-Scheduler",
      "x-cloudscheduler": "true",
      "x-cloudscheduler-jobname": t.name,
      "x-cloudscheduler-scheduletime": new Date().toISOString(),
    },
  });
  return { status: res.status, body: await res.text() };
}

/** Pub/Sub's push: the message pulled from the cluster's topic, POSTed with the subscription's OIDC token. */
async function push(
  t: Trigger,
  message: { data: string; messageId: string; attributes: Record<string, string> },
  authorization?: string,
) {
  const res = await fetch(local(t.target), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: authorization ?? token({ aud: t.audience, email: t.serviceAccountEmail }),
    },
    body: JSON.stringify({
      message: { ...message, publishTime: new Date().toISOString() },
      subscription: `projects/${deployment.pubsub.projectId}/subscriptions/${t.name}`,
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("each deployed function refuses what Google would not send it", () => {
  it("401 for a wrong audience, issuer, expiry or signature; 403 for an identity it does not take", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const fn of deployment.rendered.functions) {
      if (PUBLIC.has(fn.entryPoint)) continue; // its own signature check, below
      const t = deployment.rendered.triggers.find((x) => x.target === fn.deployedUrl);
      const aud = t?.audience ?? fn.deployedUrl;
      const email = t?.serviceAccountEmail ?? ALICE;
      const other = deployment.rendered.functions.find((f) => f !== fn)!.deployedUrl;
      const call = async (authorization: string) => {
        const res = await fetch(`${local(fn.deployedUrl)}/jobs`, {
          method: "POST",
          headers: { authorization, "content-type": "application/json" },
          body: "{}",
        });
        await res.arrayBuffer();
        return res.status;
      };
      expect(await call(token({ aud: other, email })), `${fn.name} wrong audience`).toBe(401);
      expect(await call(token({ aud, email, iss: "https://issuer.example.com" })), `${fn.name} issuer`).toBe(401);
      expect(await call(token({ aud, email, iat: now - 7200, exp: now - 3600 })), `${fn.name} expired`).toBe(401);
      expect(await call(`Bearer ${deployment.google.mintForged({ aud, email })}`), `${fn.name} signature`).toBe(401);
      expect(await call("Bearer a-static-token"), `${fn.name} static token`).toBe(401);
      expect(await call(token({ aud, email: "mallory@example.com" })), `${fn.name} identity`).toBe(403);
    }
  });

  it("a public function (the push hook: forges cannot send Google ID tokens) takes no token as its authentication", async () => {
    const hooks = deployment.rendered.functions.filter((f) => PUBLIC.has(f.entryPoint));
    expect(hooks.map((f) => f.entryPoint)).toEqual(["pushHook"]);
    for (const fn of hooks) {
      const call = async (authorization?: string) => {
        const res = await fetch(`${local(fn.deployedUrl)}/hooks/not-registered`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            ...(authorization ? { authorization } : {}),
          },
          body: "{}",
        });
        await res.arrayBuffer();
        return res.status;
      };
      expect(await call(), `${fn.name} unsigned`).toBe(401);
      expect(
        await call(token({ aud: fn.deployedUrl, email: ALICE })),
        `${fn.name} a valid ID token is no signature`,
      ).toBe(401);
    }
  });

  it("a cron refuses a user's token and the push identity; the push endpoint refuses the scheduler", async () => {
    const sync = triggerOf("schedule", "-sync-jobs");
    const submit = triggerOf("push", "-submit-job");
    expect((await tick(sync, token({ aud: sync.audience, email: ALICE }))).status).toBe(403);
    expect((await tick(sync, token({ aud: sync.audience, email: submit.serviceAccountEmail }))).status).toBe(403);
    const message = { data: Buffer.from("{}").toString("base64"), messageId: "1", attributes: {} };
    expect(await push(submit, message, token({ aud: submit.audience, email: sync.serviceAccountEmail }))).toBe(403);
  });
});

describe("driven as Google Cloud drives them", () => {
  it("answers Cloud Scheduler's ticks (the call the old wiring answered 401)", async () => {
    for (const t of deployment.rendered.triggers.filter((x) => x.kind === "schedule")) {
      const r = await tick(t);
      expect(r.status, `${t.name}: ${r.body}`).toBe(200);
    }
  });

  it("reproduces the old 401: syncJobs with the environment infra used to give it refuses the same tick", async () => {
    const sync = triggerOf("schedule", "-sync-jobs");
    const deployed = deployment.rendered.functions.find((f) => f.deployedUrl === sync.target)!;
    const OLD_KEYS = ["NODE_ENV", "NODE_OPTIONS", "KINETIC_PROJECT", "KINETIC_ZONE", "KINETIC_CLUSTER"];
    const old = Object.fromEntries(Object.entries(deployed.env).filter(([k]) => OLD_KEYS.includes(k)));
    const oldFn = await host.serve(
      {
        ...deployed,
        name: `${deployed.name}-old`,
        env: { ...old, KINETIC_SCHEDULER_PRINCIPALS: sync.serviceAccountEmail },
      },
      standIns(deployment.google.url),
    );
    const res = await fetch(oldFn.url, {
      method: "POST",
      headers: { authorization: token({ aud: sync.audience, email: sync.serviceAccountEmail }) },
    });
    expect(res.status).toBe(401);
    expect((await tick(sync)).status).toBe(200);
  });

  it("answers a user's API call made with their ID token", async () => {
    const res = await fetch(`${apiUrl()}/jobs?namespace=${deployment.ns.name}`, {
      headers: { authorization: token({ aud: deployment.rendered.outputs.apiUrl as string, email: ALICE }) },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ jobs: [] });
  });

  it("runs a published job to SUCCEEDED through the deployed-shaped functions", async () => {
    const submit = triggerOf("push", "-submit-job");
    const sync = triggerOf("schedule", "-sync-jobs");
    const topic = deployment.rendered.resources.find(
      (r) => r.type === "gcp:pubsub/topic:Topic" && r.inputs.name.endsWith("-jobs"),
    )!.inputs.name as string;
    // Published as `kinetic jobs submit --via pubsub` does, then delivered as the push subscription would.
    const id = `parity-${randomBytes(4).toString("hex")}`;
    const spec = {
      id,
      namespace: deployment.ns.name,
      image: "python:3.12-slim",
      command: ["true"],
      cpu: "100m",
      memory: "64Mi",
    };
    const data = Buffer.from(JSON.stringify(spec));
    const messageId = await deployment.pubsub.topic(topic).publishMessage({ data, attributes: { jobId: id } });
    expect(await push(submit, { data: data.toString("base64"), messageId, attributes: { jobId: id } })).toBe(204);

    const read = async () => {
      const res = await fetch(`${apiUrl()}/jobs/${id}?namespace=${deployment.ns.name}`, {
        headers: { authorization: token({ aud: deployment.rendered.outputs.apiUrl as string, email: ALICE }) },
      });
      return res.ok ? ((await res.json()) as { job: { state: string; events: { state: string }[] } }).job : undefined;
    };
    let last: string | undefined;
    const done = await waitFor(
      async () => {
        expect((await tick(sync)).status).toBe(200);
        const job = await read();
        last = job?.state;
        return job && ["SUCCEEDED", "FAILED", "REJECTED"].includes(job.state) ? job : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, description: `job ${id}`, lastSeen: () => String(last) },
    );
    expect(done.state).toBe("SUCCEEDED");
    expect(done.events.map((e) => e.state)).toEqual(expect.arrayContaining(["QUEUED", "SUBMITTED", "SUCCEEDED"]));
  });
});
