/**
 * The storage defaults a job's volumes fall back to: seed 004's
 * defaultStorageClass, defaultDataMountPath (/workload) and
 * defaultHfMountPath (/hf_cache). They belong to the operator configuration
 * document; this small port lets submission read them from there, or from
 * the built-in values while no document (or no reader) is present.
 */
import { STORAGE_MOUNT_DEFAULTS } from "../schemas/job-spec-storage.ts";

export interface StorageDefaults {
  /** StorageClass of created claims; undefined = the cluster's default class. */
  storageClass?: string;
  dataMountPath: string;
  hfMountPath: string;
}

export const BUILTIN_STORAGE_DEFAULTS: StorageDefaults = {
  dataMountPath: STORAGE_MOUNT_DEFAULTS.data,
  hfMountPath: STORAGE_MOUNT_DEFAULTS.hfCache,
};

/** Reads the current storage defaults (the operator configuration, cached by its reader). */
export type StorageDefaultsSource = () => Promise<StorageDefaults>;

export const builtinStorageDefaults: StorageDefaultsSource = () => Promise.resolve(BUILTIN_STORAGE_DEFAULTS);

/** Fills what a partial document leaves out from the built-in values. */
export function withBuiltins(partial: Partial<StorageDefaults> | undefined): StorageDefaults {
  return {
    ...(partial?.storageClass ? { storageClass: partial.storageClass } : {}),
    dataMountPath: partial?.dataMountPath ?? BUILTIN_STORAGE_DEFAULTS.dataMountPath,
    hfMountPath: partial?.hfMountPath ?? BUILTIN_STORAGE_DEFAULTS.hfMountPath,
  };
}
