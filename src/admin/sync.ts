import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { startSync } from "../cache/sync.js";
import { requestLog } from "../ingress/request-context.js";
import { adminConflict } from "./errors.js";
import { platformOr404, viewOf } from "./views.js";

/** The cache sync of a CPO, on the operator's request. */
export function syncRoutes() {
  const routes = new Hono<AppEnv>();

  // Pulls a CPO's locations and tariffs into the cache; progress shows on the platform.
  routes.post("/platforms/:id/sync", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const refusal = await startSync(deps, platform.id, "admin");
    if (refusal !== undefined) throw adminConflict(refusal);
    requestLog(c).info({ platform_id: platform.id }, "cache sync requested");
    return c.json(await viewOf(deps, platform.id), 202);
  });

  return routes;
}
