/**
 * `.kineticignore`: which files of a context stay out of the image (and out of
 * the build key). gitignore's syntax — `#` comments, `!` re-includes, a
 * trailing `/` for directories, a `/` inside anchors to the context root,
 * `*`, `?`, `[…]` and `**` — with Docker's reading of `!`: the last matching
 * line wins, even under an excluded directory, so `!secrets/README` works.
 *
 * A few defaults come first (Git metadata, Python caches, and files that
 * usually hold secrets), so a forgotten `.env` is never shipped in an image;
 * a `!` line in `.kineticignore` can take any of them back.
 */

/** The file read from the context root. */
export const IGNORE_FILE = ".kineticignore";

/** Applied before the user's lines (which may re-include any of them with `!`). */
export const DEFAULT_IGNORES = [
  ".git/",
  IGNORE_FILE,
  "__pycache__/",
  "*.pyc",
  ".DS_Store",
  // Secrets: Kinetic (Keras) only warned about these; here they are excluded unless re-included on purpose.
  ".env",
  ".env.*",
  "*.pem",
  "*.key",
  "id_rsa*",
  "id_ed25519*",
  ".netrc",
] as const;

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  re: RegExp;
}

export interface IgnoreMatcher {
  /** True when `path` (POSIX, relative to the context root) is excluded. `isDir` for directories. */
  ignores(path: string, isDir?: boolean): boolean;
  /** True when some `!` line could re-include a file below an excluded directory (the walker must descend). */
  readonly hasNegations: boolean;
}

/** A matcher for the default lines plus `text` (the contents of `.kineticignore`, if any). */
export function ignoreMatcher(text = "", options: { defaults?: boolean } = {}): IgnoreMatcher {
  const lines = [...(options.defaults === false ? [] : DEFAULT_IGNORES), ...text.split(/\r?\n/)];
  const rules = lines.map(parseLine).filter((r): r is Rule => r !== undefined);
  const hasNegations = rules.some((r) => r.negate);
  return {
    hasNegations,
    ignores(path, isDir = false) {
      const parts = path.split("/").filter((p) => p !== "" && p !== ".");
      let ignored = false;
      for (const rule of rules) {
        if (matchesPathOrParent(rule, parts, isDir)) ignored = !rule.negate;
      }
      return ignored;
    },
  };
}

function matchesPathOrParent(rule: Rule, parts: string[], isDir: boolean): boolean {
  for (let n = parts.length; n > 0; n--) {
    const dir = n < parts.length || isDir;
    if (rule.dirOnly && !dir) continue;
    if (rule.re.test(parts.slice(0, n).join("/"))) return true;
  }
  return false;
}

function parseLine(raw: string): Rule | undefined {
  let line = raw.replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return undefined;
  let negate = false;
  if (line.startsWith("!")) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith("\\!") || line.startsWith("\\#")) {
    line = line.slice(1);
  }
  const dirOnly = line.endsWith("/");
  if (dirOnly) line = line.replace(/\/+$/, "");
  if (line === "") return undefined;
  // A slash before the end anchors the pattern to the root; otherwise it matches at any depth.
  const anchored = line.includes("/");
  if (line.startsWith("/")) line = line.slice(1);
  const body = globToRegex(line);
  return { negate, dirOnly, re: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) };
}

/** gitignore glob → regex source (no anchors). */
export function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const atStart = i === 0 || glob[i - 1] === "/";
      const slashAfter = glob[i + 2] === "/";
      if (atStart && slashAfter) {
        out += "(?:.*/)?"; // "**/" : zero or more leading directories
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) out += escapeRe(glob[++i]!);
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        out += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else out += escapeRe(c);
  }
  return out;
}

function escapeRe(c: string): string {
  return /[.+^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
