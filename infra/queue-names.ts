/** Kueue queue names infra creates (no Pulumi here: the CLI and function-env.ts read them). */

/** Jobs carry the label kueue.x-k8s.io/queue-name with this value. */
export const LOCAL_QUEUE = "kinetic";
export const CLUSTER_QUEUE = "kinetic";
