import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { ClusterCredentialError, ClusterTimeoutError, isAuthorizationDenial, toKineticError } from "./kube-errors.ts";

/** An ApiException as KubernetesObjectApi throws it: the Status body as a string. */
function statusError(code: number, message: string, reason: string): ApiException<string> {
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code });
  return new ApiException(code, "Unsuccessful HTTP Request", body, {});
}

// Messages exactly as the testbed's kube-apiserver (1.36) answered them.
const RBAC =
  'jobs.batch is forbidden: User "system:serviceaccount:team-a:nobody" cannot create resource "jobs" in API group "batch" in the namespace "team-a"';
const QUOTA =
  'jobs.batch "j" is forbidden: exceeded quota: q, requested: count/jobs.batch=1, used: count/jobs.batch=0, limited: count/jobs.batch=0';
const TERMINATING =
  'jobs.batch "k" is forbidden: unable to create new content in namespace team-a because it is being terminated';

describe("toKineticError", () => {
  it("marks a 401 as a credential failure, naming the credentials", () => {
    const err = toKineticError(statusError(401, "Unauthorized", "Unauthorized"), "create Job ns/a");
    expect(err).toBeInstanceOf(ClusterCredentialError);
    expect(err.code).toBe("cluster-rejected");
    expect(err.message).toBe(
      "create Job ns/a: the Kubernetes API server did not accept Kinetic's credentials (HTTP 401 Unauthorized)",
    );
  });

  it("reads the reason of a typed client's 401, which carries no body", () => {
    // ApiException formats its own message: "HTTP-Code: 401\nMessage: Unauthorized\nBody: undefined\n…".
    const typed = new ApiException(401, "Unauthorized", undefined, {});
    expect(toKineticError(typed, "list pods").message).toContain("(HTTP 401 Unauthorized)");
  });

  it("marks an authorizer's 403 (RBAC, GKE IAM) as a credential failure", () => {
    const err = toKineticError(statusError(403, RBAC, "Forbidden"), "create Job team-a/j");
    expect(err).toBeInstanceOf(ClusterCredentialError);
    expect((err as ClusterCredentialError).httpStatus).toBe(403);
    expect(err.message).toBe(`create Job team-a/j: ${RBAC} (HTTP 403)`);
  });

  it("keeps an admission 403 (quota, terminating namespace) a plain permanent rejection", () => {
    for (const message of [QUOTA, TERMINATING]) {
      const err = toKineticError(statusError(403, message, "Forbidden"), "create Job team-a/j");
      expect(err).not.toBeInstanceOf(ClusterCredentialError);
      expect(err.code).toBe("cluster-rejected");
      expect(err.retryable).toBe(false);
      expect(err.message).toBe(`create Job team-a/j: ${message} (HTTP 403)`);
    }
  });

  it("makes 5xx, 429 and network faults retryable", () => {
    for (const code of [500, 503, 429, 0]) {
      const err = toKineticError(statusError(code, "etcdserver: request timed out", "InternalError"), "read Job a");
      expect(err.code).toBe("cluster-unavailable");
      expect(err.retryable).toBe(true);
    }
    expect(toKineticError(new Error("connect ECONNREFUSED"), "read Job a").code).toBe("cluster-unavailable");
  });

  it("makes a timeout retryable and names the call, the limit and the setting", () => {
    const err = toKineticError(
      ClusterTimeoutError.request("POST /apis/batch/v1/namespaces/a/jobs", 30_000),
      "create Job a/b",
    );
    expect(err.code).toBe("cluster-unavailable");
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(
      "create Job a/b: the Kubernetes API server did not answer POST /apis/batch/v1/namespaces/a/jobs within 30 s (KINETIC_CLUSTER_TIMEOUT_SECONDS)",
    );
  });

  it("keeps other 4xx permanent with the API server's message, and passes Kinetic errors through", () => {
    const err = toKineticError(
      statusError(422, 'Job.batch "x" is invalid: spec.template: Required value', "Invalid"),
      "create",
    );
    expect(err.code).toBe("cluster-rejected");
    expect(err.message).toContain("spec.template: Required value (HTTP 422)");
    const mine = new KineticError("invalid-argument", "mine");
    expect(toKineticError(mine, "create")).toBe(mine);
  });
});

describe("isAuthorizationDenial", () => {
  it("recognises the authorizers' wording and nothing else", () => {
    expect(isAuthorizationDenial(RBAC)).toBe(true);
    expect(
      isAuthorizationDenial(
        'jobs.batch is forbidden: User "kinetic@p.iam.gserviceaccount.com" cannot create resource "jobs" in API group "batch" in the namespace "ml": requires one of ["container.jobs.create"] permission(s).',
      ),
    ).toBe(true);
    expect(isAuthorizationDenial('pods "x" is forbidden: User "system:anonymous" cannot get resource "pods"')).toBe(
      true,
    );
    expect(isAuthorizationDenial(QUOTA)).toBe(false);
    expect(isAuthorizationDenial(TERMINATING)).toBe(false);
    expect(isAuthorizationDenial('admission webhook "x" denied the request: no')).toBe(false);
  });
});
