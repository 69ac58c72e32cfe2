/**
 * A deterministic tar writer for image layers: entries in path order, every
 * time zero, owner root, modes as Git keeps them, parent directories written
 * once before their contents. The same file set always gives the same bytes,
 * so the same layer digest (registries then skip the upload). POSIX ustar,
 * with a PAX header for a path or link target over ustar's 100 bytes.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { KineticError } from "../errors.ts";
import { FILE_MODES } from "./key.ts";

/** One layer entry: a file from disk, bytes in memory, or a symlink. */
export type LayerEntry =
  | { path: string; mode: number; kind: "file"; size: number; abs: string }
  | { path: string; mode: number; kind: "bytes"; data: Buffer }
  | { path: string; kind: "symlink"; target: string };

const BLOCK = 512;

/** Writes `entries` under `prefix` (e.g. "workspace") as a tar file at `out`. */
export async function writeLayerTar(out: string, entries: readonly LayerEntry[], prefix = ""): Promise<void> {
  const ws = createWriteStream(out);
  const write = async (buf: Buffer) => {
    if (!ws.write(buf)) await once(ws, "drain");
  };
  const base = prefix.replace(/^\/+|\/+$/g, "");
  const full = (p: string) => (base ? `${base}/${p}` : p);
  const sorted = [...entries].sort((a, b) => (full(a.path) < full(b.path) ? -1 : 1));
  const dirs = new Set<string>();
  try {
    for (const e of sorted) {
      const path = full(e.path);
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join("/") + "/";
        if (dirs.has(dir)) continue;
        dirs.add(dir);
        await write(header({ path: dir, mode: 0o755, size: 0, type: "5" }));
      }
      if (e.kind === "symlink") {
        await write(header({ path, mode: 0o777, size: 0, type: "2", link: e.target }));
      } else if (e.kind === "bytes") {
        await write(header({ path, mode: e.mode, size: e.data.length, type: "0" }));
        await write(e.data);
        await write(padding(e.data.length));
      } else {
        await write(header({ path, mode: e.mode, size: e.size, type: "0" }));
        let n = 0;
        for await (const chunk of createReadStream(e.abs)) {
          n += (chunk as Buffer).length;
          await write(chunk as Buffer);
        }
        // A file that changed while being packed would make a corrupt archive: refuse instead.
        if (n !== e.size) throw new KineticError("failed-precondition", `${e.path} changed while it was being packed`);
        await write(padding(n));
      }
    }
    await write(Buffer.alloc(BLOCK * 2));
  } finally {
    ws.end();
    await once(ws, "close");
  }
}

/** Context files → layer entries. */
export function fileEntries(
  files: ReadonlyArray<{
    path: string;
    mode: number;
    size: number;
    source: { kind: "file"; abs: string } | { kind: "symlink"; target: string };
  }>,
): LayerEntry[] {
  return files.map((f) =>
    f.source.kind === "symlink"
      ? { path: f.path, kind: "symlink", target: f.source.target }
      : {
          path: f.path,
          kind: "file",
          mode: f.mode === FILE_MODES.executable ? 0o755 : 0o644,
          size: f.size,
          abs: f.source.abs,
        },
  );
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function header(h: { path: string; mode: number; size: number; type: "0" | "2" | "5"; link?: string }): Buffer {
  const pax: string[] = [];
  if (Buffer.byteLength(h.path) > 100) pax.push(paxRecord("path", h.path));
  if (h.link !== undefined && Buffer.byteLength(h.link) > 100) pax.push(paxRecord("linkpath", h.link));
  const main = ustar(h.path, h.mode, h.size, h.type, h.link ?? "");
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(""));
  const paxHeader = ustar(`PaxHeader/${h.path}`, 0o644, body.length, "x", "");
  return Buffer.concat([paxHeader, body, padding(body.length), main]);
}

// A PAX record's length counts its own digits.
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len++;
  return `${len}${rest}`;
}

function ustar(name: string, mode: number, size: number, type: string, link: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  // Over 100 bytes, the field holds a cut copy; the PAX record before it carries the whole value.
  Buffer.from(name).subarray(0, 100).copy(b, 0);
  b.write(octal(mode, 7), 100);
  b.write(octal(0, 7), 108);
  b.write(octal(0, 7), 116);
  b.write(octal(size, 11), 124);
  b.write(octal(0, 11), 136);
  b.write("        ", 148); // checksum is computed with this field as spaces
  b.write(type, 156);
  Buffer.from(link).subarray(0, 100).copy(b, 157);
  b.write("ustar\u000000", 257, "latin1");
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, "0") + "\u0000 ", 148, "latin1");
  return b;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width, "0") + "\u0000";
}
