/**
 * Utilization as an API endpoint (a RouteGroup), for the dashboard:
 *
 *   GET /utilization?namespace=NS   {at, settings, metrics, jobs, events, lastRun?}
 *
 * Running accelerator jobs with their idle streak and per-device utilization
 * over the check's window, and the check's recent preemptions and
 * terminations (shared/utilization/view.ts). A caller sees only the
 * namespaces the policy grants (all of them, or the one named); an
 * unreachable metrics endpoint answers 200 with metrics.status "unavailable".
 */
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { allowedNamespaces, assertNamespaceAllowed } from "../../shared/jobs/namespace-policy.ts";
import { Namespace } from "../../shared/schemas/job-spec-fields.ts";
import type { MonitoringEnv } from "../../shared/operator-config/monitoring-env.ts";
import { utilizationDeps } from "../../shared/utilization/deps.ts";
import { utilizationView, visibleIn } from "../../shared/utilization/view.ts";
import type { RouteGroup } from "./app.ts";

const Query = z.strictObject({ namespace: Namespace.optional() });

/** `env` replaces the startup-only monitoring settings (tests); by default the function's environment. */
export function utilizationRoutesWith(options: { env?: MonitoringEnv } = {}): RouteGroup {
  return (app, route) => {
    app.get(
      "/utilization",
      route(async (req, res, deps, principal) => {
        const parsed = Query.safeParse(req.query ?? {});
        if (!parsed.success) {
          const issues = parsed.error.issues.flatMap((i) =>
            i.code === "unrecognized_keys"
              ? i.keys.map((k) => ({ field: k, message: "unknown field" }))
              : [{ field: i.path.join(".") || "query", message: i.message }],
          );
          throw new KineticError(
            "invalid-argument",
            `invalid query: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
            { issues },
          );
        }
        const { namespace } = parsed.data;
        const policy = deps.config.namespacePolicy;
        if (namespace !== undefined) assertNamespaceAllowed(policy, principal.id, namespace);
        const visible = visibleIn(allowedNamespaces(policy, principal.id), namespace);
        const withMetrics = utilizationDeps(deps, options.env ? { env: options.env } : {});
        res.json(await utilizationView(withMetrics, visible));
      }),
    );
  };
}

export const utilizationRoutes: RouteGroup = utilizationRoutesWith();
