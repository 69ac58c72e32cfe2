/**
 * The parts of GitHub's and GitLab's push payloads Kinetic reads, validated
 * (zod at the edge) and reduced to one shape. Everything else in a payload
 * is ignored, and nothing of it is logged.
 */
import { z } from "zod";

export const GitHubPush = z.object({
  ref: z.string(),
  after: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
  deleted: z.boolean().optional(),
  repository: z.object({ full_name: z.string().min(1), clone_url: z.string().min(1) }),
});
export type GitHubPush = z.infer<typeof GitHubPush>;

export const GitLabPush = z.object({
  ref: z.string(),
  // GitLab sends null for a deleted branch.
  checkout_sha: z
    .string()
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
    .nullable(),
  project: z.object({ path_with_namespace: z.string().min(1), git_http_url: z.string().min(1) }),
});
export type GitLabPush = z.infer<typeof GitLabPush>;

export const GIT_PROVIDERS = ["github", "gitlab"] as const;
export type GitProvider = (typeof GIT_PROVIDERS)[number];

/** A push, whichever forge sent it. */
export interface PushEvent {
  provider: GitProvider;
  /** owner/name (GitHub) or group/project (GitLab). */
  repository: string;
  cloneUrl: string;
  /** The full ref ("refs/heads/main"). */
  ref: string;
  /** The branch name, when the ref is a branch. */
  branch?: string;
  /** The pushed commit; undefined when the branch was deleted. */
  commit?: string;
}

const ZERO_SHA = /^0+$/;

export function fromGitHub(p: GitHubPush): PushEvent {
  const deleted = p.deleted === true || ZERO_SHA.test(p.after);
  return {
    provider: "github",
    repository: p.repository.full_name,
    cloneUrl: p.repository.clone_url,
    ref: p.ref,
    ...branchOf(p.ref),
    ...(deleted ? {} : { commit: p.after }),
  };
}

export function fromGitLab(p: GitLabPush): PushEvent {
  const commit = p.checkout_sha && !ZERO_SHA.test(p.checkout_sha) ? p.checkout_sha : undefined;
  return {
    provider: "gitlab",
    repository: p.project.path_with_namespace,
    cloneUrl: p.project.git_http_url,
    ref: p.ref,
    ...branchOf(p.ref),
    ...(commit ? { commit } : {}),
  };
}

function branchOf(ref: string): { branch?: string } {
  return ref.startsWith("refs/heads/") ? { branch: ref.slice("refs/heads/".length) } : {};
}
