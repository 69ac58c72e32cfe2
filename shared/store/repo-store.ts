/**
 * Registered Git repositories (repos/{id}): which forge and repository a push
 * hook URL belongs to, the branches that build, the build settings and the
 * namespace its job file's jobs run in. A registration is created once
 * (create-once: two `repos add` racing for one id cannot overwrite each
 * other) and deleted whole; the outcome of its last push is kept on it so
 * `kinetic repos ls` shows what happened.
 *
 * The secret is not here: it lives in a SecretSource (Secret Manager in
 * production; `hookSecrets/{id}` below for local mode and tests), so a
 * reader of this collection cannot forge deliveries.
 */
import type { SecretSource } from "../security/secret-source.ts";
import { defined, type DocDb, type StoreStats } from "./docs.ts";

export const REPOS = "repos";
export const HOOK_SECRETS = "hookSecrets";

export interface RepoBuildSettings {
  baseImage: string;
  accelerator: "cpu" | "gpu" | "tpu";
  /** requirements file inside the context; absent: requirements.txt when the commit has one. */
  requirementsPath?: string;
  /** The folder of the repository that is the build context (and holds the job file). */
  subdir?: string;
  /** Image repository (registry/path); the deployment's default when absent. */
  imageRepository?: string;
}

/** What happened to the newest push, for people reading `kinetic repos ls`. */
export interface PushSummary {
  commit: string;
  branch: string;
  at: string;
  status: "accepted" | "building" | "built" | "failed" | "jobs-submitted";
  buildId?: string;
  key?: string;
  image?: string;
  jobs?: string[];
  message?: string;
}

export interface RepoDoc {
  id: string;
  provider: "github" | "gitlab";
  /** owner/name (GitHub) or group/project (GitLab), as the forge names it in payloads. */
  repository: string;
  /** Where the commit is fetched from; absent: the clone URL the (signed) push names. */
  cloneUrl?: string;
  /** Branch globs that build; empty: every branch. */
  branches: string[];
  /** Namespace of the job file's jobs. */
  namespace: string;
  build: RepoBuildSettings;
  createdAt: string;
  createdBy: string;
  lastPush?: PushSummary;
}

export interface RepoStore {
  readonly stats: StoreStats;
  /** False when a registration with this id exists (nothing written). */
  create(repo: RepoDoc): Promise<boolean>;
  get(id: string): Promise<RepoDoc | undefined>;
  /** Oldest first, at most `limit` (default 100). */
  list(options?: { limit?: number }): Promise<RepoDoc[]>;
  /** False when there was none. */
  delete(id: string): Promise<boolean>;
  /** Records the newest push's outcome; a summary of an older commit never replaces a newer one's. */
  recordPush(id: string, summary: PushSummary): Promise<void>;
}

export class DocRepoStore implements RepoStore {
  private readonly db: DocDb;
  constructor(db: DocDb) {
    this.db = db;
  }
  get stats(): StoreStats {
    return this.db.stats;
  }

  async create(repo: RepoDoc): Promise<boolean> {
    // JSON round trip: Firestore refuses nested undefined values.
    return (
      (await this.db.create(REPOS, repo.id, JSON.parse(JSON.stringify(repo)) as RepoDoc & Record<string, unknown>)) !==
      false
    );
  }

  async get(id: string): Promise<RepoDoc | undefined> {
    return (await this.db.get(REPOS, id))?.data as RepoDoc | undefined;
  }

  async list(options: { limit?: number } = {}): Promise<RepoDoc[]> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 500);
    const snaps = await this.db.query(REPOS, { orderBy: [{ field: "createdAt", dir: "asc" }], limit });
    return snaps.map((s) => s.data as unknown as RepoDoc);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await tx.get(REPOS, id))) return false;
      tx.delete(REPOS, id);
      return true;
    });
  }

  async recordPush(id: string, summary: PushSummary): Promise<void> {
    await this.db.transaction(async (tx) => {
      const snap = await tx.get(REPOS, id);
      if (!snap) return; // removed meanwhile: nothing to record on
      const last = (snap.data as unknown as RepoDoc).lastPush;
      // The same commit moves on (accepted → built …); an older push arriving late does not overwrite a newer one.
      if (last && last.commit !== summary.commit && last.at > summary.at) return;
      tx.update(REPOS, id, { lastPush: defined({ ...summary }) });
    });
  }
}

/** Push-hook secrets in the document store: local mode and tests (production uses Secret Manager). */
export class DocSecretSource implements SecretSource {
  private readonly db: DocDb;
  constructor(db: DocDb) {
    this.db = db;
  }
  async get(repoId: string): Promise<string[]> {
    const data = (await this.db.get(HOOK_SECRETS, repoId))?.data as { secrets?: unknown } | undefined;
    return Array.isArray(data?.secrets) ? data.secrets.filter((s): s is string => typeof s === "string") : [];
  }
  async put(repoId: string, secret: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const data = (await tx.get(HOOK_SECRETS, repoId))?.data as { secrets?: string[] } | undefined;
      tx.set(HOOK_SECRETS, repoId, { secrets: [secret, ...(data?.secrets ?? []).slice(0, 1)] });
    });
  }
  async delete(repoId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (await tx.get(HOOK_SECRETS, repoId)) tx.delete(HOOK_SECRETS, repoId);
    });
  }
}
