/**
 * Kubernetes API errors as Kinetic error codes. 5xx, 429, network faults and
 * timeouts are retryable ("cluster-unavailable"); other 4xx are permanent
 * ("cluster-rejected") with the API server's own message. Credential failures
 * are marked (ClusterCredentialError) so the caller can refresh and retry once.
 */
import { ApiException } from "@kubernetes/client-node";
import { KineticError } from "../errors.ts";

/** Where the cluster call limit is configured, named in every timeout message. */
export const TIMEOUT_SETTING = "KINETIC_CLUSTER_TIMEOUT_SECONDS";

/** The abort reason of a cluster request that ran past its limit. */
export class ClusterTimeoutError extends Error {
  override name = "ClusterTimeoutError";
  readonly limitMs: number;

  constructor(message: string, limitMs: number) {
    super(message);
    this.limitMs = limitMs;
  }

  /** No (complete) answer to one request in time. */
  static request(request: string, limitMs: number): ClusterTimeoutError {
    return new ClusterTimeoutError(
      `the Kubernetes API server did not answer ${request} within ${formatMs(limitMs)}`,
      limitMs,
    );
  }
}

/**
 * The API server did not accept the credentials: a 401, or a 403 from the
 * authorizer (RBAC/IAM: `User "…" cannot create …`). Both are decided before
 * the request does anything, so a retry with fresh credentials is safe. A 403
 * from admission (quota, a terminating namespace, a webhook) is not one of these.
 */
export class ClusterCredentialError extends KineticError {
  override name = "ClusterCredentialError";
  readonly httpStatus: 401 | 403;

  constructor(message: string, httpStatus: 401 | 403, cause: unknown) {
    super("cluster-rejected", message, { cause });
    this.httpStatus = httpStatus;
  }
}

/** Maps a client error to a KineticError, keeping the API server's message. */
export function toKineticError(err: unknown, action: string): KineticError {
  if (err instanceof KineticError) return err;
  if (err instanceof ClusterTimeoutError) {
    return new KineticError("cluster-unavailable", `${action}: ${err.message} (${TIMEOUT_SETTING})`, { cause: err });
  }
  if (err instanceof ApiException) {
    const message = apiMessage(err);
    if (err.code >= 500 || err.code === 429 || err.code === 0) {
      return new KineticError("cluster-unavailable", `${action}: ${message}`, { cause: err });
    }
    if (err.code === 401) {
      return new ClusterCredentialError(
        `${action}: the Kubernetes API server did not accept Kinetic's credentials (HTTP 401 ${message})`,
        401,
        err,
      );
    }
    if (err.code === 403 && isAuthorizationDenial(message)) {
      return new ClusterCredentialError(`${action}: ${message} (HTTP 403)`, 403, err);
    }
    return new KineticError("cluster-rejected", `${action}: ${message} (HTTP ${err.code})`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KineticError("cluster-unavailable", `${action}: ${message}`, { cause: err });
}

/** The authorizer's wording (RBAC, Node, GKE's IAM); admission denials never name a user. */
export function isAuthorizationDenial(message: string): boolean {
  return /\bUser "[^"]*" cannot [a-z]+/.test(message);
}

function apiMessage(err: ApiException<unknown>): string {
  const body = err.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === "object" && "message" in body) return String((body as { message: unknown }).message);
  // Typed clients put no body on some errors; their message is "HTTP-Code: 401\nMessage: Unauthorized\n…".
  const short = /^Message: (.*)$/m.exec(err.message)?.[1];
  return short ?? err.message;
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
