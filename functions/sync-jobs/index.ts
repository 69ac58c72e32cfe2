/** Cloud Function `syncJobs`: a Cloud Scheduler cron (HTTP + OIDC) that reconciles active jobs. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { syncJobsHandler } from "./handler.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = syncJobsHandler(getDeps);

functions.http("syncJobs", handler);
