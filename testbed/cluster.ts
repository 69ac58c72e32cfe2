/**
 * Kinetic's Kubernetes testbed: a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)
 * with KWOK faking GKE GPU/TPU nodes, plus the JobSet and Kueue controllers with their webhooks, all as local
 * processes on 127.0.0.1. Tests get real validation, admission, Job/JobSet/Kueue controllers, scheduling and GC.
 *
 * Usage: `npm run testbed:build` once (builds the binaries into ~/.cache/kinetic-testbed/<key>/), then
 * `const tb = await startTestbed(); ... await tb.stop();`. In vitest the integration project's global setup starts
 * one testbed per run and exports its kubeconfig path as KINETIC_TEST_KUBECONFIG; tests use `kubeConfigFromEnv()`
 * and `createTestNamespace()` from ./index.ts (each test in its own namespace).
 *
 * Nodes: the pools in ./nodes.ts (CPU, L4, H100, spot L4, TPU v6e 2x4 single-host, TPU v5e 4x4 as 4 hosts), with
 * GKE's labels, taints and capacity; ExtendedResourceToleration is on, as on GKE, so requesting `nvidia.com/gpu` or
 * `google.com/tpu` is enough to tolerate the accelerator taint.
 *
 * Pod lifecycle (./stages.yaml): a bound pod runs, then ends according to its annotations:
 *   testbed.kinetic.dev/outcome: succeed | fail | run   (default succeed; run = keep running until deleted)
 *   testbed.kinetic.dev/run-for: "2s"                   (Go duration; default 1s)
 *   testbed.kinetic.dev/exit-code: "3"                  (exit code when failing; default 1)
 * A pod that fits no node stays Pending with the scheduler's PodScheduled=False/Unschedulable condition.
 *
 * Kueue: ResourceFlavors per pool, ClusterQueue `kinetic-cluster-queue` (cpu, memory, nvidia.com/gpu, google.com/tpu)
 * and `createTestNamespace(prefix, { localQueue: true })` adds LocalQueue `kinetic`. If JobSet or Kueue cannot run,
 * the testbed still starts; `tb.addons` (and KINETIC_TEST_ADDONS in tests) carry the exact reason so dependent
 * tests fail with it (requireAddon), never skip.
 *
 * Environment: KINETIC_TESTBED_STATS=1 prints startup time and the control plane's peak RSS at stop;
 * KINETIC_TESTBED_KEEP=1 keeps the temp dir (kubeconfig, certificates, one log per component under logs/) after stop;
 * KINETIC_TESTBED_VERBOSE=1 logs startup steps from the vitest global setup; KINETIC_TESTBED_CACHE overrides
 * ~/.cache/kinetic-testbed. Needs Go >= 1.26 for the build and the `openssl` CLI at run time; no Docker, no network.
 *
 * Processes run detached in their own process groups; stop() (and, as a backstop, process exit or SIGINT/SIGTERM/
 * SIGHUP) kills every group and removes the temp dir. Ports are random free ports below the ephemeral range.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { setupJobSet, type AddonContext } from "./jobset.ts";
import { setupKueue } from "./kueue.ts";
import { createNodes, waitForNodesReady } from "./node-setup.ts";
import { testbedPaths } from "./paths.ts";
import { createPki } from "./pki.ts";
import { freePorts } from "../scripts/lib/processes.ts";
import {
  peakRssKiB,
  probe,
  startComponent,
  stopComponent,
  trackTempDir,
  untrackTempDir,
  waitUntil,
  type Component,
} from "./processes.ts";

const here = dirname(fileURLToPath(import.meta.url));

export type AddonStatus = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface TestbedOptions {
  /** Start the JobSet controller and webhooks (default true). */
  readonly jobset?: boolean;
  /** Start Kueue and its queues (default true; needs JobSet for the jobset integration). */
  readonly kueue?: boolean;
  /** Overall readiness budget (default 180 s; a warm start takes seconds). */
  readonly timeoutMs?: number;
  readonly log?: (msg: string) => void;
}

export interface ComponentStats {
  readonly name: string;
  readonly pid: number;
  readonly peakRssKiB: number | undefined;
}

export interface Testbed {
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  /** Temp dir with the kubeconfig, certificates and one log file per component. */
  readonly dir: string;
  readonly addons: { readonly jobset: AddonStatus; readonly kueue: AddonStatus };
  /** Milliseconds from `startTestbed()` to ready. */
  readonly startupMs: number;
  /** Peak RSS of every component still running (VmHWM). */
  stats(): ComponentStats[];
  /** Kills every process group and removes the temp dir; idempotent, never throws. */
  stop(): Promise<void>;
}

const CORE_BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;

/**
 * Starts a testbed and resolves once it is ready. Ports are picked free just before the components bind them; if
 * another process grabs one in between, the start is retried once with new ports.
 */
export async function startTestbed(opts: TestbedOptions = {}): Promise<Testbed> {
  try {
    return await startOnce(opts);
  } catch (err) {
    if (!(err instanceof Error) || !/address already in use/.test(err.message)) throw err;
    opts.log?.("a port was taken meanwhile; retrying with new ports");
    return startOnce(opts);
  }
}

async function startOnce(opts: TestbedOptions): Promise<Testbed> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const paths = testbedPaths();
  const missing = CORE_BINARIES.filter((b) => !existsSync(paths.bin(b)));
  if (missing.length > 0) {
    throw new Error(
      `testbed: ${missing.join(", ")} not found in ${join(paths.root, "bin")}; run \`npm run testbed:build\` first`,
    );
  }

  const dir = mkdtempSync(join(tmpdir(), "kinetic-testbed-"));
  trackTempDir(dir);
  const components: Component[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const stats = components.map((c) => ({ name: c.name, pid: c.pid, peakRssKiB: peakRssKiB(c.pid) }));
      // Controllers first, so they do not log storms of errors while the API server goes away.
      const order = (c: Component) => (c.name === "etcd" ? 2 : c.name === "kube-apiserver" ? 1 : 0);
      for (const tier of [0, 1, 2]) {
        await Promise.all(components.filter((c) => order(c) === tier).map((c) => stopComponent(c)));
      }
      if (process.env.KINETIC_TESTBED_STATS === "1") printStats(stats);
      if (process.env.KINETIC_TESTBED_KEEP === "1") {
        console.error(`testbed: kept ${dir}`);
      } else {
        rmSync(dir, { recursive: true, force: true });
      }
      untrackTempDir(dir);
    })().catch((err: unknown) => {
      console.error("testbed: stop failed:", err);
    });
    return stopped;
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort, ...addonPorts] = await freePorts(10);
    const pki = await createPki(dir);
    const logDir = join(dir, "logs");
    await mkdir(logDir);
    const wait = (what: string, check: () => Promise<boolean>, cs: Component[]) =>
      waitUntil(what, check, { timeoutMs, components: cs });

    const etcd = startComponent(
      "etcd",
      paths.bin("etcd"),
      [
        "--name=kinetic",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=kinetic=http://127.0.0.1:${etcdPeerPort}`,
        "--unsafe-no-fsync",
        "--quota-backend-bytes=4294967296",
        "--log-level=warn",
      ],
      { logDir },
    );
    components.push(etcd);
    await wait(
      "etcd /health",
      async () => (await probe(`http://127.0.0.1:${etcdPort}/health`)).body.includes('"health":"true"'),
      [etcd],
    );
    log(`etcd ready (${Date.now() - t0} ms)`);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startComponent(
      "kube-apiserver",
      paths.bin("kube-apiserver"),
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        // Controllers read the front-proxy CA from extension-apiserver-authentication; without it they log errors.
        `--requestheader-client-ca-file=${pki.caCert}`,
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        `--token-auth-file=${pki.tokenFile}`,
        "--authorization-mode=Node,RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--enable-admission-plugins=ExtendedResourceToleration",
        "--allow-privileged=true",
        "--endpoint-reconciler-type=none",
        "--enable-priority-and-fairness=false",
        "--max-requests-inflight=0",
        "--max-mutating-requests-inflight=0",
        "--profiling=false",
        `--cert-dir=${join(dir, "apiserver-certs")}`,
      ],
      { logDir },
    );
    components.push(apiserver);
    await wait(
      "kube-apiserver /readyz",
      async () => (await probe(`${server}/readyz`, { ca: pki.caPem, token: pki.adminToken })).status === 200,
      [etcd, apiserver],
    );
    log(`kube-apiserver ready (${Date.now() - t0} ms)`);

    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(
      kubeconfigPath,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "kinetic-testbed",
            cluster: { server, "certificate-authority-data": Buffer.from(pki.caPem).toString("base64") },
          },
        ],
        users: [{ name: "admin", user: { token: pki.adminToken } }],
        contexts: [{ name: "kinetic-testbed", context: { cluster: "kinetic-testbed", user: "admin" } }],
        "current-context": "kinetic-testbed",
      }),
      { mode: 0o600 },
    );
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);

    const kcm = startComponent(
      "kube-controller-manager",
      paths.bin("kube-controller-manager"),
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        "--kube-api-qps=200",
        "--kube-api-burst=400",
        "--profiling=false",
      ],
      { logDir },
    );
    const scheduler = startComponent(
      "kube-scheduler",
      paths.bin("kube-scheduler"),
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${schedPort}`,
        "--profiling=false",
      ],
      { logDir },
    );
    const kwok = startComponent(
      "kwok",
      paths.bin("kwok"),
      [
        `--kubeconfig=${kubeconfigPath}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        `--config=${join(here, "stages.yaml")}`,
        "--node-lease-duration-seconds=40",
        "--cidr=10.244.0.0/16",
        `--server-address=127.0.0.1:${kwokPort}`,
      ],
      { logDir },
    );
    components.push(kcm, scheduler, kwok);
    const core = [etcd, apiserver, kcm, scheduler, kwok];

    const ctx: AddonContext = { kc, paths, pki, dir, logDir, components, timeoutMs, log };
    const jobsetSetup: Promise<AddonStatus> =
      opts.jobset === false
        ? Promise.resolve({ ok: false, reason: "disabled by startTestbed({ jobset: false })" })
        : setupJobSet(ctx, { webhookPort: must(addonPorts[0]), healthPort: must(addonPorts[1]) });
    const kueueSetup: Promise<AddonStatus> =
      opts.kueue === false
        ? Promise.resolve({ ok: false, reason: "disabled by startTestbed({ kueue: false })" })
        : setupKueue(
            ctx,
            { webhookPort: must(addonPorts[2]), healthPort: must(addonPorts[3]) },
            jobsetSetup.then((s) => s.ok),
          );
    const [, jobset, kueue] = await Promise.all([createNodes(kc), jobsetSetup, kueueSetup]);

    await Promise.all([
      waitForNodesReady(kc, { timeoutMs, components: core }),
      wait(
        "kube-scheduler /healthz",
        async () => (await probe(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true })).status === 200,
        core,
      ),
      wait(
        "kube-controller-manager /healthz and the default ServiceAccount",
        async () =>
          (await probe(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true })).status === 200 &&
          (
            await probe(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
              ca: pki.caPem,
              token: pki.adminToken,
            })
          ).status === 200,
        core,
      ),
    ]);

    const startupMs = Date.now() - t0;
    log(`testbed ready in ${startupMs} ms (${dir})`);
    if (process.env.KINETIC_TESTBED_STATS === "1") console.error(`testbed: ready in ${startupMs} ms`);
    return {
      kubeconfigPath,
      kubeConfig: kc,
      server,
      dir,
      addons: { jobset, kueue },
      startupMs,
      stats: () => components.map((c) => ({ name: c.name, pid: c.pid, peakRssKiB: peakRssKiB(c.pid) })),
      stop,
    };
  } catch (err) {
    // Nothing may outlive a failed start; KINETIC_TESTBED_KEEP=1 keeps the logs for a look.
    await stop();
    throw err;
  }
}

function must(port: number | undefined): number {
  if (port === undefined) throw new Error("testbed: ran out of ports");
  return port;
}

function printStats(stats: readonly ComponentStats[]): void {
  const total = stats.reduce((sum, s) => sum + (s.peakRssKiB ?? 0), 0);
  const rows = stats.map((s) => `  ${s.name.padEnd(24)} ${((s.peakRssKiB ?? 0) / 1024).toFixed(0).padStart(6)} MiB`);
  console.error(
    [
      "testbed: peak RSS (VmHWM) per component",
      ...rows,
      `  ${"total".padEnd(24)} ${(total / 1024).toFixed(0).padStart(6)} MiB`,
    ].join("\n"),
  );
}
