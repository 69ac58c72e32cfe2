// Installs JobSet (sigs.k8s.io/jobset) into the testbed: CRD, the controller manager with its own cert rotation off
// (it serves the testbed certificate from a cert dir) and its webhooks registered by URL.
import type { KubernetesObject } from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { installAddon, webhookConfigurations, writeCertDir, type AddonContext, type AddonResult } from "./addon.ts";
import {
  createAll,
  loadYamlObjects,
  rawCreate,
  waitForCrdsEstablished,
  withoutSchemaDescriptions,
} from "./kube-apply.ts";
import { probe, startComponent, waitUntil } from "./processes.ts";

export type { AddonContext } from "./addon.ts";

export async function setupJobSet(
  ctx: AddonContext,
  ports: { webhookPort: number; healthPort: number },
): Promise<AddonResult> {
  return installAddon(ctx, "jobset", async (track) => {
    const bin = ctx.paths.bin("jobset");
    const crd = join(ctx.paths.crds, "jobset.x-k8s.io_jobsets.yaml");
    const manifest = join(ctx.paths.webhooks, "jobset.yaml");
    for (const f of [bin, crd, manifest]) {
      if (!existsSync(f)) throw new Error(`${f} is missing; run \`npm run testbed:build\``);
    }
    await createAll(ctx.kc, loadYamlObjects(crd).map(withoutSchemaDescriptions));
    await waitForCrdsEstablished(ctx.kc, ["jobsets.jobset.x-k8s.io"], { timeoutMs: ctx.timeoutMs });

    track.webhooks = webhookConfigurations(manifest, {
      port: ports.webhookPort,
      caPem: ctx.pki.caPem,
      namePrefix: "jobset",
    });
    await createAll(ctx.kc, track.webhooks);

    const certDir = await writeCertDir(ctx, "jobset");
    const configPath = join(ctx.dir, "jobset-config.yaml");
    await writeFile(
      configPath,
      stringify({
        apiVersion: "config.jobset.x-k8s.io/v1alpha1",
        kind: "Configuration",
        leaderElection: { leaderElect: false },
        internalCertManagement: { enable: false },
        webhook: { host: "127.0.0.1", port: ports.webhookPort, certDir },
        metrics: { bindAddress: "0" },
        health: { healthProbeBindAddress: `127.0.0.1:${ports.healthPort}` },
        clientConnection: { qps: 200, burst: 400 },
      }),
    );
    const component = startComponent("jobset", bin, [`--config=${configPath}`, "--zap-devel=false"], {
      logDir: ctx.logDir,
      env: { KUBECONFIG: join(ctx.dir, "kubeconfig") },
    });
    track.component = component;
    ctx.components.push(component);

    await waitUntil(
      "jobset /readyz",
      async () => (await probe(`http://127.0.0.1:${ports.healthPort}/readyz`)).status === 200,
      { timeoutMs: ctx.timeoutMs, components: [component] },
    );
    // Ready only once the API server can reach the webhooks: a server-side dry run goes through both of them.
    await waitUntil(
      "jobset webhooks (dry-run JobSet create)",
      async () => {
        await rawCreate(
          ctx.kc,
          {
            apiVersion: "jobset.x-k8s.io/v1alpha2",
            kind: "JobSet",
            metadata: { name: "testbed-probe", namespace: "default" },
            spec: {
              replicatedJobs: [
                {
                  name: "w",
                  replicas: 1,
                  template: {
                    spec: {
                      template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
                    },
                  },
                },
              ],
            },
          } as KubernetesObject,
          { dryRun: true },
        );
        return true;
      },
      { timeoutMs: ctx.timeoutMs, components: [component], intervalMs: 200 },
    );
  });
}
