/**
 * The PersistentVolumeClaims a job asks for (its data volume and Hugging
 * Face cache). A job's own claim is named after the job (every attempt mounts
 * the same one) and carries no owner reference: deleting a workload — at a
 * preemption, an idle termination or the native TTL — never deletes it.
 * cleanupTtl deletes it after the job's TTL, only when the spec says
 * `deleteAfterTtl`. A shared claim (`claim`) is created when missing and is
 * never deleted by Kinetic. Pure.
 */
import type { JobSpec } from "../schemas/job-spec.ts";
import { sanitizeLabelValue } from "../schemas/k8s-names.ts";
import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../cluster/labels.ts";
import type { VolumeClaim } from "../cluster/types.ts";
import { BUILTIN_STORAGE_DEFAULTS, type StorageDefaults } from "../outputs/storage-defaults.ts";
import { claimNameFor, volumeRequests } from "./pod-extras.ts";
import { workloadName } from "./names.ts";

/** "job": the job's own claim; "shared": a named claim several jobs mount. */
export const CLAIM_OWNER_LABEL = "kinetic.dev/claim-owner";
/** On a job's own claim: "true" when cleanup deletes it once the job's TTL passes. */
export const DELETE_AFTER_TTL_LABEL = "kinetic.dev/delete-after-ttl";

export type ClaimObject = VolumeClaim;

/** Several pods (hosts or workers) on different nodes need a claim they can all mount. */
function accessModes(pods: number): string[] {
  return [pods > 1 ? "ReadWriteMany" : "ReadWriteOnce"];
}

export function renderClaims(
  jobId: string,
  spec: JobSpec,
  opts: { pods: number; storage?: StorageDefaults },
): ClaimObject[] {
  const storage = opts.storage ?? BUILTIN_STORAGE_DEFAULTS;
  const base = workloadName(jobId);
  return volumeRequests(spec)
    .filter(([, request]) => request.size !== undefined)
    .map(([role, request]) => {
      const shared = request.claim !== undefined;
      const storageClass = request.storageClass ?? storage.storageClass;
      return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: claimNameFor(base, role, request),
          namespace: spec.namespace,
          labels: {
            [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
            [CLAIM_OWNER_LABEL]: shared ? "shared" : "job",
            // A shared claim is not the first job's: only its own claims name a job.
            ...(shared
              ? {}
              : {
                  [JOB_ID_LABEL]: sanitizeLabelValue(jobId),
                  [DELETE_AFTER_TTL_LABEL]: String(!!request.deleteAfterTtl),
                }),
          },
          ...(shared ? {} : { annotations: { [JOB_ID_LABEL]: jobId } }),
        },
        spec: {
          accessModes: accessModes(opts.pods),
          resources: { requests: { storage: request.size } },
          ...(storageClass ? { storageClassName: storageClass } : {}),
        },
      };
    });
}
