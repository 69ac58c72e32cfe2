/**
 * Which namespaces a caller may target. Workloads must never land in a
 * namespace their submitter does not own; the policy is operator config.
 */
import { KineticError } from "../errors.ts";
import type { NamespacePolicy } from "../runtime-config.ts";

/** Whether a policy pattern ("team-*", "*" or a name) covers the namespace. */
export function namespaceMatches(pattern: string, namespace: string): boolean {
  return pattern.endsWith("*") ? namespace.startsWith(pattern.slice(0, -1)) : pattern === namespace;
}

export function allowedNamespaces(policy: NamespacePolicy, principal: string): string[] {
  return [...(policy[principal] ?? []), ...(policy["*"] ?? [])];
}

export function assertNamespaceAllowed(policy: NamespacePolicy, principal: string, namespace: string): void {
  const allowed = allowedNamespaces(policy, principal);
  if (!allowed.some((p) => namespaceMatches(p, namespace))) {
    throw new KineticError("permission-denied", `namespace "${namespace}" is not one the submitter may use`, {
      issues: [
        {
          field: "namespace",
          message: `not allowed for ${principal}; allowed: ${allowed.length ? allowed.join(", ") : "none"}`,
        },
      ],
    });
  }
}

/** True when the caller may see every namespace (a "*" pattern), e.g. operators. */
export function seesAllNamespaces(policy: NamespacePolicy, principal: string): boolean {
  return allowedNamespaces(policy, principal).includes("*");
}

/**
 * Operators are the principals the policy lets act in every namespace ("*"):
 * cleanup runs, admin utilities and cluster-wide reads are theirs alone.
 */
export function assertOperator(policy: NamespacePolicy, principal: string, what: string): void {
  if (seesAllNamespaces(policy, principal)) return;
  throw new KineticError("permission-denied", `${what} is for operators`, {
    issues: [
      {
        field: "(caller)",
        message: `${principal} is not an operator: KINETIC_NAMESPACE_POLICY must grant it "*" (every namespace)`,
      },
    ],
  });
}
