// Image builds as deployed, under Pulumi's mocks: the build account and its grants, Cloud Build's right to
// publish on the cluster's own status topic, and functions whose settings build with exactly that.
import { beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS } from "../functions/deploy.ts";
import { CloudBuildBuilder } from "../shared/builds/backends/cloud-build.ts";
import { createImageDeps, loadBuildSettings } from "../shared/builds/image-deps.ts";
import { RecordingBus } from "../shared/bus/event-bus.ts";
import { systemClock } from "../shared/clock.ts";
import { createLogger } from "../shared/log.ts";
import { memoryStores } from "../shared/stores.ts";
import { parseInfraConfig } from "./config.ts";
import { deployedName } from "./naming.ts";
import { PROJECT_NUMBER, byType, runDeploy, type Recorded } from "./test-support.ts";

let resources: Recorded[];
beforeAll(async () => {
  ({ resources } = await runDeploy(
    parseInfraConfig({ project: "acme-ml", zone: "us-central1-a", cluster: "train", pools: [] }),
  ));
});
const of = (type: string) => byType(resources, type);
const BUILD_SA = "serviceAccount:kinetic-train-build@acme-ml.iam.gserviceaccount.com";
const envOf = (name: string): Record<string, string> => {
  const fn = of("gcp:cloudfunctionsv2/function:Function").find((f) => f.inputs.name === name);
  return (fn!.inputs as { serviceConfig: { environmentVariables: Record<string, string> } }).serviceConfig
    .environmentVariables;
};

describe("image builds as deployed", () => {
  it("Cloud Builds run as their own account: it pushes to the cluster's repository and reads the sources", () => {
    const account = of("gcp:serviceaccount/account:Account").find((a) => a.name === "sa-build");
    expect(account?.inputs.accountId).toBe("kinetic-train-build");
    const repoGrants = of("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember").filter(
      (g) => g.inputs.member === BUILD_SA,
    );
    expect(repoGrants.map((g) => g.inputs.role)).toEqual(["roles/artifactregistry.writer"]);
    const bucketGrants = of("gcp:storage/bucketIAMMember:BucketIAMMember").filter((g) => g.inputs.member === BUILD_SA);
    expect(bucketGrants.map((g) => g.inputs.role)).toEqual(["roles/storage.objectViewer"]);
  });

  it("only buildImage may start builds as that account, and Cloud Build may publish status on the cluster's topic", () => {
    const actAs = of("gcp:serviceaccount/iAMMember:IAMMember").filter(
      (g) => g.inputs.role === "roles/iam.serviceAccountUser",
    );
    expect(actAs.map((g) => g.inputs.member)).toEqual([
      "serviceAccount:kinetic-train-build-image@acme-ml.iam.gserviceaccount.com",
    ]);
    const publish = of("gcp:pubsub/topicIAMMember:TopicIAMMember").filter((g) =>
      String(g.inputs.member).includes("gcp-sa-cloudbuild"),
    );
    expect(publish.map((g) => [g.inputs.topic, g.inputs.member])).toEqual([
      [
        "kinetic-train-cloud-builds",
        `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-cloudbuild.iam.gserviceaccount.com`,
      ],
    ]);
  });

  it("every function builds with the same settings, and they make a Cloud Build builder reporting on that topic", () => {
    const envs = FUNCTIONS.map((f) => envOf(deployedName("train", f)));
    for (const env of envs) {
      expect(env).toMatchObject({
        KINETIC_BUILDER: "cloud-build",
        KINETIC_BUILD_REPOSITORY: "us-central1-docker.pkg.dev/acme-ml/kinetic-train/jobs",
        KINETIC_BUILD_SOURCE_BUCKET: "acme-ml-kinetic-train-functions",
        KINETIC_BUILD_SERVICE_ACCOUNT: "kinetic-train-build@acme-ml.iam.gserviceaccount.com",
        KINETIC_TOPIC_BUILDS: "kinetic-train-builds",
        KINETIC_TOPIC_CLOUD_BUILDS: "kinetic-train-cloud-builds",
      });
    }
    const stores = memoryStores();
    const images = createImageDeps(loadBuildSettings(envs[0]), {
      builds: stores.builds,
      bus: new RecordingBus(),
      clock: systemClock,
      log: createLogger({}, () => {}),
      projectId: "acme-ml",
      token: async () => "unused",
    });
    expect(images?.builder).toBeInstanceOf(CloudBuildBuilder);
    expect(images?.defaultRepository).toBe("us-central1-docker.pkg.dev/acme-ml/kinetic-train/jobs");
    expect((images!.builder as unknown as { options: { pubsubTopic: string } }).options.pubsubTopic).toBe(
      "projects/acme-ml/topics/kinetic-train-cloud-builds",
    );
  });
});
