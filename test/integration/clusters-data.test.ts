// Two clusters in one project keep their job data apart: each deployment's functions
// open the Firestore database infra gave them (KINETIC_FIRESTORE_DATABASE), so a job
// written by one cluster's functions is not there for the other's, on the real emulator.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseInfraConfig } from "../../infra/config.ts";
import { byType, runDeploy } from "../../infra/test-support.ts";
import { loadWiring, type Wiring } from "../../shared/runtime-config.ts";
import { openFirestore } from "../../shared/store/firestore-docs.ts";

describe("job data of two clusters in one project", () => {
  it("never mixes: each cluster's functions read and write their own database", async () => {
    const project = `clusters-${randomBytes(4).toString("hex")}`;
    const wiring: Wiring[] = [];
    for (const cluster of ["train", "serve"]) {
      const { resources } = await runDeploy(parseInfraConfig({ project, zone: "us-central1-a", cluster }));
      const api = byType(resources, "gcp:cloudfunctionsv2/function:Function").find((f) =>
        String(f.inputs.name).endsWith("-api"),
      )!;
      wiring.push(loadWiring(api.inputs.serviceConfig.environmentVariables));
    }
    const [a, b] = wiring.map((w) => openFirestore({ projectId: w.projectId!, databaseId: w.databaseId }));
    expect(wiring[0]!.databaseId).not.toBe(wiring[1]!.databaseId);

    // The same job id in both clusters: two records, each visible to its own cluster only.
    const id = `default:same-${randomBytes(3).toString("hex")}`;
    expect(await a!.create("jobs", id, { state: "QUEUED", cluster: "train" })).not.toBe(false);
    expect(await b!.get("jobs", id)).toBeUndefined();
    expect(await b!.create("jobs", id, { state: "QUEUED", cluster: "serve" })).not.toBe(false);
    expect((await a!.get("jobs", id))?.data).toMatchObject({ cluster: "train" });
    expect((await b!.get("jobs", id))?.data).toMatchObject({ cluster: "serve" });
  });
});
