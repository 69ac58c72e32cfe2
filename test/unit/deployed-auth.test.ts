// Authentication as deployed, with real signed tokens: the environment infra gives
// each function (rendered under Pulumi's mocks) against tokens minted by a fake of
// Google's signing endpoint. The old wiring answered 401 to Cloud Scheduler's own
// tick; the environment infra produces now authenticates exactly the right identity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { parseInfraConfig } from "../../infra/config.ts";
import { roleOf } from "../../infra/function-env.ts";
import { deployedName } from "../../infra/naming.ts";
import { byType, runDeploy, type Recorded } from "../../infra/test-support.ts";
import type { KineticError } from "../../shared/errors.ts";
import { authConfigFromEnv, createAuthenticator } from "../../shared/security/auth.ts";
import { TEST_CERTS_ENV } from "../../shared/security/test-certs.ts";
import { startFakeGoogleCerts, type FakeGoogleCerts, type IdTokenClaims } from "../fakes/google-certs.ts";

const CFG = parseInfraConfig({
  project: "acme-ml",
  zone: "us-central1-a",
  cluster: "train",
  apiInvokers: ["user:alice@example.com"],
});
const SCHEDULER = "kinetic-train-scheduler@acme-ml.iam.gserviceaccount.com";
const PUSH = "kinetic-train-push@acme-ml.iam.gserviceaccount.com";

let google: FakeGoogleCerts;
let resources: Recorded[];
beforeAll(async () => {
  google = await startFakeGoogleCerts();
  ({ resources } = await runDeploy(CFG));
}, 60_000);
afterAll(() => google?.close());

const deployedEnv = (name: string): Record<string, string> =>
  byType(resources, "gcp:cloudfunctionsv2/function:Function").find((f) => f.inputs.name === name)!.inputs.serviceConfig
    .environmentVariables;
/** The function as deployed, plus the one test-only override: trust the fake's key. */
const authOf = (env: Record<string, string>) =>
  createAuthenticator(authConfigFromEnv({ ...env, [TEST_CERTS_ENV]: google.url }));
const bearer = (claims: IdTokenClaims) => `Bearer ${google.mint(claims)}`;
const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as KineticError).code;

const sync = FUNCTIONS.find((f) => f.name === "syncJobs")!;
const syncName = deployedName("train", sync);
const syncTick = () => {
  const job = byType(resources, "gcp:cloudscheduler/job:Job").find((j) => j.inputs.name === syncName)!;
  return { aud: job.inputs.httpTarget.oidcToken.audience, email: job.inputs.httpTarget.oidcToken.serviceAccountEmail };
};

describe("the old wiring", () => {
  it("answered 401 to Cloud Scheduler's own OIDC tick (nothing told the function what to accept)", async () => {
    const old = {
      NODE_ENV: "production",
      KINETIC_PROJECT: "acme-ml",
      KINETIC_ZONE: "us-central1-a",
      KINETIC_CLUSTER: "train",
    };
    const auth = authOf({ ...old, KINETIC_SCHEDULER_PRINCIPALS: SCHEDULER });
    await expect(auth.authenticate(bearer(syncTick()))).rejects.toMatchObject({ code: "unauthenticated" });
  });

  it("is gone: the environment infra produces authenticates the same tick", async () => {
    expect(syncTick().email).toBe(SCHEDULER);
    await expect(authOf(deployedEnv(syncName)).authenticate(bearer(syncTick()))).resolves.toEqual({
      id: SCHEDULER,
      kind: "google",
    });
  });
});

describe("every function as deployed", () => {
  const caller = (role: string): string => (role === "cron" ? SCHEDULER : role === "push" ? PUSH : "alice@example.com");

  it("accepts its trigger's identity for its own audience, and nothing else", async () => {
    for (const spec of FUNCTIONS) {
      const name = deployedName("train", spec);
      const auth = authOf(deployedEnv(name));
      const aud = `https://us-central1-acme-ml.cloudfunctions.net/${name}`;
      const email = caller(roleOf(spec));
      const now = Math.floor(Date.now() / 1000);
      await expect(auth.authenticate(bearer({ aud, email })), spec.name).resolves.toMatchObject({ id: email });
      // 401: a token for another function, not from Google, expired, or signed by another key.
      const other = FUNCTIONS.find((f) => f !== spec)!;
      const wrongAud = `https://us-central1-acme-ml.cloudfunctions.net/${deployedName("train", other)}`;
      expect(await codeOf(auth.authenticate(bearer({ aud: wrongAud, email }))), spec.name).toBe("unauthenticated");
      expect(await codeOf(auth.authenticate(bearer({ aud, email, iss: "https://evil.example.com" })))).toBe(
        "unauthenticated",
      );
      expect(await codeOf(auth.authenticate(bearer({ aud, email, iat: now - 7200, exp: now - 3600 })))).toBe(
        "unauthenticated",
      );
      expect(await codeOf(auth.authenticate(`Bearer ${google.mintForged({ aud, email })}`))).toBe("unauthenticated");
      // 403: a good token of an identity this function does not take (the other triggers' included).
      for (const intruder of [
        "mallory@example.com",
        ...[SCHEDULER, PUSH, "alice@example.com"].filter((e) => e !== email),
      ])
        expect(await codeOf(auth.authenticate(bearer({ aud, email: intruder }))), `${spec.name} ${intruder}`).toBe(
          "permission-denied",
        );
      // Static tokens are not deployed.
      expect(await codeOf(auth.authenticate("Bearer local-token"))).toBe("unauthenticated");
    }
  });

  it("lets a user call the API with the token `gcloud auth print-identity-token` gives them", async () => {
    const api = deployedName(
      "train",
      FUNCTIONS.find((f) => f.name === "api")!,
    );
    const auth = authOf(deployedEnv(api));
    const token = bearer({ aud: "32555940559.apps.googleusercontent.com", email: "alice@example.com" });
    await expect(auth.authenticate(token)).resolves.toMatchObject({ id: "alice@example.com" });
  });
});
