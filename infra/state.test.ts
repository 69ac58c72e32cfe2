// The state bucket: created once with the documented settings, reused after,
// and a clear error when the caller may not create it.
import { describe, expect, it } from "vitest";
import { KineticError } from "../shared/errors.ts";
import { ensureStateBucket, type BucketApi, type BucketSettings } from "./state.ts";

/** An in-memory Cloud Storage with scripted answers. */
class FakeBuckets implements BucketApi {
  buckets = new Map<string, BucketSettings>();
  inserts: { project: string; settings: BucketSettings }[] = [];
  getStatus?: number;
  insertStatus?: number;
  async get(bucket: string) {
    if (this.getStatus) return { status: this.getStatus };
    const b = this.buckets.get(bucket);
    return b ? { status: 200, body: b as unknown as Record<string, unknown> } : { status: 404 };
  }
  async insert(project: string, settings: BucketSettings) {
    this.inserts.push({ project, settings });
    if (this.insertStatus) return { status: this.insertStatus, message: "denied" };
    if (this.buckets.has(settings.name)) return { status: 409 };
    this.buckets.set(settings.name, settings);
    return { status: 200 };
  }
}

describe("ensureStateBucket", () => {
  it("creates gs://{project}-kinetic-state with versioning, uniform access and public access prevention", async () => {
    const gcs = new FakeBuckets();
    expect(await ensureStateBucket(gcs, "acme-ml", "us-central1")).toBe("created");
    expect(gcs.inserts).toEqual([
      {
        project: "acme-ml",
        settings: {
          name: "acme-ml-kinetic-state",
          location: "us-central1",
          versioning: { enabled: true },
          iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: "enforced" },
        },
      },
    ]);
  });

  it("is idempotent: a second run finds the bucket and creates nothing", async () => {
    const gcs = new FakeBuckets();
    await ensureStateBucket(gcs, "acme-ml", "us-central1");
    const warnings: string[] = [];
    expect(await ensureStateBucket(gcs, "acme-ml", "us-central1", (w) => warnings.push(w))).toBe("exists");
    expect(gcs.inserts).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it("treats losing a creation race (409) as success", async () => {
    const gcs = new FakeBuckets();
    gcs.get = async () => ({ status: 404 });
    gcs.buckets.set("acme-ml-kinetic-state", {} as BucketSettings);
    expect(await ensureStateBucket(gcs, "acme-ml", "us-central1")).toBe("exists");
  });

  it("accepts a bucket it cannot inspect: object admins cannot read bucket metadata", async () => {
    const gcs = new FakeBuckets();
    gcs.getStatus = 403;
    expect(await ensureStateBucket(gcs, "acme-ml", "us-central1")).toBe("exists-unreadable");
    expect(gcs.inserts).toEqual([]);
  });

  it("tells a non-admin which role creating the bucket needs", async () => {
    const gcs = new FakeBuckets();
    gcs.insertStatus = 403;
    const err = await ensureStateBucket(gcs, "acme-ml", "us-central1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KineticError);
    expect((err as KineticError).code).toBe("permission-denied");
    expect((err as Error).message).toMatch(/roles\/storage\.admin/);
    expect((err as Error).message).toMatch(/roles\/storage\.objectAdmin/);
  });

  it("warns about an existing bucket without the documented settings", async () => {
    const gcs = new FakeBuckets();
    gcs.buckets.set("acme-ml-kinetic-state", { name: "acme-ml-kinetic-state" } as BucketSettings);
    const warnings: string[] = [];
    await ensureStateBucket(gcs, "acme-ml", "us-central1", (w) => warnings.push(w));
    expect(warnings).toHaveLength(3);
    expect(warnings.join("\n")).toMatch(
      /versioning off[\s\S]*uniform bucket-level access[\s\S]*public access prevention/,
    );
  });
});
