/** Cloud Function `checkUtilization`: a Cloud Scheduler cron (HTTP + OIDC) that judges accelerator utilization and preempts for waiting jobs. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { checkUtilizationHandler } from "./handler.ts";

functions.http("checkUtilization", checkUtilizationHandler(getDeps));
