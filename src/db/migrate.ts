import { fileURLToPath } from "node:url";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DatabaseLocation } from "../config/schema.js";
import type { DatabaseHandle } from "./client.js";

const MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));
/** Any constant; serialises the migrations of several hub instances starting at once. */
const MIGRATION_LOCK = 720_221;

/** Applies drizzle/ once, whichever driver is behind the handle. */
export async function migrate(handle: DatabaseHandle, location: DatabaseLocation): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS };
  if (location.kind !== "postgres") {
    // biome-ignore lint/suspicious/noExplicitAny: the pglite migrator is typed for its own driver's database
    await migratePglite(handle.db as any, config);
    return;
  }
  // A single connection, so the session lock and the migrator's transaction share it.
  const client = postgres(location.url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(client), config);
    await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
