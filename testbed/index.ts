// The one entry point for tests that need Kubernetes: the testbed itself (see ./cluster.ts for the full description),
// the fake node pool catalog, and helpers for namespaces, add-on availability and bounded waits.
export { startTestbed } from "./cluster.ts";
export { testbedPaths } from "./paths.ts";
export type { AddonStatus, ComponentStats, Testbed, TestbedOptions } from "./cluster.ts";
export * from "./nodes.ts";
export { CLUSTER_QUEUE, LOCAL_QUEUE, QUEUE_LABEL, flavorNodeLabels } from "./kueue.ts";
export {
  ADDONS_ENV,
  KUBECONFIG_ENV,
  addonUnavailable,
  createTestNamespace,
  kubeConfigFromEnv,
  podsOfJob,
  requireAddon,
  waitFor,
  waitForJobCondition,
  waitForPodCondition,
  waitForPodPhase,
  waitForPodsPhase,
} from "./helpers.ts";
export type { AddonName, TestNamespace, WaitOptions } from "./helpers.ts";
export { startFaultProxy } from "./fault-proxy.ts";
export type { ActiveRule, Fault, FaultProxy, FaultProxyStats, FaultRule } from "./fault-proxy.ts";
// rawCreate/createAll POST raw JSON: client-node's typed serializer drops CRD keys such as `default` and `x-kubernetes-*`.
export { createAll, describeApiError, isStatus, loadYamlObjects, rawCreate } from "./kube-apply.ts";

/** Pod annotations read by the testbed's KWOK stages (./stages.yaml). */
export const TEST_ANNOTATIONS = {
  /** "succeed" (default), "fail", or "run" (keep running until deleted). */
  outcome: "testbed.kinetic.dev/outcome",
  /** Go duration before the pod ends, e.g. "2s" (default 1s). */
  runFor: "testbed.kinetic.dev/run-for",
  /** Exit code of a failing pod's containers, e.g. "3" (default 1). */
  exitCode: "testbed.kinetic.dev/exit-code",
} as const;
