import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { PLATFORM_STATUSES } from "../db/schema/index.js";

async function within<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Unauthenticated probes for the orchestrator. */
export function opsRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/healthz", (c) => c.json({ status: "ok" }));
  routes.get("/readyz", async (c) => {
    const { db, bus, queue } = c.var.deps;
    const [database, nats] = await Promise.all([
      within(2_000, db.ping(), false),
      bus.kind === "nats" ? within(2_000, bus.ping(), false) : Promise.resolve(null),
    ]);
    const ready = database && nats !== false;
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
  routes.get("/metrics", (c) => {
    const { metrics, registry } = c.var.deps;
    const platforms = registry.list();
    const text = metrics.render([
      {
        name: "ocpi_hub_platforms",
        help: "Platforms in the registry, by status.",
        samples: PLATFORM_STATUSES.map((status) => ({
          labels: { status },
          value: platforms.filter((p) => p.status === status).length,
        })),
      },
    ]);
    return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return routes;
}
