// What the JobSet and Kueue installers share: the context they run in, webhook registration by URL (there is no
// Service network, so the API server calls the managers on 127.0.0.1 directly, as envtest does), and the rule that a
// failed add-on is torn down and reported, never half-installed.
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { TestbedPaths } from "./paths.ts";
import { deleteQuietly, loadYamlObjects } from "./kube-apply.ts";
import type { Pki } from "./pki.ts";
import { logTail, stopComponent, type Component } from "./processes.ts";

export interface AddonContext {
  readonly kc: KubeConfig;
  readonly paths: TestbedPaths;
  readonly pki: Pki;
  readonly dir: string;
  readonly logDir: string;
  /** The testbed's live components; add-ons append theirs so stop() kills them. */
  readonly components: Component[];
  readonly timeoutMs: number;
  readonly log: (msg: string) => void;
}

export type AddonResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

interface WebhookEntry {
  name: string;
  clientConfig: { service?: { path?: string }; url?: string; caBundle?: string };
  rules?: { apiGroups?: string[] }[];
}

type WebhookConfiguration = KubernetesObject & { webhooks?: WebhookEntry[] };

/**
 * Reads a manager's kubebuilder webhook manifest and points every webhook at https://127.0.0.1:<port><path> with the
 * testbed CA. `keep` filters webhooks by the API groups they intercept.
 */
export function webhookConfigurations(
  manifestPath: string,
  opts: { port: number; caPem: string; namePrefix: string; keep?: (groups: readonly string[]) => boolean },
): KubernetesObject[] {
  const caBundle = Buffer.from(opts.caPem).toString("base64");
  return loadYamlObjects(manifestPath).map((obj) => {
    const cfg = structuredClone(obj) as WebhookConfiguration;
    const kind = cfg.kind === "MutatingWebhookConfiguration" ? "mutating" : "validating";
    cfg.metadata = { name: `${opts.namePrefix}-${kind}-webhook-configuration` };
    cfg.webhooks = (cfg.webhooks ?? [])
      .filter((w) => opts.keep?.((w.rules ?? []).flatMap((r) => r.apiGroups ?? [])) ?? true)
      .map((w) => ({
        ...w,
        clientConfig: { url: `https://127.0.0.1:${opts.port}${w.clientConfig.service?.path ?? "/"}`, caBundle },
      }));
    return cfg;
  });
}

/** A controller-runtime cert dir with the testbed's serving certificate. */
export async function writeCertDir(ctx: AddonContext, name: string): Promise<string> {
  const certDir = join(ctx.dir, `${name}-certs`);
  await mkdir(certDir, { recursive: true });
  await copyFile(ctx.pki.servingCert, join(certDir, "tls.crt"));
  await copyFile(ctx.pki.servingKey, join(certDir, "tls.key"));
  await copyFile(ctx.pki.caCert, join(certDir, "ca.crt"));
  return certDir;
}

/** Runs an add-on installer; on failure removes its webhooks (they would block pod creation) and stops it. */
export async function installAddon(
  ctx: AddonContext,
  name: string,
  install: (track: { webhooks: KubernetesObject[]; component?: Component }) => Promise<void>,
): Promise<AddonResult> {
  const track: { webhooks: KubernetesObject[]; component?: Component } = { webhooks: [] };
  const t0 = Date.now();
  try {
    await install(track);
    ctx.log(`${name} ready (${Date.now() - t0} ms)`);
    return { ok: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const tail = track.component === undefined ? "" : `\n--- ${name} log tail:\n${logTail(track.component, 15)}`;
    await deleteQuietly(ctx.kc, track.webhooks);
    if (track.component !== undefined) {
      await stopComponent(track.component);
      const i = ctx.components.indexOf(track.component);
      if (i >= 0) ctx.components.splice(i, 1);
    }
    const reason = `${name} unavailable: ${message}${tail}`;
    console.error(`testbed: ${reason}`);
    return { ok: false, reason };
  }
}
