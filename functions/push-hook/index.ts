/** Cloud Function `pushHook`: Git push deliveries from GitHub and GitLab (public HTTP; the signature authenticates). */
import * as functions from "@google-cloud/functions-framework";
import { pushHookEndpoint } from "./handler.ts";
import { pushHookDeps } from "./deps.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = pushHookEndpoint(pushHookDeps);

functions.http("pushHook", handler);
