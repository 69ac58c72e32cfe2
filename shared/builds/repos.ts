/**
 * Registering a Git repository for push hooks (operators only; the API
 * checks). Registration validates the input at the edge, makes an id that is
 * the hook URL's last segment (/hooks/<id>) and a random secret, stores the
 * secret in the SecretSource and the rest in the repo store, and returns the
 * secret exactly once: it is never shown again, and never logged.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { invalid, KineticError } from "../errors.ts";
import { Namespace } from "../schemas/job-spec-fields.ts";
import type { SecretSource } from "../security/secret-source.ts";
import type { RepoDoc, RepoStore } from "../store/repo-store.ts";
import type { Clock } from "../clock.ts";
import { GIT_PROVIDERS } from "./push-payload.ts";
import { ACCELERATOR_CATEGORIES, ImageReference } from "../schemas/build-request.ts";

/** A path inside the repository: relative, no `..`, no leading slash. */
const RepoPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !s.startsWith("/") && !s.split("/").includes(".."), "must be a relative path inside the repository");

/** Branch globs as `git` names branches: `*` within a segment, `**` across. */
const BranchGlob = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._/*+-]+$/, "must be a branch name or glob (letters, digits, . _ / - + and *)");

export const RepoRegistration = z.strictObject({
  provider: z.enum(GIT_PROVIDERS),
  /** owner/name (GitHub) or group/project (GitLab). */
  repository: z
    .string()
    .min(3)
    .max(255)
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/, "must be owner/name (GitHub) or group/project (GitLab)"),
  cloneUrl: z.string().min(1).max(2048).optional(),
  branches: z.array(BranchGlob).max(50).default([]),
  namespace: Namespace,
  build: z.strictObject({
    baseImage: ImageReference,
    accelerator: z.enum(ACCELERATOR_CATEGORIES).default("cpu"),
    requirementsPath: RepoPath.optional(),
    subdir: RepoPath.optional(),
    imageRepository: ImageReference.optional(),
  }),
});
export type RepoRegistration = z.input<typeof RepoRegistration>;

export function parseRepoRegistration(input: unknown): z.output<typeof RepoRegistration> {
  const r = RepoRegistration.safeParse(input);
  if (r.success) return r.data;
  throw invalid(
    "the repository registration is invalid",
    r.error.issues.map((i) => ({
      field: i.path.join(".") || (i.code === "unrecognized_keys" ? i.keys.join(", ") : "(root)"),
      message: i.code === "unrecognized_keys" ? "unknown field" : i.message,
    })),
  );
}

/** Ids are the hook URL's last segment: the repository's name for people, a random part so ids never collide. */
export const REPO_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$/;
export function newRepoId(repository: string): string {
  const name = (repository.split("/").at(-1) ?? "repo")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32);
  return `${name || "repo"}-${randomBytes(5).toString("hex")}`;
}

/** 32 random bytes, hex: what GitHub and GitLab are given as the webhook secret. */
export function newHookSecret(): string {
  return randomBytes(32).toString("hex");
}

export const hookPath = (repoId: string): string => `/hooks/${repoId}`;

export interface RepoDeps {
  repos: RepoStore;
  hookSecrets: SecretSource;
  clock: Clock;
}

/** Registers a repository; the answer carries the secret, which no later call returns. */
export async function registerRepo(
  deps: RepoDeps,
  input: unknown,
  principal: string,
): Promise<{ repo: RepoDoc; secret: string }> {
  const reg = parseRepoRegistration(input);
  const repo: RepoDoc = {
    id: newRepoId(reg.repository),
    provider: reg.provider,
    repository: reg.repository,
    ...(reg.cloneUrl ? { cloneUrl: reg.cloneUrl } : {}),
    branches: reg.branches,
    namespace: reg.namespace,
    build: reg.build,
    createdAt: deps.clock.now().toISOString(),
    createdBy: principal,
  };
  const secret = newHookSecret();
  // The secret first: a registration without its secret would answer every delivery 401, and a secret without
  // a registration is never read (no repository resolves to it).
  await deps.hookSecrets.put(repo.id, secret);
  if (!(await deps.repos.create(repo))) {
    throw new KineticError("unavailable", `repository id ${repo.id} was taken meanwhile; register again`);
  }
  return { repo, secret };
}

/** Removes a registration and its secret; not-found when there is none. */
export async function removeRepo(deps: RepoDeps, id: string): Promise<void> {
  if (!REPO_ID_PATTERN.test(id) || !(await deps.repos.delete(id))) {
    throw new KineticError("not-found", `repository ${id} is not registered`);
  }
  await deps.hookSecrets.delete(id);
}

/** A registration as the API shows it: everything but the secret, which it never holds. */
export function repoView(repo: RepoDoc, hookUrlBase?: string): RepoDoc & { hookPath: string; hookUrl?: string } {
  return { ...repo, hookPath: hookPath(repo.id), ...(hookUrlBase ? { hookUrl: hookUrlBase + hookPath(repo.id) } : {}) };
}
