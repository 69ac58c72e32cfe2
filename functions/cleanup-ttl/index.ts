/** Cloud Function `cleanupTtl`: a Cloud Scheduler cron (HTTP + OIDC) that deletes expired Kinetic resources. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { cleanupTtlHandler } from "./handler.ts";

functions.http("cleanupTtl", cleanupTtlHandler(getDeps));
