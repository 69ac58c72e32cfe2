/**
 * requirements.txt in canonical form, for the build key: two texts that make
 * pip install the same thing give the same key. Comments, blank lines,
 * continuation backslashes, spacing, line order and the spelling of a
 * project name (PEP 503: `Foo_Bar` = `foo-bar`) do not count; versions,
 * extras, markers, URLs and option lines (`--index-url`, kept in their order
 * because pip reads them in order) do.
 *
 * The key is the text, not what it resolves to: an unpinned `numpy` keeps its
 * first build's version until the request carries a new `refresh` value. The
 * versions a build actually installed are recorded on its build record, so
 * that freeze is visible instead of silent.
 */

export interface CanonicalRequirements {
  /** pip option lines (`--index-url …`, `-f …`), in their original order. */
  options: string[];
  /** Requirement lines, normalised, sorted, without duplicates. */
  requirements: string[];
}

export function canonicalRequirements(text: string | undefined): CanonicalRequirements {
  const options: string[] = [];
  const reqs = new Set<string>();
  for (const logical of logicalLines(text ?? "")) {
    const line = stripComment(logical).trim().replace(/\s+/g, " ");
    if (line === "") continue;
    if (line.startsWith("-")) options.push(line);
    else reqs.add(normalizeRequirement(line));
  }
  return { options, requirements: [...reqs].sort() };
}

/** PEP 503 normalised project name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function logicalLines(text: string): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of text.split(/\r?\n/)) {
    if (raw.endsWith("\\")) {
      pending += raw.slice(0, -1);
      continue;
    }
    out.push(pending + raw);
    pending = "";
  }
  if (pending) out.push(pending);
  return out;
}

// pip: a comment starts at '#' at the line start or after whitespace (a URL fragment '#egg=' is not one).
function stripComment(line: string): string {
  return line.replace(/(^|\s)#.*$/, "");
}

function normalizeRequirement(line: string): string {
  const semi = line.indexOf(";");
  const spec = (semi < 0 ? line : line.slice(0, semi)).replace(/\s+/g, "");
  const marker = semi < 0 ? "" : line.slice(semi + 1).trim();
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(.*)$/.exec(spec);
  const head = m ? normalizeName(m[1]!) + m[2]! : spec;
  return marker ? `${head}; ${marker}` : head;
}
