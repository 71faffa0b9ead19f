import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import postgres from "postgres";
import { natsNames } from "../../src/bus/names.js";
import type { DatabaseLocation } from "../../src/config/schema.js";
import {
  type Database,
  type DatabaseHandle,
  embeddedDatabase,
  openDatabase,
} from "../../src/db/client.js";
import { EmbeddedClient } from "../../src/db/embedded-thread.js";
import { migrate } from "../../src/db/migrate.js";
import * as schema from "../../src/db/schema/index.js";
import { dropStreams, testNatsPrefix } from "./nats-streams.js";

export const TEMPLATE_SUFFIX = "_template";

export interface TestDatabase {
  handle: DatabaseHandle;
  location: DatabaseLocation;
  /**
   * The NATS_PREFIX of the hubs on this database, when the suite runs on
   * NATS: instances of one hub share their streams, and no other test's hub
   * reads its pushes or reloads on its registry changes.
   */
  natsPrefix: string;
  /** Closes the handle and drops what the test made (on NATS, the prefix's streams too). */
  dispose(): Promise<void>;
}

/** True when the suite runs on a real NATS server (CI sets NATS_URL). */
const usingNats = (process.env.NATS_URL ?? "") !== "";

/** True when the suite runs against a real PostgreSQL (CI sets DATABASE_URL). */
export const usingPostgres = (process.env.DATABASE_URL ?? "").startsWith("postgres");

/**
 * A fresh, migrated database for one test hub: a copy of the template
 * database on PostgreSQL, or an in-memory PGlite loaded from a migrated
 * dump (compiling PGlite's WASM once per worker keeps that well under a
 * second), in the embedded database's thread, as the hub runs it.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const database = await (usingPostgres ? freshPostgres() : freshPglite());
  const natsPrefix = testNatsPrefix();
  if (!usingNats) return { ...database, natsPrefix };
  return {
    ...database,
    natsPrefix,
    async dispose() {
      await database.dispose();
      await dropStreams(natsNames(natsPrefix));
    },
  };
}

async function freshPostgres(): Promise<Omit<TestDatabase, "natsPrefix">> {
  const url = process.env.DATABASE_URL as string;
  const base = new URL(url).pathname.slice(1);
  const name = `${base}_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${base}${TEMPLATE_SUFFIX}"`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const location: DatabaseLocation = { kind: "postgres", url: dbUrl.toString() };
  const handle = await openDatabase(location);
  let disposed = false;
  return {
    handle,
    location,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await handle.close().catch(() => {});
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

interface PgliteAssets {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
  migrated: Blob;
}

let assets: Promise<PgliteAssets> | undefined;

function pgliteAssets(): Promise<PgliteAssets> {
  assets ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
    const [pglite, initdb, data] = await Promise.all([
      readFile(join(dist, "pglite.wasm")),
      readFile(join(dist, "initdb.wasm")),
      readFile(join(dist, "pglite.data")),
    ]);
    // The namespace exists at run time in Node; the ES libs only declare its types.
    const wasm = (
      globalThis as unknown as {
        WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
      }
    ).WebAssembly;
    const modules = {
      pgliteWasmModule: await wasm.compile(pglite),
      initdbWasmModule: await wasm.compile(initdb),
      fsBundle: new Blob([data]),
    };
    // Migrated once here, in this thread: the dump is what every test database starts from.
    const seed = new PGlite(modules);
    const location: DatabaseLocation = { kind: "pglite-memory" };
    await migrate(seedHandle(seed), location);
    const migrated = await seed.dumpDataDir("none");
    await seed.close();
    return { ...modules, migrated };
  })();
  return assets;
}

function seedHandle(client: PGlite): DatabaseHandle {
  const db = drizzle(client, { schema }) as unknown as Database;
  return { db, kind: "pglite-memory", ping: async () => true, close: () => client.close() };
}

function wrap(client: EmbeddedClient): DatabaseHandle {
  const db = embeddedDatabase(client);
  return {
    db,
    kind: "pglite-memory",
    ping: async () => !client.closed,
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

/**
 * Migrated PGlite instances of this worker that tests have given back,
 * emptied: starting one from the dump costs about a second of CPU, emptying
 * it a few milliseconds.
 */
const idle: EmbeddedClient[] = [];
/** `truncate … restart identity`, over every table the migrations made (read once). */
let emptyAll: string | undefined;
/** The migrated schema's fingerprint (see SCHEMA_FINGERPRINT), read once. */
let migratedSchema: string | undefined;

/**
 * What changes when a test alters the schema (adds a trigger, function,
 * constraint, column, table, rule …): the rows and newest row versions of
 * the catalogs that hold it. pg_class is left out: a TRUNCATE rewrites its
 * rows every time. Such an instance is closed rather than pooled.
 */
const SCHEMA_FINGERPRINT = `select string_agg(c, ',' order by c) as fingerprint from (
  ${[
    "pg_proc",
    "pg_trigger",
    "pg_constraint",
    "pg_attribute",
    "pg_index",
    "pg_rewrite",
    "pg_type",
    "pg_namespace",
    "pg_attrdef",
    "pg_policy",
    "pg_db_role_setting",
  ]
    .map(
      (t) =>
        `select '${t}:' || count(*) || ':' || coalesce(max(xmin::text::bigint), 0) as c from ${t}`,
    )
    .join(" union all ")}) catalogs`;

async function schemaOf(client: EmbeddedClient): Promise<string> {
  const { rows } = await client.query<{ fingerprint: string }>(SCHEMA_FINGERPRINT);
  return rows[0]?.fingerprint ?? "";
}

/**
 * One test's use of a pooled instance: every call fails once it has been
 * given back (closed or disposed), so that work a test left running cannot
 * reach the next test's rows.
 */
function lease(client: EmbeddedClient): { client: EmbeddedClient; end(): void } {
  let ended = false;
  const proxy = new Proxy(client, {
    get(target, property) {
      if (property === "closed") return ended || target.closed;
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (ended) return Promise.reject(new Error("PGlite is closed (given back to the pool)"));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    client: proxy,
    end() {
      ended = true;
    },
  };
}

async function newPglite(): Promise<EmbeddedClient> {
  const { migrated, ...modules } = await pgliteAssets();
  const client = await EmbeddedClient.open(undefined, { ...modules, loadDataDir: migrated });
  if (emptyAll === undefined) {
    const { rows } = await client.query<{ name: string; n: number }>(
      `select format('%I.%I', schemaname, relname) as name, n_live_tup::int as n
         from pg_stat_user_tables where schemaname = 'public' order by 1`,
    );
    const filled = rows.filter((r) => r.n > 0);
    // A migration that seeds rows would need them restored, not truncated.
    if (filled.length > 0) throw new Error(`migrations left rows in ${filled.map((r) => r.name)}`);
    emptyAll = `truncate ${rows.map((r) => r.name).join(", ")} restart identity cascade`;
    migratedSchema = await schemaOf(client);
  }
  return client;
}

/**
 * Empties an instance a test gave back and ends its session state (locks,
 * settings, prepared statements); false when the test changed its schema.
 */
async function empty(client: EmbeddedClient): Promise<boolean> {
  // One statement per call: several in one run as a single transaction, which DISCARD may not.
  await client.query("rollback");
  if ((await schemaOf(client)) !== migratedSchema) return false;
  await client.query(emptyAll as string);
  await client.query("discard all");
  return true;
}

async function freshPglite(): Promise<Omit<TestDatabase, "natsPrefix">> {
  const client = idle.pop() ?? (await newPglite());
  const leased = lease(client);
  let given = false;
  const giveBack = async () => {
    if (given) return;
    given = true;
    leased.end();
    if (client.closed) return;
    const emptied = await empty(client).catch(() => false);
    if (emptied) idle.push(client);
    else await client.close().catch(() => {});
  };
  const handle = wrap(leased.client);
  return {
    handle: { ...handle, close: giveBack, ping: async () => !leased.client.closed },
    location: { kind: "pglite-memory" },
    dispose: giveBack,
  };
}

/** For tests that open the database a second time (two hub instances on one database). */
export { openDatabase };
