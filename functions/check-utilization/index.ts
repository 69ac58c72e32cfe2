/** Cloud Function `checkUtilization`: a Cloud Scheduler cron (HTTP + OIDC) that judges accelerator utilization and preempts for waiting jobs. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { checkUtilizationHandler } from "./handler.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = checkUtilizationHandler(getDeps);

functions.http("checkUtilization", handler);
