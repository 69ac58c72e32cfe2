/**
 * Which namespaces a build belongs to. A build record is shared by everyone
 * whose inputs give its key, so it has no namespace of its own; a reference
 * `buildRefs/{namespace}:{buildId}` is written when a build is requested for
 * a namespace (POST /builds, a push of a repository registered there, a job),
 * and the builds API shows a tenant exactly the builds referenced from their
 * namespaces, as the jobs API shows jobs. Writing a reference again changes
 * only its time.
 */
import type { DocDb } from "./docs.ts";
import { fromDecl, QUERIES } from "./queries.ts";

export const BUILD_REFS = "buildRefs";

export interface BuildRef {
  namespace: string;
  buildId: string;
  /** When the build was last requested for the namespace. */
  at: string;
  /** What asked: "http:<principal>", "push:<repo id>", "job:<job id>". */
  source: string;
}

export interface BuildRefStore {
  add(ref: BuildRef): Promise<void>;
  has(namespace: string, buildId: string): Promise<boolean>;
  /** Newest first. */
  list(namespace: string, options?: { limit?: number }): Promise<BuildRef[]>;
}

const refId = (namespace: string, buildId: string) => `${namespace}:${buildId}`;

export class DocBuildRefStore implements BuildRefStore {
  private readonly db: DocDb;
  constructor(db: DocDb) {
    this.db = db;
  }
  async add(ref: BuildRef): Promise<void> {
    await this.db.set(BUILD_REFS, refId(ref.namespace, ref.buildId), { ...ref });
  }
  async has(namespace: string, buildId: string): Promise<boolean> {
    return (await this.db.get(BUILD_REFS, refId(namespace, buildId))) !== undefined;
  }
  async list(namespace: string, options: { limit?: number } = {}): Promise<BuildRef[]> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const snaps = await this.db.query(
      BUILD_REFS,
      fromDecl(QUERIES.buildRefsByNamespaceNewest, { equals: { namespace }, limit }),
    );
    return snaps.map((s) => s.data as unknown as BuildRef);
  }
}
