import { ConfigError, loadConfig } from "./config/load.js";
import { openDatabase } from "./db/client.js";
import { migrate } from "./db/migrate.js";

/**
 * `npm run migrate` (node dist/migrate.js): applies drizzle/ to the configured
 * database once and exits, for a deployment step that runs before the new
 * release's hubs start with MIGRATE_ON_START=false. Reads the same
 * DATABASE_URL / DATA_DIR as the hub; the advisory lock in db/migrate.ts
 * makes a run beside starting hubs safe.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    // biome-ignore lint/style/noProcessEnv: this is an entry point, like main.ts
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ocpi-hub migrate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config.database.kind === "pglite-memory") {
    process.stderr.write(
      "ocpi-hub migrate: DATABASE_URL=memory:// is gone when this step ends; nothing to migrate\n",
    );
    process.exit(2);
  }
  const handle = await openDatabase(config.database);
  try {
    await migrate(handle, config.database);
  } finally {
    await handle.close();
  }
  process.stdout.write(`ocpi-hub migrate: the ${handle.kind} database is up to date\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `ocpi-hub migrate: failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
