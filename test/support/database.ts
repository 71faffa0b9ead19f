import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import postgres from "postgres";
import { natsNames } from "../../src/bus/names.js";
import type { DatabaseLocation } from "../../src/config/schema.js";
import { type Database, type DatabaseHandle, openDatabase } from "../../src/db/client.js";
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
 * dump (compiling PGlite's WASM once per worker keeps that well under a second).
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
    const seed = new PGlite(modules);
    const location: DatabaseLocation = { kind: "pglite-memory" };
    await migrate(wrap(seed), location);
    const migrated = await seed.dumpDataDir("none");
    await seed.close();
    return { ...modules, migrated };
  })();
  return assets;
}

function wrap(client: PGlite): DatabaseHandle {
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: "pglite-memory",
    ping: async () => !client.closed,
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

async function freshPglite(): Promise<Omit<TestDatabase, "natsPrefix">> {
  const { migrated, ...modules } = await pgliteAssets();
  const client = new PGlite({ ...modules, loadDataDir: migrated });
  await client.waitReady;
  const handle = wrap(client);
  return { handle, location: { kind: "pglite-memory" }, dispose: () => handle.close() };
}

/** For tests that open the database a second time (two hub instances on one database). */
export { openDatabase };
