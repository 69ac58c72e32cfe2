/**
 * Cloud Function `submitJob`: the push endpoint of the jobs topic's push
 * subscription (HTTP, OIDC-authenticated as the push identity).
 */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { submitJobPush } from "./push.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = submitJobPush(getDeps);

functions.http("submitJob", handler);
