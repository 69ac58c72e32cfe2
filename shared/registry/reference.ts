/**
 * Image references (`registry/path:tag@sha256:…`) split into the parts the
 * distribution API addresses: registry host, repository, and a tag or digest.
 * Docker Hub's shorthand (`python:3.12` = `docker.io/library/python:3.12`) is
 * understood so a base image can be named the way users write it.
 */
import { KineticError } from "../errors.ts";

export interface ImageRef {
  /** host[:port]; "docker.io" is reached at registry-1.docker.io. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function parseImageRef(ref: string): ImageRef {
  const bad = (why: string) => new KineticError("invalid-argument", `image reference ${JSON.stringify(ref)}: ${why}`);
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("the digest must be sha256:<64 hex digits>");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad("the tag is not a valid tag");
  }
  const parts = rest.split("/");
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : "docker.io";
  const pathParts = hasRegistry ? parts.slice(1) : parts;
  if (registry === "docker.io" && pathParts.length === 1) pathParts.unshift("library");
  if (pathParts.length === 0 || !pathParts.every((p) => PATH_COMPONENT.test(p))) {
    throw bad("the repository path must be lowercase letters, digits and separators");
  }
  return {
    registry,
    repository: pathParts.join("/"),
    ...(tag === undefined && digest === undefined ? { tag: "latest" } : tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The reference as a string; `with` replaces the tag or pins a digest. */
export function formatImageRef(ref: ImageRef, with_: { tag?: string; digest?: string } = {}): string {
  const tag = with_.tag ?? (with_.digest ? undefined : ref.tag);
  const digest = with_.digest ?? (with_.tag ? undefined : ref.digest);
  return `${ref.registry}/${ref.repository}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
}

/** What the manifest endpoint is asked for: the digest when there is one (it pins content), else the tag. */
export function manifestReference(ref: ImageRef): string {
  return ref.digest ?? ref.tag ?? "latest";
}
