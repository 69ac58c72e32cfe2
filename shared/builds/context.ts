/**
 * A build context as a file set: the directory walked (symlinks kept as
 * links, never followed), `.kineticignore` applied, each kept file hashed.
 * The same set comes out whatever order the file system lists it in and
 * whatever the files' times or owners, so it is what the key and the
 * context layer are made from. A context over the size limit is refused
 * before anything is uploaded or built.
 */
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { KineticError } from "../errors.ts";
import { FILE_MODES, type KeyFile } from "./key.ts";
import { IGNORE_FILE, ignoreMatcher } from "./ignore.ts";

/** Default limits of one context (Cloud Build's source upload is capped too; a model checkpoint is not code). */
export const DEFAULT_CONTEXT_LIMITS = { maxBytes: 512 * 1024 * 1024, maxFiles: 50_000 };

export interface ContextFile extends KeyFile {
  size: number;
  /** Absolute path of a regular file to read, or the target of a symlink. */
  source: { kind: "file"; abs: string } | { kind: "symlink"; target: string };
}

export interface ContextFileSet {
  /** Sorted by path. */
  files: ContextFile[];
  totalBytes: number;
  /** How many entries `.kineticignore` and the defaults left out. */
  ignored: number;
}

/** Walks `root` and returns the kept files, hashed. Throws payload-too-large past the limits. */
export async function readDirContext(
  root: string,
  limits: { maxBytes?: number; maxFiles?: number } = {},
): Promise<ContextFileSet> {
  const maxBytes = limits.maxBytes ?? DEFAULT_CONTEXT_LIMITS.maxBytes;
  const maxFiles = limits.maxFiles ?? DEFAULT_CONTEXT_LIMITS.maxFiles;
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new KineticError("invalid-argument", `build context ${root} is not a directory`);
  const ignoreText = await readFile(join(root, IGNORE_FILE), "utf8").catch(() => "");
  const matcher = ignoreMatcher(ignoreText);
  const files: ContextFile[] = [];
  let totalBytes = 0;
  let ignored = 0;

  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const abs = join(root, path);
      if (e.isDirectory()) {
        // An excluded directory is skipped whole unless a `!` line might take something inside it back.
        if (matcher.ignores(path, true) && !matcher.hasNegations) ignored++;
        else await walk(path);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue; // sockets, fifos, devices: not image content
      if (matcher.ignores(path)) {
        ignored++;
        continue;
      }
      if (files.length >= maxFiles) {
        throw new KineticError("payload-too-large", `the build context has more than ${maxFiles} files`);
      }
      if (e.isSymbolicLink()) {
        const target = await readlink(abs);
        const sha256 = createHash("sha256").update(target).digest("hex");
        files.push({ path, mode: FILE_MODES.symlink, sha256, size: 0, source: { kind: "symlink", target } });
        continue;
      }
      const st = await lstat(abs);
      totalBytes += st.size;
      if (totalBytes > maxBytes) {
        throw new KineticError(
          "payload-too-large",
          `the build context is over its ${maxBytes}-byte limit (at ${path}); leave large files out with ${IGNORE_FILE}`,
        );
      }
      const mode = st.mode & 0o111 ? FILE_MODES.executable : FILE_MODES.file;
      files.push({ path, mode, sha256: await sha256File(abs), size: st.size, source: { kind: "file", abs } });
    }
  };
  await walk("");
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, totalBytes, ignored };
}

export async function sha256File(abs: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(abs)) h.update(chunk as Buffer);
  return h.digest("hex");
}
