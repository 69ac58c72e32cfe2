/**
 * The OCI registry adapter: asks a registry, over the distribution API
 * (which Artifact Registry speaks), whether an image exists and what it is.
 * `head` is the up-to-date check: one `HEAD /v2/<name>/manifests/<tag>`
 * answering with the digest, or 404. Registry failures become Kinetic error
 * codes here, so the builds domain never sees an HTTP status.
 */
import { createHash } from "node:crypto";
import { KineticError } from "../errors.ts";
import { RegistryAuth, errorText, type CredentialSource } from "./auth.ts";
import { manifestReference, parseImageRef, type ImageRef } from "./reference.ts";

/** Every manifest kind asked for: OCI index and manifest, Docker v2 list and manifest. */
export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
] as const;
const INDEX_TYPES = new Set<string>([MANIFEST_MEDIA_TYPES[0], MANIFEST_MEDIA_TYPES[2]]);

export interface ManifestHead {
  /** The manifest's digest ("sha256:…"). */
  digest: string;
  mediaType: string;
  size: number;
}

/** The registry port the builds domain uses. */
export interface ImageRegistry {
  /** The manifest's digest, or undefined when no such image (tag or digest) exists. */
  head(ref: string | ImageRef): Promise<ManifestHead | undefined>;
  /** The image config's labels (for an index: its linux/amd64 image), or undefined when there is no image. */
  labels(ref: string | ImageRef): Promise<Record<string, string> | undefined>;
}

export interface OciRegistryOptions {
  fetch?: typeof fetch;
  credentials?: CredentialSource;
  /** Hosts spoken to over plain HTTP; default: loopback hosts only (a local test registry). */
  plainHttp?: (registry: string) => boolean;
  timeoutMs?: number;
  now?: () => number;
}

export function isLoopbackRegistry(registry: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(registry);
}

export class OciRegistryClient implements ImageRegistry {
  private readonly fetchFn: typeof fetch;
  private readonly auth: RegistryAuth;
  private readonly plainHttp: (registry: string) => boolean;
  private readonly timeoutMs: number;
  /** Requests sent, token requests excluded (what a benchmark counts). */
  requests = 0;

  constructor(options: OciRegistryOptions = {}) {
    this.fetchFn = options.fetch ?? fetch;
    this.auth = new RegistryAuth({
      fetch: this.fetchFn,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.plainHttp = options.plainHttp ?? isLoopbackRegistry;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async head(input: string | ImageRef): Promise<ManifestHead | undefined> {
    const ref = typeof input === "string" ? parseImageRef(input) : input;
    const res = await this.send(ref, "HEAD", `manifests/${manifestReference(ref)}`, MANIFEST_MEDIA_TYPES.join(", "));
    if (res.status === 404) return undefined;
    const digest = res.headers.get("docker-content-digest");
    const mediaType = res.headers.get("content-type") ?? "";
    // Some registries leave the digest off a HEAD answer: read the manifest and hash it then.
    if (!digest) return (await this.manifest(ref))?.head;
    return { digest, mediaType, size: Number(res.headers.get("content-length") ?? 0) };
  }

  /** The manifest (parsed) and its head, or undefined when absent. A manifest fetched by digest is verified. */
  async manifest(input: string | ImageRef): Promise<{ head: ManifestHead; body: Manifest } | undefined> {
    const ref = typeof input === "string" ? parseImageRef(input) : input;
    const res = await this.send(ref, "GET", `manifests/${manifestReference(ref)}`, MANIFEST_MEDIA_TYPES.join(", "));
    if (res.status === 404) return undefined;
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    if (ref.digest && ref.digest !== digest) {
      throw new KineticError("unavailable", `registry ${ref.registry} returned a manifest that is not ${ref.digest}`);
    }
    const body = JSON.parse(bytes.toString("utf8")) as Manifest;
    const mediaType = res.headers.get("content-type") ?? body.mediaType ?? "";
    return { head: { digest, mediaType, size: bytes.length }, body };
  }

  async labels(input: string | ImageRef): Promise<Record<string, string> | undefined> {
    const ref = typeof input === "string" ? parseImageRef(input) : input;
    let m = await this.manifest(ref);
    if (m && INDEX_TYPES.has(m.head.mediaType)) {
      const pick =
        m.body.manifests?.find((d) => d.platform?.os === "linux" && d.platform.architecture === "amd64") ??
        m.body.manifests?.[0];
      m = pick ? await this.manifest({ ...ref, digest: pick.digest }) : undefined;
    }
    if (!m?.body.config?.digest) return undefined;
    const res = await this.send(ref, "GET", `blobs/${m.body.config.digest}`, "*/*");
    if (res.status === 404) return undefined;
    const config = (await res.json()) as { config?: { Labels?: Record<string, string> | null } };
    return config.config?.Labels ?? {};
  }

  /** One request with the challenge answered once; 404 is returned, other failures are Kinetic errors. */
  private async send(ref: ImageRef, method: string, path: string, accept: string): Promise<Response> {
    const registry = ref.registry === "docker.io" ? "registry-1.docker.io" : ref.registry;
    const url = `${this.plainHttp(registry) ? "http" : "https"}://${registry}/v2/${ref.repository}/${path}`;
    const scope = `repository:${ref.repository}:pull`;
    let authorization = this.auth.cached(registry, scope);
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        this.requests++;
        res = await this.fetchFn(url, {
          method,
          headers: { accept, ...(authorization ? { authorization } : {}) },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        throw new KineticError("unavailable", `registry ${registry}: ${errorText(err)}`, { cause: err });
      }
      if (res.status === 401 && attempt === 0) {
        await res.body?.cancel();
        this.auth.forget(registry, scope);
        authorization = await this.auth.answer(registry, scope, res.headers.get("www-authenticate"), this.timeoutMs);
        continue;
      }
      if (res.ok || res.status === 404) return res;
      await res.body?.cancel();
      throw registryError(registry, `${method} ${path}`, res.status);
    }
  }
}

/** The manifest fields Kinetic reads. */
export interface Manifest {
  mediaType?: string;
  config?: { digest: string; mediaType?: string };
  layers?: Array<{ digest: string; size: number; mediaType?: string }>;
  manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
}

function registryError(registry: string, what: string, status: number): KineticError {
  const msg = `registry ${registry} answered ${status} to ${what}`;
  if (status === 401) return new KineticError("unauthenticated", msg);
  if (status === 403) return new KineticError("permission-denied", msg);
  if (status === 429) return new KineticError("resource-exhausted", msg);
  if (status >= 500) return new KineticError("unavailable", msg);
  return new KineticError("failed-precondition", msg);
}
