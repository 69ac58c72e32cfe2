// Registers the fake GKE nodes from ./nodes.ts with the API server and waits until KWOK reports them Ready.
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { allNodes } from "./nodes.ts";
import { describeApiError, isStatus } from "./kube-apply.ts";
import { waitUntil, type Component } from "./processes.ts";

export async function createNodes(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    allNodes().map(async (node) => {
      try {
        // Node create keeps .status, so capacity/allocatable arrive with the object; KWOK keeps them.
        await api.createNode({ body: node });
      } catch (err) {
        if (!isStatus(err, 409)) {
          throw new Error(`testbed: creating node ${node.metadata?.name ?? ""} failed: ${describeApiError(err)}`, {
            cause: err,
          });
        }
      }
    }),
  );
}

export async function waitForNodesReady(
  kc: KubeConfig,
  opts: { timeoutMs: number; components?: readonly Component[] },
): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  const expected = allNodes().length;
  await waitUntil(
    `${expected} fake nodes Ready`,
    async () => {
      const list = await api.listNode({ labelSelector: "type=kwok" });
      const ready = list.items.filter((n) =>
        n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      );
      return ready.length >= expected;
    },
    { ...opts, intervalMs: 200 },
  );
}
