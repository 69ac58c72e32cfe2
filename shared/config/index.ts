/**
 * Kinetic configuration: setting declarations, layered resolution and the
 * profiles store. The CLI, the SDK and `kinetic up` all resolve through here.
 */
export * from "./errors.ts";
export * from "./gcloud.ts";
export * from "./profiles.ts";
export * from "./resolve.ts";
export * from "./settings.ts";
export * from "./sources.ts";
export * from "./validators.ts";
export * from "./deployment-names.ts";
