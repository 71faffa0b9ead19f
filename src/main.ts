import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { type App, createApp } from "./app.js";
import { syncUnsynced } from "./cache/sync.js";
import { configOrExit } from "./config/load.js";
import { closeDeps, createDeps, type Deps } from "./deps.js";
import { applyServerLimits, serverOptions } from "./ingress/server-limits.js";

/** One HTTP listener of the hub: the OCPI port, or the admin port under ADMIN_PORT. */
interface Listener {
  name: "ocpi" | "admin";
  server: Server;
}

/**
 * Binds `app` on host:port and resolves once it listens. A bind failure
 * (port taken, address not on this machine) rejects with one line naming
 * the variables, instead of an uncaught 'error' event and a stack.
 */
function listen(
  app: App,
  where: { port: number; host: string; name: Listener["name"] },
): Promise<Listener> {
  const vars = where.name === "ocpi" ? "PORT / HOST" : "ADMIN_PORT / ADMIN_HOST";
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: where.port, hostname: where.host, serverOptions },
      // serve() types its answer for HTTP/2 too; without createServer options it is node:http's.
      () => resolve({ name: where.name, server: server as Server }),
    );
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on ${where.host}:${where.port} (${vars}): ${err.code ?? err.message}`,
        ),
      ),
    );
    applyServerLimits(server);
  });
}

/** Binds the OCPI port and, with ADMIN_PORT, the admin port; each serves its own paths. */
async function listenAll(deps: Deps): Promise<Listener[]> {
  const { config } = deps;
  const admin = config.adminListener;
  const listeners = [
    await listen(createApp(deps, { surface: admin === undefined ? "all" : "public" }), {
      port: config.port,
      host: config.host,
      name: "ocpi",
    }),
  ];
  if (admin !== undefined) {
    try {
      listeners.push(
        await listen(createApp(deps, { surface: "admin" }), { ...admin, name: "admin" }),
      );
    } catch (err) {
      listeners[0]?.server.close();
      throw err;
    }
  }
  return listeners;
}

/**
 * Stops accepting on every listener, lets the requests in flight finish
 * (closing idle keep-alive connections at once and busy ones after 15 s),
 * then drains deliveries and closes the dependencies.
 */
function drainOnSignal(deps: Deps, listeners: Listener[]): void {
  const { logger } = deps;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: no new connections, finishing requests in flight");
    const force = setTimeout(() => {
      logger.warn("requests still open after 15 s; closing their connections");
      for (const { server } of listeners) server.closeAllConnections();
    }, 15_000);
    force.unref();
    // Keep-alive connections go as soon as their last answer is out, not at the client's leisure.
    const sweep = setInterval(() => {
      for (const { server } of listeners) server.closeIdleConnections();
    }, 100);
    sweep.unref();
    const closed = listeners.map(
      ({ server }) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const { server } of listeners) server.closeIdleConnections();
    await Promise.all(closed);
    try {
      await closeDeps(deps);
      logger.info("stopped");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** The hub's only impure entry: config → deps (migrate) → apps → listen; drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = configOrExit(process.env, "ocpi-hub");
  const deps = await createDeps(config);
  const { logger } = deps;
  if (deps.generatedAdminToken !== undefined) {
    process.stdout.write(
      `\nocpi-hub: generated the admin token (shown once; set ADMIN_TOKEN to choose your own):\n\n  ${deps.generatedAdminToken}\n\n`,
    );
  }
  let listeners: Listener[];
  try {
    listeners = await listenAll(deps);
  } catch (err) {
    await closeDeps(deps).catch(() => {});
    throw err;
  }
  drainOnSignal(deps, listeners);
  logger.info(
    {
      host: config.host,
      port: config.port,
      ...(config.adminListener && {
        admin_host: config.adminListener.host,
        admin_port: config.adminListener.port,
      }),
      hub_url: config.hubUrl,
      database: deps.db.kind,
      bus: deps.bus.kind,
    },
    "ocpi-hub listening",
  );
  deps.tasks.run("sync CPOs the cache has never synced", () => syncUnsynced(deps));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `ocpi-hub: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
