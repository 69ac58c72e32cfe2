/** Cloud Function `submitJob`: Pub/Sub (CloudEvent) trigger on the kinetic-jobs topic. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { handleJobMessage } from "./handler.ts";

functions.cloudEvent("submitJob", async (event: functions.CloudEvent<unknown>) => {
  await handleJobMessage(await getDeps(), event);
});
