/**
 * A ClusterClient that keeps its credentials fresh: it rebuilds the inner
 * client (a new access token) when it is older than `maxAgeMs`, and when the
 * API server refuses the credentials (ClusterCredentialError: a 401, or an
 * authorizer's 403). Then it rebuilds once and retries the call once; both
 * refusals happen before the request does anything, so the retry is safe.
 *
 * A refusal that survives the refresh is permanent ("cluster-rejected"):
 * Pub/Sub does not redeliver it. An expired token is the transient case and
 * the refresh has just handled it; a fresh token that is still refused means
 * the identity or its access is misconfigured, which a redelivery an hour
 * long cannot fix and would only hide. The job fails with a message that
 * says so, where users and the operator see it.
 */
import { KineticError } from "../errors.ts";
import { ClusterCredentialError } from "./kube-errors.ts";
import { forwardAll, invoke, type ClusterMethod } from "./lazy.ts";
import type { ClusterClient } from "./types.ts";

export interface RefreshOptions {
  /** Builds a client with freshly obtained credentials. */
  connect: () => Promise<ClusterClient>;
  /** A client already built (e.g. to fail fast on a bad kubeconfig); otherwise the first call builds one. */
  initial?: ClusterClient;
  /** Rebuild before use once the client is this old (default: only when refused). */
  maxAgeMs?: number;
  now?: () => number;
  /** Called before each forced refresh, with the refusal (for the log). */
  onRefused?: (err: ClusterCredentialError) => void;
}

interface Entry {
  client: ClusterClient;
  at: number;
}

export function refreshingCluster(options: RefreshOptions): Required<ClusterClient> {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? Infinity;
  // What `current` resolved to, so that a refresh is started only once per stale client.
  let settled: Entry | undefined = options.initial ? { client: options.initial, at: now() } : undefined;
  let current: Promise<Entry> | undefined = settled && Promise.resolve(settled);

  const build = (): Promise<Entry> => {
    settled = undefined;
    const p = options.connect().then((client) => ({ client, at: now() }));
    current = p;
    p.then(
      (entry) => {
        if (current === p) settled = entry;
      },
      () => {
        if (current === p) current = undefined; // the next call tries again
      },
    );
    return p;
  };
  /** A client newer than `stale`: the one another call is already building, or a new one. */
  const replace = (stale: Entry): Promise<Entry> => (current && settled !== stale ? current : build());
  const get = async (): Promise<Entry> => {
    const entry = await (current ?? build());
    return now() - entry.at > maxAgeMs ? replace(entry) : entry;
  };

  const call = async (method: ClusterMethod, args: unknown[]): Promise<unknown> => {
    const entry = await get();
    try {
      return await invoke(entry.client, method, args);
    } catch (err) {
      if (!(err instanceof ClusterCredentialError)) throw err;
      options.onRefused?.(err);
      const fresh = await replace(entry);
      try {
        return await invoke(fresh.client, method, args);
      } catch (again) {
        if (again instanceof ClusterCredentialError) throw stillRefused(again);
        throw again;
      }
    }
  };

  return forwardAll(call);
}

function stillRefused(err: ClusterCredentialError): KineticError {
  return new KineticError(
    "cluster-rejected",
    `${err.message}; still refused with freshly refreshed credentials: check the identity Kinetic runs as and its access to the cluster`,
    { cause: err },
  );
}
