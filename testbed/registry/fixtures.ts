/**
 * What tests and benches put in the local registry and index themselves: a
 * small base image made from files (pushed with crane, no Docker), and tiny
 * pure-Python wheels in a local wheelhouse, so pip resolves real
 * requirements — dependencies included — without the internet.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { writeLayerTar } from "../../shared/builds/tar.ts";
import { requireBinary } from "./registry.ts";

/** Pushes an image of one layer holding `files` to `ref` (a loopback registry); returns its digest. */
export async function pushImageFromFiles(ref: string, files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-base-"));
  try {
    const layer = join(dir, "layer.tar");
    await writeLayerTar(
      layer,
      Object.entries(files).map(([path, text]) => ({
        path,
        kind: "bytes" as const,
        mode: 0o644,
        data: Buffer.from(text),
      })),
    );
    const out = execFileSync(requireBinary("crane"), ["append", "-f", layer, "-t", ref, "--insecure"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const digest = /@(sha256:[0-9a-f]{64})/.exec(out)?.[1];
    if (!digest) throw new Error(`crane append printed no digest: ${out}`);
    return digest;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs crane with the given arguments against loopback registries; returns stdout. */
export function crane(args: string[], env: NodeJS.ProcessEnv = process.env): Buffer {
  return execFileSync(requireBinary("crane"), [...args, "--insecure"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 28,
  });
}

export interface WheelSpec {
  name: string;
  version: string;
  requires?: string[];
}

/** Writes pure-Python wheels (`py3-none-any`) into `dir`; pip installs and resolves them like any other. */
export function makeWheels(dir: string, wheels: WheelSpec[]): void {
  mkdirSync(dir, { recursive: true });
  const script = String.raw`
import json, sys, zipfile, hashlib, base64
out, specs = sys.argv[1], json.loads(sys.argv[2])
for w in specs:
    dist = w["name"].replace("-", "_")
    info = f"{dist}-{w['version']}.dist-info"
    files = {
        f"{dist}/__init__.py": f"__version__ = {w['version']!r}\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s" % (
            w["name"], w["version"], "".join(f"Requires-Dist: {r}\n" for r in w.get("requires", []))),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: kinetic-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    def rec(data):
        d = base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b"=").decode()
        return f"sha256={d},{len(data)}"
    record = "".join(f"{p},{rec(c)}\n" for p, c in files.items()) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(f"{out}/{dist}-{w['version']}-py3-none-any.whl", "w") as z:
        for p, c in files.items():
            z.writestr(zipfile.ZipInfo(p, (1980, 1, 1, 0, 0, 0)), c)
        z.writestr(zipfile.ZipInfo(f"{info}/RECORD", (1980, 1, 1, 0, 0, 0)), record)
`;
  execFileSync("python3", ["-c", script, dir, JSON.stringify(wheels)], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Writes `files` under `root` (creating folders). */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}
