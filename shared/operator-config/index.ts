/** The operator config (Kaiwo's KaiwoConfig, live in Firestore): schema, defaults, and the read port. */
export {
  DEFAULT_OPERATOR_CONFIG,
  DURATION_PATTERN,
  durationMs,
  MONITORING_PROFILES,
  OperatorConfigSchema,
  resolveOperatorConfig,
  validateOperatorConfig,
  type ConfigIssue,
  type DataSettings,
  type OperatorConfig,
  type OperatorConfigInput,
  type ResourceMonitoring,
  type Scheduling,
} from "./schema.ts";
export type {
  OperatorConfigChange,
  OperatorConfigSource,
  OperatorConfigState,
  OperatorConfigStore,
} from "../store/operator-config-store.ts";
