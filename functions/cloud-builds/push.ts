/** cloudBuilds' push endpoint: authenticated, decoded Cloud Build status notifications (see ../push.ts). */
import type { Deps } from "../../shared/deps.ts";
import { handleCloudBuildEvent } from "../../shared/builds/cloud-build-events.ts";
import { pushEndpoint } from "../push.ts";

export const cloudBuildsPush = (getDeps: () => Promise<Deps>) => pushEndpoint(getDeps, handleCloudBuildEvent);
