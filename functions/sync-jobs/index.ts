/** Cloud Function `syncJobs`: a Cloud Scheduler cron (HTTP + OIDC) that reconciles active jobs. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { syncJobsHandler } from "./handler.ts";

functions.http("syncJobs", syncJobsHandler(getDeps));
