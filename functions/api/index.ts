/** Cloud Function `api`: the authenticated HTTP API (jobs, studies, operator utilities). */
import * as functions from "@google-cloud/functions-framework";
import { getDeps } from "../../shared/deps.ts";
import { createApiApp } from "./app.ts";
import { adminRoutes } from "./admin-routes.ts";
import { studyRoutes } from "./study-routes.ts";
import { buildRoutes } from "./build-routes.ts";
import { repoRoutes } from "./repo-routes.ts";
import { operatorConfigRoutes } from "./operator-config-routes.ts";
import { outputRoutes } from "./output-routes.ts";
import { preemptRoutes } from "./preempt-routes.ts";
import { dashboardRoutes } from "./dashboard-routes.ts";
import { utilizationRoutes } from "./utilization-routes.ts";

/** The request handler, for a build that registers it lazily (scripts/build/lazy-http.ts). */
export const handler = createApiApp(getDeps, [
  adminRoutes,
  studyRoutes,
  operatorConfigRoutes,
  buildRoutes,
  repoRoutes,
  outputRoutes,
  preemptRoutes,
  utilizationRoutes,
  dashboardRoutes,
]);

functions.http("api", handler);
