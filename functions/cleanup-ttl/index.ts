/** Cloud Function `cleanupTtl`: a Cloud Scheduler cron (HTTP + OIDC) that deletes expired Kinetic resources. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { cleanupTtlHandler } from "./handler.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = cleanupTtlHandler(getDeps);

functions.http("cleanupTtl", handler);
