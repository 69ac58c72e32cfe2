/** Cloud Function `syncJobs`: a Cloud Scheduler cron (HTTP + OIDC) that reconciles active jobs. */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { sendError } from "../api/respond.ts";

functions.http("syncJobs", async (req, res) => {
  try {
    const deps = await getDeps();
    await deps.auth.authenticate(req.get("authorization"));
    const summary = await syncJobs(deps);
    res.status(200).json(summary);
  } catch (err) {
    sendError(res, err);
  }
});
