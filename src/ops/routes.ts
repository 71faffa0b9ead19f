import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { checkHealth, isReady } from "./health.js";

/** Unauthenticated probes for the orchestrator. */
export function opsRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/healthz", (c) => c.json({ status: "ok" }));
  routes.get("/readyz", async (c) => {
    const { queue } = c.var.deps;
    const health = await checkHealth(c.var.deps);
    const { database, nats } = health;
    const ready = isReady(health);
    return c.json(
      {
        status: ready ? "ready" : "unavailable",
        database: database ? "up" : "down",
        nats: nats === null ? "in-process" : nats ? "up" : "down",
        durable: queue.durable && nats === true,
      },
      ready ? 200 : 503,
    );
  });
  routes.get("/metrics", async (c) => {
    const { registry } = c.var.deps.metrics;
    return c.text(await registry.metrics(), 200, { "content-type": registry.contentType });
  });
  return routes;
}
