/**
 * Cloud Function `buildImage`: the push endpoint of the builds topic's push
 * subscription (HTTP, OIDC-authenticated as the push identity). Runs one
 * build with the configured backend, then wakes the jobs waiting on it.
 */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { buildImagePush } from "./push.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = buildImagePush(getDeps);

functions.http("buildImage", handler);
