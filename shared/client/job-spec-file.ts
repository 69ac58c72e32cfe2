/**
 * Reads a job spec from job.yaml or job.json (YAML is a superset of JSON, so
 * any other extension is read as YAML). The client checks only that it is one
 * mapping; the API validates the fields and answers with per-field issues.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { invalid } from "../errors.ts";

export async function readJobSpec(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(`cannot read job spec ${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`, [
      { field: "file", message: code === "ENOENT" ? "no such file" : "unreadable" },
    ]);
  }
  let doc: unknown;
  try {
    doc = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw invalid(`job spec ${path} does not parse: ${(err as Error).message.split("\n")[0]}`, [
      { field: "file", message: "not valid " + (path.endsWith(".json") ? "JSON" : "YAML") },
    ]);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw invalid(
      `job spec ${path} must be one mapping (an object), not ${Array.isArray(doc) ? "a list" : typeof doc}`,
      [{ field: "(root)", message: "expected an object" }],
    );
  return doc as Record<string, unknown>;
}
