/**
 * Cloud Function `cloudBuilds`: the push endpoint of the cluster's Cloud Build
 * status topic (HTTP, OIDC-authenticated as the push identity). Moves the
 * build record and, when the build has ended, wakes the jobs waiting on it.
 */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { cloudBuildsPush } from "./push.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = cloudBuildsPush(getDeps);

functions.http("cloudBuilds", handler);
