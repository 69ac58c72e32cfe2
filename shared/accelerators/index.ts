/** The accelerator catalog (data) and its resolver (rules). */
export * from "./catalog.ts";
export * from "./resolve.ts";
