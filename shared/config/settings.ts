/**
 * Every Kinetic setting, declared once: its CLI flag, its env var, whether a
 * profile can hold it, its default and its parser. Resolution (resolve.ts),
 * the CLI's global flags, `config show` and the README table all read this list,
 * so a setting cannot exist in one place and be missing from another.
 *
 * Precedence, highest first: SDK argument > CLI flag > env var > active profile > default.
 */
import type { LogLevel } from "../log.ts";
import { apiUrlFor, outputsBucket, repositoryId } from "./deployment-names.ts";
import type { ProfileField } from "./profiles.ts";
import {
  formatSeconds,
  parseCluster,
  parseDurationSeconds,
  parseGcsUri,
  parseHttpUrl,
  parseImageRepo,
  parseLogLevel,
  parseNamespace,
  parseProject,
  parseReservation,
  parseZone,
  regionOf,
  type Parsed,
} from "./validators.ts";

export interface SettingValues {
  project: string;
  zone: string;
  cluster: string;
  namespace: string;
  outputDir: string;
  baseImageRepo: string;
  reservation: string;
  logLevel: LogLevel;
  /** Seconds. */
  debugWaitTimeout: number;
  apiUrl: string;
}
export type SettingKey = keyof SettingValues;

/** Resolution order of the settings: derived defaults may read those before them. */
export const SETTING_KEYS = [
  "project",
  "zone",
  "cluster",
  "namespace",
  "outputDir",
  "baseImageRepo",
  "reservation",
  "logLevel",
  "debugWaitTimeout",
  "apiUrl",
] as const satisfies readonly SettingKey[];

/** What a derived default may look at: the settings resolved before it. */
export type DefaultContext = Partial<SettingValues>;

export interface SettingSpec<T> {
  /** Long CLI flag, e.g. "--zone". */
  flag: string;
  /** Placeholder shown in help, e.g. "ZONE". */
  metavar: string;
  env: string;
  /** The profile field that can hold it, if any. */
  profileField?: ProfileField | "apiUrl";
  parse: (raw: string) => Parsed<T>;
  /** Built-in default; undefined means "not set" (or, for a derived one, "not derivable yet"). */
  default: (ctx: DefaultContext) => T | undefined;
  /** The default as documentation shows it. */
  defaultLabel: string;
  description: string;
  /** How `config show` prints the value. */
  format?: (value: T) => string;
}

export type SettingSpecs = { [K in SettingKey]: SettingSpec<SettingValues[K]> };

export const DEFAULT_ZONE = "us-central1-a";

export const SETTINGS: SettingSpecs = {
  project: {
    flag: "--project",
    metavar: "PROJECT",
    env: "KINETIC_PROJECT",
    profileField: "project",
    parse: parseProject,
    // No built-in default: resolve.ts falls back to GOOGLE_CLOUD_PROJECT, then gcloud's project.
    default: () => undefined,
    defaultLabel: "none; falls back to GOOGLE_CLOUD_PROJECT, then `gcloud config get-value project`",
    description: "Google Cloud project that hosts the control plane",
  },
  zone: {
    flag: "--zone",
    metavar: "ZONE",
    env: "KINETIC_ZONE",
    profileField: "zone",
    parse: parseZone,
    default: () => DEFAULT_ZONE,
    defaultLabel: DEFAULT_ZONE,
    description:
      "Zone of the GKE cluster and its accelerator node pools; the region (zone minus its last -x) hosts the functions",
  },
  cluster: {
    flag: "--cluster",
    metavar: "NAME",
    env: "KINETIC_CLUSTER",
    profileField: "cluster",
    parse: parseCluster,
    default: () => "kinetic",
    defaultLabel: "kinetic",
    description: "GKE cluster name (also part of the Pulumi stack name {project}-{cluster})",
  },
  namespace: {
    flag: "--namespace",
    metavar: "NS",
    env: "KINETIC_NAMESPACE",
    profileField: "namespace",
    parse: parseNamespace,
    default: () => "default",
    defaultLabel: "default",
    description: "Kubernetes namespace for jobs a spec does not place itself; default filter of `jobs list`",
  },
  outputDir: {
    flag: "--output-dir",
    metavar: "GS_URI",
    env: "KINETIC_OUTPUT_DIR",
    parse: parseGcsUri,
    default: (c) => (c.project && c.cluster ? `gs://${outputsBucket(c.project, c.cluster)}` : undefined),
    defaultLabel: "gs://{project}-kinetic-{tag}-outputs",
    description: "Cloud Storage prefix where jobs write outputs",
  },
  baseImageRepo: {
    flag: "--base-image-repo",
    metavar: "REPO",
    env: "KINETIC_BASE_IMAGE_REPO",
    parse: parseImageRepo,
    default: (c) =>
      c.project && c.zone && c.cluster
        ? `${regionOf(c.zone)}-docker.pkg.dev/${c.project}/${repositoryId(c.cluster)}`
        : undefined,
    defaultLabel: "{region}-docker.pkg.dev/{project}/kinetic-{tag}",
    description: "Artifact Registry repository for job base images",
  },
  reservation: {
    flag: "--reservation",
    metavar: "NAME",
    env: "KINETIC_RESERVATION",
    parse: parseReservation,
    default: () => undefined,
    defaultLabel: "none (on-demand capacity)",
    description: "Compute reservation for accelerator node pools; a pool-level setting, there is no per-job argument",
  },
  logLevel: {
    flag: "--log-level",
    metavar: "LEVEL",
    env: "KINETIC_LOG_LEVEL",
    parse: parseLogLevel,
    default: () => "INFO",
    defaultLabel: "INFO",
    description: "Log verbosity: DEBUG, INFO, WARNING, ERROR or FATAL",
  },
  debugWaitTimeout: {
    flag: "--debug-wait-timeout",
    metavar: "DURATION",
    env: "KINETIC_DEBUG_WAIT_TIMEOUT",
    parse: parseDurationSeconds,
    default: () => 600,
    defaultLabel: "10m",
    description: "How long a job started in debug mode waits for a debugger to attach (600, 600s, 10m, 1h30m)",
    format: formatSeconds,
  },
  apiUrl: {
    flag: "--api-url",
    metavar: "URL",
    env: "KINETIC_API_URL",
    profileField: "apiUrl",
    parse: parseHttpUrl,
    // The api function of the cluster's own deployment: two clusters in one project never share an API.
    default: (c) => (c.project && c.zone && c.cluster ? apiUrlFor(c.project, regionOf(c.zone), c.cluster) : undefined),
    defaultLabel: "https://{region}-{project}.cloudfunctions.net/kinetic-{tag}-api",
    description: "Base URL of the Kinetic HTTP API (of the configured cluster's deployment)",
  },
};

/** Settings that are not plain values but pick or locate a profile. */
export const PROFILE_SETTINGS = {
  profile: {
    flag: "--profile",
    env: "KINETIC_PROFILE",
    description: "Profile to use instead of the stored active one; a global flag, it goes before the subcommand",
  },
  profilesFile: {
    env: "KINETIC_PROFILES_FILE",
    defaultLabel: "~/.kinetic/profiles.json",
    description: "Where profiles are stored",
  },
  apiToken: {
    env: "KINETIC_API_TOKEN",
    defaultLabel: "`gcloud auth print-identity-token`",
    description: "Bearer token for the API; never printed",
  },
} as const;

/** Shown when the project cannot be resolved from any layer. */
export const PROJECT_HINT =
  "set it with --project PROJECT, KINETIC_PROJECT, a profile (`kinetic profile create`), GOOGLE_CLOUD_PROJECT, or `gcloud config set project PROJECT`";
