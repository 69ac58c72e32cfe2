/** tuneStudy's push endpoint: authenticated, decoded deliveries of the tuning and job-events topics (see ../push.ts). */
import type { Deps } from "../../shared/deps.ts";
import { pushEndpoint } from "../push.ts";
import { handleTuningMessage } from "./handler.ts";

export const tuneStudyPush = (getDeps: () => Promise<Deps>) => pushEndpoint(getDeps, handleTuningMessage);
