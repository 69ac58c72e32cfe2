/**
 * Editing a sparse config: `key.path=value` assignments and JSON merge
 * patches (RFC 7386: objects merge, `null` removes a key so it falls back to
 * its default, anything else replaces). Used by `kinetic admin config set`;
 * the server validates the result as a whole.
 */
import { invalid } from "../errors.ts";

export type ConfigObject = Record<string, unknown>;

const isObject = (v: unknown): v is ConfigObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7386 merge patch of `patch` onto `base` (neither is modified). */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: ConfigObject = isObject(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  // An emptied section is left out, as if never set.
  for (const [k, v] of Object.entries(out))
    if (isObject(v) && Object.keys(v).length === 0 && isObject(patch[k])) delete out[k];
  return out;
}

/**
 * A value as typed on a command line: JSON when it parses (numbers, booleans,
 * null, arrays, quoted strings), otherwise the text itself ("5m", "nvidia.com/gpu").
 */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const KEY_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** `["a.b=1", "c=x"]` → the merge patch `{a: {b: 1}, c: "x"}`; a malformed pair is an error naming it. */
export function assignmentsToPatch(pairs: string[]): ConfigObject {
  const patch: ConfigObject = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (!KEY_PATH.test(key)) {
      throw invalid(`expected key.path=value, got ${JSON.stringify(pair)}`, [
        {
          field: key || pair,
          message: "expected key.path=value (e.g. resourceMonitoring.terminateUnderutilized=true)",
        },
      ]);
    }
    const path = key.split(".");
    let node = patch;
    for (const part of path.slice(0, -1)) {
      if (!isObject(node[part])) node[part] = {};
      node = node[part] as ConfigObject;
    }
    node[path.at(-1)!] = parseValue(pair.slice(eq + 1));
  }
  return patch;
}
