/**
 * ClusterClients that forward every call: `lazyCluster` builds its backend on
 * first use, so a function that answers its first request without the cluster
 * never loads the Kubernetes client library (about 1.8 s of a cold start).
 * This module must not import that library, directly or through a sibling.
 */
import { KineticError } from "../errors.ts";
import type { ClusterClient } from "./types.ts";

export type ClusterMethod = keyof ClusterClient;

/**
 * Every method of the port, each sent to `call`, so that adding one to
 * ClusterClient does not compile until it is forwarded here. (No `then`:
 * awaiting the object must not mistake it for a promise.)
 */
export function forwardAll(
  call: (method: ClusterMethod, args: unknown[]) => Promise<unknown>,
): Required<ClusterClient> {
  const forward = <K extends ClusterMethod>(method: K) =>
    ((...args: unknown[]) => call(method, args)) as Required<ClusterClient>[K];
  return {
    submit: forward("submit"),
    dryRun: forward("dryRun"),
    ensureClaim: forward("ensureClaim"),
    preempt: forward("preempt"),
    status: forward("status"),
    statusMany: forward("statusMany"),
    delete: forward("delete"),
    logs: forward("logs"),
    followLogs: forward("followLogs"),
    listManaged: forward("listManaged"),
    deleteObject: forward("deleteObject"),
    readWorkloads: forward("readWorkloads"),
  };
}

/** Calls `method` on a backend; one it does not have is a failed-precondition naming it. */
export function invoke(client: ClusterClient, method: ClusterMethod, args: unknown[]): Promise<unknown> {
  const fn = client[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (!fn) return Promise.reject(new KineticError("failed-precondition", `this cluster backend has no ${method}`));
  return fn.apply(client, args);
}

/** A client whose backend is built by `load` on the first call (a failed build is tried again on the next). */
export function lazyCluster(load: () => Promise<ClusterClient>): Required<ClusterClient> {
  let backend: Promise<ClusterClient> | undefined;
  const get = () =>
    (backend ??= load().catch((err: unknown) => {
      backend = undefined;
      throw err;
    }));
  return forwardAll(async (method, args) => invoke(await get(), method, args));
}
