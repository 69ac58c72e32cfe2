/** Connecting to "GKE": the Container API answer and an ADC token become a working client (against the testbed). */
import { describe, expect, it } from "vitest";
import { connectGke } from "../../shared/cluster/connect.ts";
import { FakeGkeApis } from "../fakes/gke-cluster-manager.ts";
import { createTestNamespace } from "../../testbed/index.ts";

const target = { project: "acme-ml", zone: "us-central1-a", cluster: "kinetic" };
const name = "projects/acme-ml/locations/us-central1-a/clusters/kinetic";

describe("connectGke", () => {
  it("builds a client from getCluster's endpoint and CA plus an access token, and refreshes the token", async () => {
    const apis = new FakeGkeApis(process.env.KINETIC_TEST_KUBECONFIG!, name);
    const cluster = await connectGke(target, apis);
    expect(apis.clusterNames).toEqual([name]);
    const ns = await createTestNamespace("gke");
    try {
      // A real call through the TLS-verified connection: the CA must match for this to succeed.
      expect(await cluster.listManaged(ns.name, ["Job"])).toEqual([]);
      await cluster.listManaged(ns.name, ["Job"]);
      expect(apis.tokensIssued).toBe(1);
      apis.nowMs += 46 * 60_000;
      await cluster.listManaged(ns.name, ["Job"]);
      expect(apis.tokensIssued).toBe(2);
    } finally {
      await ns.cleanup();
    }
  });

  it("fails clearly when the cluster does not exist", async () => {
    const apis = new FakeGkeApis(process.env.KINETIC_TEST_KUBECONFIG!, name);
    await expect(connectGke({ ...target, cluster: "nope" }, apis)).rejects.toThrow(/NOT_FOUND/);
  });
});
