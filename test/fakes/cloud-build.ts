/**
 * A fake of the Cloud Build API calls Kinetic makes (projects.builds.create)
 * and of the builds bucket, for tests. It refuses what the real API refuses
 * (a missing source object, a bad service-account name, a malformed timeout
 * or tag, a user-managed service account without a logging choice), keeps
 * every request for field-by-field checks, and writes the notifications
 * Cloud Build would publish on the cloud-builds topic.
 */
import { randomUUID } from "node:crypto";
import type { CloudBuild, CloudBuildApi, SourceUploader } from "../../shared/builds/backends/cloud-build.ts";

export class FakeBuildsBucket implements SourceUploader {
  readonly name: string;
  readonly objects = new Map<string, Buffer>();
  constructor(name = "proj-kinetic-builds") {
    this.name = name;
  }
  async upload(data: Buffer, object: string) {
    this.objects.set(object, data);
    return { bucket: this.name, object };
  }
}

export class FakeCloudBuildApi implements CloudBuildApi {
  readonly requests: Array<{ projectId: string; build: CloudBuild }> = [];
  readonly builds = new Map<string, CloudBuild & { projectId: string }>();
  private readonly bucket: FakeBuildsBucket;

  constructor(bucket: FakeBuildsBucket) {
    this.bucket = bucket;
  }

  async createBuild(request: { projectId: string; build: CloudBuild }): Promise<{ id: string }> {
    this.requests.push(structuredClone(request));
    const b = request.build;
    const invalid = (why: string) => Object.assign(new Error(`3 INVALID_ARGUMENT: ${why}`), { code: 3 });
    if (!request.projectId) throw invalid("projectId is required");
    const src = b.source?.storageSource;
    if (!src || src.bucket !== this.bucket.name || !this.bucket.objects.has(src.object)) {
      throw invalid("source object does not exist");
    }
    if (!src.object.endsWith(".tar.gz") && !src.object.endsWith(".zip"))
      throw invalid("source must be .tar.gz or .zip");
    if (b.steps.length === 0 || b.steps.some((s) => !s.name)) throw invalid("every step needs a name");
    const ids = b.steps.map((s) => s.id);
    if (new Set(ids).size !== ids.length) throw invalid("step ids must be unique");
    for (const s of b.steps)
      for (const w of s.waitFor ?? []) if (!ids.includes(w)) throw invalid(`waitFor names no step: ${w}`);
    if (b.timeout !== undefined && !/^\d+(\.\d+)?s$/.test(b.timeout))
      throw invalid("timeout must be a duration like 1200s");
    for (const t of b.tags ?? []) if (!/^[\w][\w.-]{0,127}$/.test(t)) throw invalid(`invalid tag ${t}`);
    if (b.serviceAccount !== undefined) {
      if (!/^projects\/[^/]+\/serviceAccounts\/[^/@]+@[^/]+$/.test(b.serviceAccount))
        throw invalid("bad serviceAccount");
      if (!b.options?.logging || b.options.logging === "LEGACY") {
        throw invalid("a build with a user-specified service account needs options.logging or logsBucket");
      }
    }
    // Substitutions: a bare $NAME in args must be a known substitution; $$ escapes it.
    for (const s of b.steps) {
      for (const a of s.args) {
        const bare = a.replace(/\$\$/g, "").match(/\$[A-Z_]+/g);
        if (bare) throw invalid(`unknown substitution ${bare[0]}`);
      }
    }
    const id = randomUUID();
    this.builds.set(id, { ...structuredClone(b), id, status: "QUEUED", projectId: request.projectId });
    return { id };
  }

  /** The `data` of the cloud-builds notification for build `id` moving to `status`. */
  notification(id: string, status: string, extra: Partial<CloudBuild> = {}): string {
    const b = this.builds.get(id);
    if (!b) throw new Error(`no build ${id}`);
    Object.assign(b, { status, ...extra });
    return Buffer.from(JSON.stringify(b)).toString("base64");
  }
}
