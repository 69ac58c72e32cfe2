/** Cloud Function `pushHook`: Git push deliveries from GitHub and GitLab (public HTTP; the signature authenticates). */
import * as functions from "@google-cloud/functions-framework";
import { pushHookEndpoint } from "./handler.ts";
import { pushHookDeps } from "./deps.ts";

functions.http("pushHook", pushHookEndpoint(pushHookDeps));
