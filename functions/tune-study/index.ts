/**
 * Cloud Function `tuneStudy`: the push endpoint of the tuning topic's and the
 * job-events topic's push subscriptions (HTTP, OIDC-authenticated as the push
 * identity, like submitJob).
 */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { tuneStudyPush } from "./push.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = tuneStudyPush(getDeps);

functions.http("tuneStudy", handler);
