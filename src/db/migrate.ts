import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DatabaseLocation } from "../config/schema.js";
import { type DatabaseHandle, rowsOf } from "./client.js";

/** From src/db (tsx) and from dist/db (compiled) alike: drizzle/ sits at the package root. */
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

/** Thrown when the database lacks migrations of this release and the hub may not apply them. */
export class NotMigratedError extends Error {
  override readonly name = "NotMigratedError";
}

/**
 * Under MIGRATE_ON_START=false: refuses to serve on a schema older than the
 * code, which would fail request by request instead of once, at the start.
 */
export async function assertMigrated(handle: DatabaseHandle): Promise<void> {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, "meta", "_journal.json"), "utf8")) as {
    entries: { when: number; tag: string }[];
  };
  const newest = journal.entries.at(-1);
  if (newest === undefined) return;
  let applied = 0;
  try {
    const [row] = rowsOf<{ newest: string | null }>(
      await handle.db.execute(
        sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`,
      ),
    );
    applied = Number(row?.newest ?? 0);
  } catch {
    applied = 0;
  }
  if (applied < newest.when) {
    throw new NotMigratedError(
      `the database lacks migration ${newest.tag} or earlier ones and MIGRATE_ON_START=false; run npm run migrate (node dist/migrate.js) first`,
    );
  }
}
