/** submitJob's push endpoint: authenticated, decoded deliveries of the jobs topic (see ../push.ts). */
import type { Deps } from "../../shared/deps.ts";
import { pushEndpoint } from "../push.ts";
import { handleJobMessage } from "./handler.ts";

export const submitJobPush = (getDeps: () => Promise<Deps>) => pushEndpoint(getDeps, handleJobMessage);
