/**
 * The labels that mark an object as Kinetic's. Cleanup and diagnose select
 * on them and never touch anything without them.
 */
export const MANAGED_BY_LABEL = "kinetic.dev/managed-by";
export const MANAGED_BY_VALUE = "kinetic";
export const JOB_ID_LABEL = "kinetic.dev/job-id";
export const ACCELERATOR_LABEL = "kinetic.dev/accelerator";
/** Selects every object Kinetic created. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
