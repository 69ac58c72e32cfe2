import { describe, expect, it } from "vitest";
import { KineticError } from "./errors.ts";
import { loadRuntimeConfig, loadWiring } from "./runtime-config.ts";

describe("loadRuntimeConfig", () => {
  it("applies the defaults to an empty environment", () => {
    const config = loadRuntimeConfig({});
    expect(config.defaultTtlSeconds).toBe(7 * 86_400);
    expect(config.defaultQueue).toBeUndefined();
    expect(config.namespacePolicy).toEqual({ "*": ["default"] });
  });

  it("takes a default queue that is a valid queue name; empty means none", () => {
    expect(loadRuntimeConfig({ KINETIC_DEFAULT_QUEUE: "team-a" }).defaultQueue).toBe("team-a");
    expect(loadRuntimeConfig({ KINETIC_DEFAULT_QUEUE: "" }).defaultQueue).toBeUndefined();
  });

  it("fails at start, naming the variable, on a default queue Kubernetes would refuse", () => {
    expect(() => loadRuntimeConfig({ KINETIC_DEFAULT_QUEUE: "Bad Queue" })).toThrow(KineticError);
    expect(() => loadRuntimeConfig({ KINETIC_DEFAULT_QUEUE: "Bad Queue" })).toThrow(/KINETIC_DEFAULT_QUEUE/);
  });
});

describe("loadWiring", () => {
  it("defaults to the local names, and takes the cluster's database and topics from the environment", () => {
    expect(loadWiring({})).toEqual({
      databaseId: "(default)",
      topics: {
        jobs: "kinetic-jobs",
        jobEvents: "kinetic-job-events",
        tuning: "kinetic-tuning",
        builds: "kinetic-builds",
        cloudBuilds: "kinetic-cloud-builds",
      },
    });
    expect(
      loadWiring({
        KINETIC_PROJECT: "p",
        KINETIC_FIRESTORE_DATABASE: "kinetic-a",
        KINETIC_TOPIC_JOBS: "kinetic-a-jobs",
        KINETIC_TOPIC_JOB_EVENTS: "kinetic-a-job-events",
        KINETIC_TOPIC_TUNING: "kinetic-a-tuning",
        KINETIC_TOPIC_BUILDS: "kinetic-a-builds",
        KINETIC_TOPIC_CLOUD_BUILDS: "kinetic-a-cloud-builds",
      }),
    ).toEqual({
      projectId: "p",
      databaseId: "kinetic-a",
      topics: {
        jobs: "kinetic-a-jobs",
        jobEvents: "kinetic-a-job-events",
        tuning: "kinetic-a-tuning",
        builds: "kinetic-a-builds",
        cloudBuilds: "kinetic-a-cloud-builds",
      },
    });
  });
});
