/**
 * The Kinetic SDK: `import { submit } from "kinetic"`. It resolves settings by
 * the same rule as the CLI, with the caller's arguments as the top layer:
 * argument > env var > active profile > default (there are no flags here).
 *
 * @example
 *   import { submit } from "kinetic";
 *   const { job } = await submit({ name: "train", accelerator: "tpu-v6e-8", image: "…" }, { project: "my-proj" });
 */
import { KineticApiClient, type ListJobsQuery, type LogsQuery } from "./client/api-client.ts";
import { tokenProvider } from "./client/token.ts";
import { BuildApiClient, type BuildView } from "./client/build-client.ts";
import {
  StudyApiClient,
  waitForStudy,
  withTrialNamespace,
  type StudyStatusView,
  type WaitOptions,
} from "./client/study-client.ts";
import { ConfigError } from "./config/errors.ts";
import { requireSetting, resolveConfig, type Env, type ResolvedConfig, type SettingInputs } from "./config/resolve.ts";
import type { JobRecord, JobListResponse } from "./schemas/job-record.ts";

export { ApiError, KineticApiClient } from "./client/api-client.ts";
export { BuildApiClient } from "./client/build-client.ts";
export type { BuildAnswer, BuildView, RepoView } from "./client/build-client.ts";
export type { ListJobsQuery, LogsQuery } from "./client/api-client.ts";
export { readJobSpec } from "./client/job-spec-file.ts";
export { ConfigError, ProfileNotFoundError, ProfileStoreError } from "./config/errors.ts";
export { resolveConfig, requireSetting } from "./config/resolve.ts";
export type { ResolvedConfig, SettingInputs } from "./config/resolve.ts";
export { SETTINGS, SETTING_KEYS } from "./config/settings.ts";
export type { SettingKey, SettingValues } from "./config/settings.ts";
export { KineticError } from "./errors.ts";
export { createSearch, fromHistory } from "./tuning/search/search.ts";
export type { Search, SearchOptions, SearchTrial, Suggestion } from "./tuning/search/search.ts";
export { parseStudySpec } from "./tuning/study-spec.ts";
export { StudyApiClient, waitForStudy } from "./client/study-client.ts";
export type { BestTrialView, StudyStatusView, StudyView } from "./client/study-client.ts";
export type { StudySpec } from "./tuning/study-spec.ts";
export type { JobRecord, JobListResponse } from "./schemas/job-record.ts";

export interface SdkOptions extends SettingInputs {
  /** Use this profile instead of KINETIC_PROFILE / the stored active one. */
  profile?: string;
  /** Profiles file instead of KINETIC_PROFILES_FILE / ~/.kinetic/profiles.json. */
  profilesFile?: string;
  /** API bearer token instead of KINETIC_API_TOKEN / gcloud. */
  apiToken?: string;
  /** Environment to read instead of process.env. */
  env?: Env;
  /** gcloud's project lookup, injectable (the default runs `gcloud config get-value project`). */
  gcloudProject?: (env: Env) => Promise<string | undefined>;
  fetch?: typeof fetch;
}

export type SubmitResult =
  | { via: "http"; job: JobRecord; created: boolean }
  | { via: "pubsub"; jobId: string; messageId: string; topic: string };

function split(options: SdkOptions): { args: SdkOptions; env: Env | undefined } {
  const { env, gcloudProject: _g, fetch: _f, ...args } = options;
  return { args, env };
}

/** Resolves the configuration with `options` as SDK arguments (the top layer). */
export function configure(options: SdkOptions = {}): Promise<ResolvedConfig> {
  const { args, env } = split(options);
  return resolveConfig({ args, env, gcloudProject: options.gcloudProject });
}

/** An API client for the resolved configuration. */
export async function client(options: SdkOptions = {}): Promise<KineticApiClient> {
  return clientFor(await configure(options), options);
}

function clientFor(config: ResolvedConfig, options: SdkOptions): KineticApiClient {
  // A derived API URL needs the project: report the missing project, not a missing URL.
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  return new KineticApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, options.env),
    fetch: options.fetch,
  });
}

/**
 * Fills the spec's namespace from configuration. A namespace written in the
 * spec is kept unless the caller chose one explicitly for this call (SDK
 * argument or CLI flag), which beats everything.
 */
export function applyNamespace(spec: Record<string, unknown>, config: ResolvedConfig): Record<string, unknown> {
  const { value, source } = config.settings.namespace;
  if (value === undefined) return spec;
  const explicit = source.kind === "argument" || source.kind === "flag";
  if (spec.namespace !== undefined && spec.namespace !== "" && !explicit) return spec;
  return { ...spec, namespace: value };
}

/**
 * The client's KINETIC_OUTPUT_DIR (flag, env or profile, by the settings' precedence) becomes the spec's
 * outputDir when the spec names none. Its built-in default is the deployment's own outputs bucket, which the
 * control plane applies anyway, so a default is not sent.
 */
export function applyOutputDir(spec: Record<string, unknown>, config: ResolvedConfig): Record<string, unknown> {
  const { value, source } = config.settings.outputDir;
  if (value === undefined || source.kind === "default" || source.kind === "unset") return spec;
  if (spec.outputDir !== undefined && spec.outputDir !== "") return spec;
  return { ...spec, outputDir: value };
}

/** Submits a job spec over HTTP (default) or as a Pub/Sub job message. */
export async function submit(
  spec: Record<string, unknown>,
  options: SdkOptions & { via?: "http" | "pubsub" } = {},
): Promise<SubmitResult> {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec))
    throw new ConfigError("submit() needs a job spec object", {
      issues: [{ field: "spec", message: "expected an object" }],
    });
  const { via = "http", ...rest } = options;
  const config = await configure(rest);
  const withNs = applyOutputDir(applyNamespace(spec, config), config);
  if (via === "pubsub") {
    const { publishJob } = await import("./client/pubsub-publish.ts");
    const cluster = config.settings.cluster.value;
    const project = requireSetting(config, "project");
    return { via, ...(await publishJob(withNs, { project, ...(cluster ? { cluster } : {}) })) };
  }
  const api = clientFor(config, rest);
  return { via, ...(await api.submitJob(withNs)) };
}

/** A job by id; `options.namespace` names its namespace, else the id is looked up among the caller's namespaces. */
export async function getJob(id: string, options: SdkOptions = {}): Promise<JobRecord> {
  return (await client(options)).getJob(id, jobRef(options));
}

export async function listJobs(query: ListJobsQuery = {}, options: SdkOptions = {}): Promise<JobListResponse> {
  return (await client(options)).listJobs(query);
}

/** Cancels a job; with `options.namespace` the cancel also stops a submission that has not arrived yet. */
export async function cancelJob(id: string, options: SdkOptions = {}): Promise<JobRecord> {
  return (await client(options)).cancelJob(id, jobRef(options));
}

export async function jobLogs(id: string, query: LogsQuery = {}, options: SdkOptions = {}): Promise<string> {
  return (await client(options)).logs(id, { ...jobRef(options), ...query });
}

/** Only a namespace the caller passed names the job: a profile's default is for new jobs, not lookups. */
function jobRef(options: SdkOptions): { namespace?: string } {
  return typeof options.namespace === "string" ? { namespace: options.namespace } : {};
}

export interface TuneResult {
  id: string;
  namespace: string;
  /** CREATED without `wait`; with it SUCCEEDED, FAILED or CANCELLED. */
  state: StudyStatusView["state"];
  reason?: string;
  /** The final status (counts per trial state, notes), with `wait`. */
  status?: StudyStatusView;
  /** The best trial's parameters (what Kaptain's tune() sets as the model's hyperparameters), with `wait`. */
  params?: Record<string, number | string>;
  /** The best trial's metrics: the objective and the additional ones. */
  metrics?: Record<string, number>;
  best?: StudyStatusView["best"];
}

/**
 * Creates a tuning study (Kaptain's `Model.tune()`); with `wait`, follows it
 * until it ends and returns the best trial's parameters and metrics (absent
 * when no trial succeeded: `state` and `reason` say why). The trials'
 * namespace is the configured one unless the spec's template names one.
 *
 * @example
 *   const { params, metrics } = await tune(spec, { wait: true });
 */
export async function tune(
  spec: Record<string, unknown>,
  options: SdkOptions & { wait?: boolean } & Pick<WaitOptions, "onProgress" | "signal"> = {},
): Promise<TuneResult> {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec))
    throw new ConfigError("tune() needs a study spec object", {
      issues: [{ field: "spec", message: "expected an object" }],
    });
  const { wait, onProgress, signal, ...rest } = options;
  const config = await configure(rest);
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  const api = new StudyApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, rest.env),
    fetch: rest.fetch,
  });
  const study = await api.createStudy(withTrialNamespace(spec, config.settings.namespace.value));
  if (!wait) return { id: study.id, namespace: study.namespace, state: study.state };
  const status = await waitForStudy(api, study.id, study.namespace, {
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  });
  return {
    id: status.id,
    namespace: status.namespace,
    state: status.state,
    ...(status.reason ? { reason: status.reason } : {}),
    status,
    ...(status.best ? { params: status.best.params, metrics: status.best.metrics, best: status.best } : {}),
  };
}

/** A builds/repos API client for the resolved configuration. */
async function buildsClient(options: SdkOptions): Promise<BuildApiClient> {
  const config = await configure(options);
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  return new BuildApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, options.env),
    fetch: options.fetch,
  });
}

/**
 * Requests an image build for the configured (or given) namespace: "up-to-date" (nothing built), "started" or
 * "joined" (poll getBuild), or "failed". A `dir` context is read by the API itself: local mode only.
 */
export async function build(request: Record<string, unknown>, options: SdkOptions & { retryFailed?: boolean } = {}) {
  const { retryFailed, ...rest } = options;
  const config = await configure(rest);
  const namespace = requireSetting(config, "namespace");
  return (await buildsClient(rest)).requestBuild(namespace, request, { retryFailed: retryFailed === true });
}

/** A build by id (`<key>-<attempt>`), if the caller's namespaces may see it. */
export async function getBuild(id: string, options: SdkOptions = {}): Promise<BuildView> {
  return (await buildsClient(options)).getBuild(id, jobRef(options).namespace);
}

/** Builds requested for a namespace, newest first (without one: every build, for operators). */
export async function listBuilds(query: { namespace?: string; limit?: number } = {}, options: SdkOptions = {}) {
  return (await buildsClient(options)).listBuilds(query);
}
