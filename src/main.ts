import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { syncUnsynced } from "./cache/sync.js";
import { ConfigError, loadConfig } from "./config/load.js";
import { closeDeps, createDeps } from "./deps.js";
import { applyServerLimits, serverOptions } from "./ingress/server-limits.js";

/** The hub's only impure entry: config → deps (migrate) → app → serve; drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ocpi-hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const deps = await createDeps(config);
  const { logger } = deps;
  if (deps.generatedAdminToken !== undefined) {
    process.stdout.write(
      `\nocpi-hub: generated the admin token (shown once; set ADMIN_TOKEN to choose your own):\n\n  ${deps.generatedAdminToken}\n\n`,
    );
  }
  const app = createApp(deps);
  const server = serve(
    { fetch: app.fetch, port: config.port, hostname: config.host, serverOptions },
    (info) => {
      logger.info(
        {
          host: config.host,
          port: info.port,
          hub_url: config.hubUrl,
          database: deps.db.kind,
          bus: deps.bus.kind,
        },
        "ocpi-hub listening",
      );
      deps.tasks.run("sync CPOs the cache has never synced", () => syncUnsynced(deps));
    },
  );
  applyServerLimits(server);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: no new connections, finishing requests in flight");
    const force = setTimeout(() => {
      logger.warn("requests still open after 15 s; closing their connections");
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, 15_000);
    force.unref();
    server.close(async () => {
      try {
        await closeDeps(deps);
        logger.info("stopped");
        process.exit(0);
      } catch (err) {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      }
    });
    // Keep-alive connections go as soon as their last answer is out, not at the client's leisure.
    const sweep = setInterval(() => {
      if ("closeIdleConnections" in server) server.closeIdleConnections();
    }, 100);
    sweep.unref();
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `ocpi-hub: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
