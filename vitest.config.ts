// Two projects: fast unit tests beside the code, and integration suites that
// talk to the real Firestore/Pub/Sub emulators and the Kubernetes testbed.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{shared,functions,cli,infra,scripts}/**/*.test.ts", "test/unit/**/*.test.ts"],
          environment: "node",
          // Unit tests first, then the integration group with its own worker limit.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          // test/packaging builds, packs and installs the shipped artifacts (slow: npm installs from the registry).
          include: ["test/integration/**/*.test.ts", "testbed/**/*.test.ts", "test/packaging/**/*.test.ts"],
          globalSetup: ["test/setup/global-setup.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // 2-core machines: the control plane and emulators need CPU too.
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
