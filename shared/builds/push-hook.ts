/**
 * The Git push hook's decisions, as a pure function of the request: who sent
 * it, is it signed by the registered repository's secret, and what to do.
 * The pushHook function (functions/push-hook, over push-hook-handler.ts)
 * only reads the raw body and headers, calls `decidePush`, claims the
 * delivery (delivery-ledger.ts), requests the build and answers — fast,
 * because GitHub and GitLab time out at 10 s.
 *
 * The order matters: the repository is found by the id in the hook's URL and
 * the signature checked over the raw bytes *before* the body is parsed. An
 * unknown repository and a bad signature get the same 401, with no work done
 * and nothing of the body logged. Secrets are a list, so a rotation can
 * accept the old and the new one for a while.
 */
import { safeEqual, verifyHmacSha256 } from "../security/compare.ts";
import { fromGitHub, fromGitLab, GitHubPush, GitLabPush, type GitProvider, type PushEvent } from "./push-payload.ts";
import { globToRegex } from "./ignore.ts";

/** A repository registered with `kinetic repos add`. */
export interface RegisteredRepo {
  id: string;
  provider: GitProvider;
  /** owner/name or group/project, as the forge names it in payloads. */
  repository: string;
  /** Current secret first; during a rotation, the previous one too. */
  secrets: string[];
  /** Branch globs that build ("main", "release/*"); empty or absent: every branch. */
  branches?: string[];
}

export interface PushRequest {
  /** The repository id from the hook's URL (/hooks/<id>). */
  repoId: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export type PushDecision =
  | { status: 401; why: "unknown-repository" | "bad-signature" }
  | { status: 400; why: string }
  | { status: 200; answer: "pong" }
  | { status: 202; ignored: string }
  | {
      status: 202;
      build: {
        repo: RegisteredRepo;
        push: PushEvent & { commit: string };
        /** The forge's id for this delivery (repeated on redelivery). */
        deliveryId?: string;
      };
    };

export async function decidePush(
  req: PushRequest,
  lookup: (repoId: string) => Promise<RegisteredRepo | undefined>,
): Promise<PushDecision> {
  const repo = await lookup(req.repoId);
  if (!repo) return { status: 401, why: "unknown-repository" };
  const h = req.headers;
  const verified =
    repo.provider === "github"
      ? h["x-github-event"] !== undefined &&
        repo.secrets.some((s) => verifyHmacSha256(s, req.rawBody, h["x-hub-signature-256"]))
      : h["x-gitlab-event"] !== undefined &&
        h["x-gitlab-token"] !== undefined &&
        repo.secrets.some((s) => safeEqual(s, h["x-gitlab-token"]!));
  if (!verified) return { status: 401, why: "bad-signature" };

  const event = repo.provider === "github" ? h["x-github-event"] : h["x-gitlab-event"];
  if (repo.provider === "github" && event === "ping") return { status: 200, answer: "pong" };
  if (event !== (repo.provider === "github" ? "push" : "Push Hook")) return { status: 202, ignored: `event ${event}` };

  let body: unknown;
  try {
    body = JSON.parse(payloadText(req));
  } catch {
    return { status: 400, why: "the body is not JSON (nor a form with a JSON `payload`)" };
  }
  const parsed = repo.provider === "github" ? GitHubPush.safeParse(body) : GitLabPush.safeParse(body);
  if (!parsed.success) return { status: 400, why: "the body is not a push payload" };
  const push =
    repo.provider === "github" ? fromGitHub(parsed.data as GitHubPush) : fromGitLab(parsed.data as GitLabPush);
  // A secret shared by mistake between two registrations must not let one repository build another's code.
  if (push.repository !== repo.repository) return { status: 401, why: "unknown-repository" };
  if (!push.branch) return { status: 202, ignored: `${push.ref} is not a branch` };
  if (!push.commit) return { status: 202, ignored: `branch ${push.branch} was deleted` };
  if (!branchMatches(push.branch, repo.branches))
    return { status: 202, ignored: `branch ${push.branch} is filtered out` };
  const deliveryId =
    repo.provider === "github" ? h["x-github-delivery"] : (h["idempotency-key"] ?? h["x-gitlab-event-uuid"]);
  return {
    status: 202,
    build: { repo, push: { ...push, commit: push.commit }, ...(deliveryId ? { deliveryId } : {}) },
  };
}

/** A branch against the registration's globs (`*` within a path segment, `**` across). */
export function branchMatches(branch: string, globs: readonly string[] | undefined): boolean {
  if (!globs || globs.length === 0) return true;
  return globs.some((g) => new RegExp(`^${globToRegex(g)}$`).test(branch));
}

/**
 * The payload's JSON text. GitHub's default content type is a form (`payload=<url-encoded JSON>`), signed as
 * sent; a webhook left at that default works as well as one set to application/json.
 */
function payloadText(req: PushRequest): string {
  const text = req.rawBody.toString("utf8");
  const form = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
  return form ? (new URLSearchParams(text).get("payload") ?? "") : text;
}
