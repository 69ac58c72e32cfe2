/**
 * Pulumi state lives in gs://{project}-kinetic-state, one stack per cluster
 * ({project}-{cluster}). The bucket is created on first use, idempotently,
 * with versioning (state history), uniform bucket-level access and public
 * access prevention enforced. Creating it needs roles/storage.admin; using it
 * needs roles/storage.objectAdmin on the bucket, which cannot read bucket
 * metadata, so a 403 on the lookup means "exists, not ours to inspect".
 */
import { GoogleAuth } from "google-auth-library";
import { KineticError } from "../shared/errors.ts";
import { stateBucketName } from "./naming.ts";

export interface BucketSettings {
  name: string;
  location: string;
  versioning: { enabled: true };
  iamConfiguration: { uniformBucketLevelAccess: { enabled: true }; publicAccessPrevention: "enforced" };
}

export function stateBucketSettings(project: string, location: string): BucketSettings {
  return {
    name: stateBucketName(project),
    location,
    versioning: { enabled: true },
    iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: "enforced" },
  };
}

/** The Cloud Storage boundary: HTTP status plus the bucket resource when readable. */
export interface BucketApi {
  get(bucket: string): Promise<{ status: number; body?: Record<string, unknown> }>;
  insert(project: string, settings: BucketSettings): Promise<{ status: number; message?: string }>;
}

export type EnsureResult = "created" | "exists" | "exists-unreadable";

export async function ensureStateBucket(
  api: BucketApi,
  project: string,
  location: string,
  warn: (message: string) => void = () => {},
): Promise<EnsureResult> {
  const settings = stateBucketSettings(project, location);
  const found = await api.get(settings.name);
  if (found.status === 200) {
    const body = found.body ?? {};
    const versioning = (body.versioning as { enabled?: boolean } | undefined)?.enabled === true;
    const iam = body.iamConfiguration as
      { uniformBucketLevelAccess?: { enabled?: boolean }; publicAccessPrevention?: string } | undefined;
    if (!versioning) warn(`gs://${settings.name} has object versioning off; state history is not kept`);
    if (iam?.uniformBucketLevelAccess?.enabled !== true)
      warn(`gs://${settings.name} does not use uniform bucket-level access`);
    if (iam?.publicAccessPrevention !== "enforced")
      warn(`gs://${settings.name} does not enforce public access prevention`);
    return "exists";
  }
  if (found.status === 403) return "exists-unreadable";
  if (found.status !== 404) {
    throw new KineticError(
      "unavailable",
      `looking up state bucket gs://${settings.name} failed with HTTP ${found.status}`,
    );
  }
  const created = await api.insert(project, settings);
  if (created.status === 200) return "created";
  // Another admin created it between our lookup and insert.
  if (created.status === 409) return "exists";
  if (created.status === 403) {
    throw new KineticError(
      "permission-denied",
      `state bucket gs://${settings.name} does not exist and you cannot create it: the first admin needs ` +
        `roles/storage.admin on project ${project}; everyone else needs roles/storage.objectAdmin on the bucket`,
    );
  }
  throw new KineticError(
    "unavailable",
    `creating state bucket gs://${settings.name} failed with HTTP ${created.status}${created.message ? `: ${created.message}` : ""}`,
  );
}

/** The real boundary: the Cloud Storage JSON API with Application Default Credentials. */
export function gcsBucketApi(
  auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/devstorage.full_control"] }),
): BucketApi {
  const base = "https://storage.googleapis.com/storage/v1/b";
  const call = async (opts: { url: string; method: "GET" | "POST"; data?: unknown }) => {
    const client = await auth.getClient();
    const res = await client.request<Record<string, unknown>>({ ...opts, validateStatus: () => true });
    const error = (res.data as { error?: { message?: string } } | undefined)?.error;
    return { status: res.status, body: res.data, message: error?.message };
  };
  return {
    get: (bucket) => call({ url: `${base}/${encodeURIComponent(bucket)}`, method: "GET" }),
    insert: (project, settings) =>
      call({ url: `${base}?project=${encodeURIComponent(project)}`, method: "POST", data: settings }),
  };
}
