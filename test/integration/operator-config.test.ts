/**
 * The live operator config end to end: the real `kinetic admin config`
 * CLI (a subprocess) against the API's /admin/config routes on the Firestore
 * emulator. A change made with the CLI is what the next cron read sees, from
 * another store instance (as another function would), without a restart;
 * invalid and stale changes are refused whole; tenants are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApiApp } from "../../functions/api/app.ts";
import { operatorConfigRoutes } from "../../functions/api/operator-config-routes.ts";
import { MemoryCluster } from "../../shared/cluster/memory-cluster.ts";
import type { Deps } from "../../shared/deps.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { DocOperatorConfigStore } from "../../shared/store/operator-config-store.ts";
import { createStores } from "../../shared/stores.ts";
import { sandbox, type Sandbox } from "../unit/cli/helpers.ts";
import { testDeps, testFirestore } from "./support.ts";

const OPERATOR_TOKEN = "operator-token-0123456789";
const TENANT_TOKEN = "tenant-token-0123456789";

let deps: Deps;
let docs: FirestoreDocs;
let server: Server;
let url: string;
let sb: Sandbox;
let asOperator: Record<string, string>;
let asTenant: Record<string, string>;

beforeAll(async () => {
  docs = new FirestoreDocs(testFirestore("opconfig"));
  deps = {
    ...testDeps({
      namespaces: [],
      stores: createStores(docs),
      cluster: new MemoryCluster(), // these routes never touch the cluster
      config: { namespacePolicy: { ops: ["*"], tenant: ["team-a"] } },
    }),
    auth: createAuthenticator({
      staticTokens: [
        { name: "ops", token: OPERATOR_TOKEN },
        { name: "tenant", token: TENANT_TOKEN },
      ],
      allowedEmails: [],
    }),
  };
  server = createApiApp(async () => deps, [operatorConfigRoutes]).listen(0, "127.0.0.1");
  await new Promise<void>((r) => server.once("listening", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sb = await sandbox();
  const base = { KINETIC_API_URL: url, KINETIC_PROJECT: "opconfig", KINETIC_NAMESPACE: "team-a" };
  asOperator = { ...base, KINETIC_API_TOKEN: OPERATOR_TOKEN };
  asTenant = { ...base, KINETIC_API_TOKEN: TENANT_TOKEN };
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await sb?.cleanup();
});

/** What a cron in another function instance reads on its next run. */
const nextCronRead = () => new DocOperatorConfigStore(docs).current();

async function put(token: string, body: unknown) {
  const res = await fetch(`${url}/admin/config`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("kinetic admin config", () => {
  it("show prints every default before any change", async () => {
    const shown = await sb.run(["admin", "config", "show"], asOperator);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("Revision 0 (all defaults)");
    expect(shown.stdout).toContain('  nodes.defaultGpuResourceKey: "nvidia.com/gpu"');
    expect(shown.stdout).toContain('  scheduling.pendingThresholdForPreemption: "5m"');
    expect(shown.stdout).toContain("  resourceMonitoring.terminateUnderutilized: false");
  });

  it("a change with set (pairs and a YAML file) is seen by the next cron read, without a restart, and recorded", async () => {
    const before = await nextCronRead();
    expect(before.resourceMonitoring.terminateUnderutilized).toBe(false);

    const file = join(sb.home, "monitoring.yaml");
    await writeFile(file, "resourceMonitoring:\n  lowUtilizationThreshold: 5\n  targetNamespaces: [team-a]\n");
    const set = await sb.run(
      [
        "admin",
        "config",
        "set",
        "-f",
        file,
        "resourceMonitoring.terminateUnderutilized=true",
        "resourceMonitoring.terminateUnderutilizedAfter=2h",
        "--reason",
        "idle H100s",
      ],
      asOperator,
    );
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^Revision 1: changed .*resourceMonitoring\.terminateUnderutilized/);

    const after = await nextCronRead();
    expect(after.resourceMonitoring).toMatchObject({
      terminateUnderutilized: true,
      terminateUnderutilizedAfter: "2h",
      lowUtilizationThreshold: 5,
      targetNamespaces: ["team-a"],
    });

    const shown = await sb.run(["admin", "config", "show"], asOperator);
    expect(shown.stdout).toContain("Revision 1, changed");
    expect(shown.stdout).toContain("by ops");
    expect(shown.stdout).toContain("* resourceMonitoring.terminateUnderutilized: true");
    expect(shown.stdout).toContain("  resourceMonitoring.warmUp:"); // still a default: no star

    const history = await sb.run(["admin", "config", "history", "--json"], asOperator);
    const { changes } = JSON.parse(history.stdout) as {
      changes: { revision: number; by: string; old: object; new: { resourceMonitoring: object }; reason: string }[];
    };
    expect(changes[0]).toMatchObject({ revision: 1, by: "ops", old: {}, reason: "idle H100s" });
    expect(changes[0]?.new.resourceMonitoring).toMatchObject({ terminateUnderutilized: true });

    // A pair set to null returns the key to its default; the rest stays.
    const unset = await sb.run(
      ["admin", "config", "set", "resourceMonitoring.lowUtilizationThreshold=null"],
      asOperator,
    );
    expect(unset.code).toBe(0);
    const reverted = await nextCronRead();
    expect(reverted.resourceMonitoring.lowUtilizationThreshold).toBe(1);
    expect(reverted.resourceMonitoring.terminateUnderutilized).toBe(true);
  });

  it("an invalid change is refused whole with every bad field named, and nothing changes", async () => {
    const { revision } = await new DocOperatorConfigStore(docs).read();
    const bad = await sb.run(
      [
        "admin",
        "config",
        "set",
        "scheduling.pendingThresholdForPreemption=5 minutes",
        "resourceMonitoring.lowUtilizationThreshold=-3",
        "scheduling.kubeSchedulerName=my-scheduler",
      ],
      asOperator,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("scheduling.pendingThresholdForPreemption:");
    expect(bad.stderr).toContain("resourceMonitoring.lowUtilizationThreshold: must be at least 0");
    const state = await new DocOperatorConfigStore(docs).read();
    expect(state.revision).toBe(revision);
    expect(state.config.scheduling.kubeSchedulerName).toBe("default-scheduler"); // the valid pair was not applied

    const malformed = await sb.run(["admin", "config", "set", "no-equals-sign"], asOperator);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("expected key.path=value");
  });

  it("concurrent PUTs from the same revision: one lands, the others get 409 and are not lost silently", async () => {
    const { revision } = await new DocOperatorConfigStore(docs).read();
    const answers = await Promise.all(
      [1, 2, 3, 4].map((i) => put(OPERATOR_TOKEN, { config: { defaultClusterQueueCohortName: `c${i}` }, revision })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body).toMatchObject({ error: { code: "failed-precondition" } });
    }
    const state = await new DocOperatorConfigStore(docs).read();
    expect(state.revision).toBe(revision + 1);
    const winner = answers.find((a) => a.status === 200)!.body as { set: { defaultClusterQueueCohortName: string } };
    expect(state.config.defaultClusterQueueCohortName).toBe(winner.set.defaultClusterQueueCohortName);

    // The CLI names the stale revision when given one.
    const stale = await sb.run(
      ["admin", "config", "set", "--revision", String(revision), "ray.headPodMemory=8Gi"],
      asOperator,
    );
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`not ${revision}`);
  });

  it("tenants can neither read nor change the operator config", async () => {
    const shown = await sb.run(["admin", "config", "show"], asTenant);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain("is for operators");
    const before = await new DocOperatorConfigStore(docs).read();
    const res = await put(TENANT_TOKEN, { config: {}, revision: before.revision });
    expect(res.status).toBe(403);
    const history = await fetch(`${url}/admin/config/history`, {
      headers: { authorization: `Bearer ${TENANT_TOKEN}` },
    });
    expect(history.status).toBe(403);
    expect((await new DocOperatorConfigStore(docs).read()).revision).toBe(before.revision);
  });

  it("PUT validates its envelope: a missing revision or unknown field is a 400 naming it", async () => {
    const noRevision = await put(OPERATOR_TOKEN, { config: {} });
    expect(noRevision.status).toBe(400);
    expect(JSON.stringify(noRevision.body)).toContain('"field":"revision"');
    const extra = await put(OPERATOR_TOKEN, { config: {}, revision: 0, force: true });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body)).toContain('"field":"force"');
  });
});
