/**
 * Reading a job's durable outputs after the fact — its pods and its
 * Kubernetes Job may be long gone: the files under its output dir, listed
 * with paths relative to it, and one file's bytes. The output dir is a
 * Cloud Storage prefix (deployed) or a local folder (local mode). A path
 * that would leave the job's dir is refused.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { KineticError } from "../errors.ts";
import { GcsClient, type GcsOptions } from "./gcs.ts";
import { parseOutputLocation } from "./prefix.ts";

export interface OutputFile {
  /** Relative to the job's output dir, "/"-separated. */
  path: string;
  size: number;
  updated?: string;
}

export interface OutputReader {
  list(outputDir: string): Promise<OutputFile[]>;
  open(outputDir: string, path: string): Promise<{ body: Readable; size?: number }>;
}

/** At most this many files are listed per job: a listing is an answer, not a bulk export. */
export const MAX_LISTED_FILES = 10_000;

export function createOutputReader(options: GcsOptions = {}): OutputReader {
  const gcs = new GcsClient(options);
  return {
    async list(outputDir) {
      const location = parseOutputLocation(outputDir);
      if (location.kind === "local") return listLocal(location.path);
      const objects = await gcs.list(location.bucket, location.prefix);
      return objects
        .filter((o) => !o.name.endsWith("/")) // folder placeholders some tools write
        .slice(0, MAX_LISTED_FILES)
        .map((o) => ({
          path: o.name.slice(location.prefix.length),
          size: o.size,
          ...(o.updated ? { updated: o.updated } : {}),
        }));
    },
    async open(outputDir, path) {
      const clean = checkedPath(path);
      const location = parseOutputLocation(outputDir);
      if (location.kind === "local") {
        const file = join(location.path, clean);
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) throw new KineticError("not-found", `no output ${clean}`);
        return { body: createReadStream(file), size: info.size };
      }
      const { body, size } = await gcs.read(location.bucket, `${location.prefix}${clean}`);
      return {
        body: Readable.fromWeb(body as WebReadableStream),
        ...(size !== undefined ? { size } : {}),
      };
    },
  };
}

/** A relative path inside the job's dir, or a field error. */
export function checkedPath(path: string): string {
  const clean = path.replace(/^\/+/, "");
  const parts = clean.split("/");
  if (!clean || parts.some((p) => p === ".." || p === "." || p === "") || clean.includes("\\"))
    throw new KineticError("invalid-argument", `"${path}" is not a file path inside the job's outputs`, {
      issues: [{ field: "path", message: "must be a relative path without '.', '..' or empty parts" }],
    });
  return clean;
}

async function listLocal(root: string): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  const base = resolve(root);
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [];
      throw err;
    });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= MAX_LISTED_FILES) return;
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) {
        const info = await stat(full);
        out.push({
          path: relative(base, full).split(sep).join("/"),
          size: info.size,
          updated: info.mtime.toISOString(),
        });
      }
    }
  };
  await walk(base);
  return out;
}
