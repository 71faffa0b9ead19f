import { configOrExit } from "./config/load.js";
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
  // biome-ignore lint/style/noProcessEnv: this is an entry point, like main.ts
  const config = configOrExit(process.env, "ocpi-hub migrate");
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
