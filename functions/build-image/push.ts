/** buildImage's push endpoint: authenticated, decoded deliveries of the builds topic (see ../push.ts). */
import type { Deps } from "../../shared/deps.ts";
import { handleBuildRun } from "../../shared/builds/build-run.ts";
import { pushEndpoint } from "../push.ts";

export const buildImagePush = (getDeps: () => Promise<Deps>) => pushEndpoint(getDeps, handleBuildRun);
