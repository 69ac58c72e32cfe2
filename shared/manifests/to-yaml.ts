/**
 * Workloads as YAML, for golden files, `--dry-run` output and diagnostics.
 * Key order is the order the renderer builds, so equal input gives equal text.
 */
import { stringify } from "yaml";
import type { Workload } from "../cluster/types.ts";

export function workloadToYaml(workload: Workload): string {
  return stringify(workload, { lineWidth: 0, aliasDuplicateObjects: false });
}
