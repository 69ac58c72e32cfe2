/**
 * Cloud Function `submitJob`: the push endpoint of the jobs topic's push
 * subscription (HTTP, OIDC-authenticated as the push identity).
 */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { submitJobPush } from "./push.ts";

functions.http("submitJob", submitJobPush(getDeps));
