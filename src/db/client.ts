import { mkdirSync } from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { DatabaseLocation } from "../config/schema.js";
import { EmbeddedClient } from "./embedded-thread.js";
import * as schema from "./schema/index.js";
import { acquireStoreLock } from "./store-lock.js";

/** The one database type the hub codes against, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseLocation["kind"];
  /** True when a trivial query answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** postgres:// → postgres-js pool; otherwise PGlite on disk or in memory. */
export async function openDatabase(location: DatabaseLocation): Promise<DatabaseHandle> {
  if (location.kind === "postgres") {
    const client = postgres(location.url, {
      max: 10,
      onnotice: () => {},
      // No JIT: the hub's statements are short, and a plan costed high on stale statistics
      // (a cache just filled by a sync) had each list request spend 250 ms compiling.
      connection: { application_name: "ocpi-hub", jit: "off" },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Database;
    return {
      db,
      kind: location.kind,
      ping: () => ping(db),
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (location.kind === "pglite-memory") {
    const client = await EmbeddedClient.open();
    const db = embeddedDatabase(client);
    return { db, kind: location.kind, ping: () => ping(db), close: () => client.close() };
  }
  mkdirSync(location.dataDir, { recursive: true });
  // Before PGlite touches the files: a second process must not open them at all.
  const lock = acquireStoreLock(location.dataDir);
  try {
    const client = await EmbeddedClient.open(location.dataDir);
    const db = embeddedDatabase(client);
    const close = async () => {
      try {
        await client.close();
      } finally {
        lock.release();
      }
    };
    return { db, kind: location.kind, ping: () => ping(db), close };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function ping(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

/** Rows of a raw statement, whichever driver ran it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Drizzle over an embedded database: from the hub's thread, through the
 * database thread (embedded-thread.ts); in that thread, for a task run
 * there (EmbeddedClient.task), over its PGlite itself.
 */
export function embeddedDatabase(client: EmbeddedClient | PGlite): Database {
  // biome-ignore lint/suspicious/noExplicitAny: the client offers the part of PGlite's interface drizzle calls
  return drizzlePglite({ client: client as any, schema }) as unknown as Database;
}

/**
 * The embedded database behind `db`, when it is one: for a statement that
 * gains from binary parameters (messages/batch.ts). Undefined on PostgreSQL.
 */
export function embeddedClient(db: Database): EmbeddedClient | undefined {
  const client = (db as { $client?: unknown }).$client;
  return client instanceof EmbeddedClient ? client : undefined;
}
