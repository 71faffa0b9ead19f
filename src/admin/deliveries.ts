import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { requestLog } from "../ingress/request-context.js";
import { adminConflict } from "./errors.js";
import { platformOr404 } from "./views.js";

/** The delivery queues: what each recipient waits for, and a resync of one. */
export function deliveryRoutes() {
  const routes = new Hono<AppEnv>();

  // Per recipient: what waits, what is retried, what was dropped, the last error and success.
  routes.get("/deliveries", async (c) => {
    const deps = c.var.deps;
    return c.json({ durable: deps.queue.durable, data: await deps.deliveries.view() });
  });

  // Sends the platform the current copy of every cached location, tariff and token it may see.
  routes.post("/platforms/:id/resync", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    if (platform.status !== "CONNECTED") {
      throw adminConflict(`platform is ${platform.status}; only a CONNECTED platform is resynced`);
    }
    const queued = await deps.deliveries.resync(platform.id);
    requestLog(c).info({ platform_id: platform.id, ...queued }, "resync queued");
    return c.json({ platform_id: platform.id, queued }, 202);
  });

  return routes;
}
