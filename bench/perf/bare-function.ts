/**
 * The cold-start baseline: a functions-framework HTTP function that imports
 * nothing else and answers 200. Spawned exactly as Kinetic's functions are.
 */
import * as functions from "@google-cloud/functions-framework";

functions.http("perfBare", (_req, res) => {
  res.status(200).send("ok");
});
