/**
 * The throughput floor as a function: a functions-framework HTTP function
 * that takes a push body whose message carries a ready-made job record and
 * Kubernetes object (./workload.ts floorMessage) and does the least a
 * submission must do: one bare Firestore create() and one bare Kubernetes
 * create, sequentially, with the SDKs' default clients. It runs in its own
 * process, spawned and driven exactly as submitJob is, so the ratio of the
 * two is our code alone. A repeated create (409 / ALREADY_EXISTS) counts as
 * done, as it does for submitJob.
 *
 * With KINETIC_PERF_FLOOR_TRACKED=1 it also does what tracking the job
 * needs after the create, and no more: one update of the record conditional
 * on the create's write (the move to SUBMITTED). That "tracked floor" is not
 * the issue's floor; it shows how much of a gap that one write explains.
 */
import * as functions from "@google-cloud/functions-framework";
import { Firestore } from "@google-cloud/firestore";
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";

const db = new Firestore({ projectId: process.env.KINETIC_PROJECT ?? "perf-floor" });
const kc = new KubeConfig();
kc.loadFromFile(process.env.KINETIC_KUBECONFIG!);
const objects = KubernetesObjectApi.makeApiClient(kc);
const tracked = process.env.KINETIC_PERF_FLOOR_TRACKED === "1";
const code = (err: unknown) => (typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined);

functions.http("perfFloor", async (req, res) => {
  try {
    const body = req.body as { message: { data: string } };
    const msg = JSON.parse(Buffer.from(body.message.data, "base64").toString("utf8")) as {
      key: string;
      doc: Record<string, unknown>;
      object: KubernetesObject;
    };
    const doc = db.collection("perf-floor").doc(msg.key);
    const written = await doc.create(msg.doc).catch((err: unknown) => {
      if (code(err) !== 6) throw err;
      return undefined;
    });
    await objects.create(msg.object).catch((err: unknown) => {
      if (code(err) !== 409) throw err;
    });
    if (tracked && written)
      await doc.update(
        { state: "SUBMITTED", updatedAt: new Date().toISOString() },
        { lastUpdateTime: written.writeTime },
      );
    res.status(204).end();
  } catch (err) {
    res.status(500).send(String(err));
  }
});
