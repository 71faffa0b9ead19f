/**
 * The embedded database's thread (embedded-thread.ts): PGlite runs here,
 * each database opened by the hub's thread one instance, so that its
 * engine's work (inserts, index merges, vacuums, searches) never holds the
 * thread that serves requests. Requests come as messages with a sequence
 * number and are answered by it; they run as they arrive, and PGlite itself
 * queues a statement behind an open transaction, as in one process.
 */
import { parentPort } from "node:worker_threads";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Answer, Request, SentError } from "./embedded-protocol.js";
import { hashedKeyArray } from "./key-hash.js";

const port = parentPort;
if (port === null) throw new Error("embedded-worker.ts runs as a worker thread");

const databases = new Map<number, PGlite>();
/** Open transactions by number: the statements sent in them, and how to end them. */
const transactions = new Map<
  number,
  { tx: Transaction; end: (commit: boolean) => void; done: Promise<void> }
>();
/** Thrown inside a transaction's callback to end it with a rollback. */
const ROLLBACK = Symbol("rollback");

/** Text as it comes: the types whose parser the caller applies itself (embedded-thread.ts). */
const asText = (value: string) => value;

/** PGlite's serializers of text and bigint[] parameters: a Uint8Array given goes binary, as it is. */
const asIs = (value: unknown) => value as string;
const BINARY = { serializers: { 25: asIs, 1016: asIs } };

function database(id: number): PGlite {
  const db = databases.get(id);
  if (db === undefined) throw new Error(`embedded database ${id} is not open`);
  return db;
}

async function run(m: Request): Promise<unknown> {
  switch (m.op) {
    case "open": {
      const db = new PGlite({
        ...m.options,
        ...(m.dataDir === undefined ? {} : { dataDir: m.dataDir }),
      });
      await db.waitReady;
      databases.set(m.db, db);
      return null;
    }
    case "query": {
      const parsers = Object.fromEntries(m.textTypes.map((oid) => [oid, asText]));
      const options = { rowMode: m.rowMode, parsers };
      const open = m.tx === undefined ? undefined : transactions.get(m.tx);
      if (m.tx !== undefined && open === undefined) throw new Error("the transaction has ended");
      const on = open?.tx ?? database(m.db);
      return await on.query(m.sql, m.params, options);
    }
    case "binary": {
      // Uint8Arrays go as binary parameters; a key list goes as the array of its keys' hashes.
      const params = m.params.map((p) =>
        typeof p === "object" && p !== null && "hashLines" in p ? hashedKeyArray(p.hashLines) : p,
      );
      const result = await database(m.db).query(m.sql, params, BINARY);
      return { affectedRows: result.affectedRows ?? 0 };
    }
    case "task": {
      const exports = (await import(m.module)) as Record<string, unknown>;
      const task = exports[m.name];
      if (typeof task !== "function") throw new Error(`${m.module} exports no task ${m.name}`);
      return await (task as (db: PGlite) => Promise<unknown>)(database(m.db));
    }
    case "begin":
      return begin(database(m.db), m.tx);
    case "end": {
      const open = transactions.get(m.tx);
      if (open === undefined) throw new Error("the transaction has ended");
      open.end(m.commit);
      await open.done;
      return null;
    }
    case "close": {
      const db = databases.get(m.db);
      databases.delete(m.db);
      await db?.close();
      return null;
    }
  }
}

/** Opens a transaction that stays open until its "end" comes; answers once it is open. */
function begin(db: PGlite, id: number): Promise<null> {
  return new Promise((opened, failed) => {
    let end: (commit: boolean) => void = () => {};
    const decided = new Promise<boolean>((resolve) => {
      end = resolve;
    });
    const done = db
      .transaction(async (tx) => {
        transactions.set(id, { tx, end, done });
        opened(null);
        if (!(await decided)) throw ROLLBACK;
      })
      .catch((err: unknown) => {
        if (err !== ROLLBACK) throw err;
      })
      .finally(() => transactions.delete(id));
    // A transaction that could not even begin fails its "begin".
    done.catch(failed);
  });
}

/** An error as plain fields: its message and the database's fields (code, detail, table…). */
function sent(err: unknown): SentError {
  if (!(err instanceof Error)) return { message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (v === undefined || typeof v === "function" || typeof v === "object") continue;
    fields[k] = v;
  }
  return { message: err.message, name: err.name, fields };
}

port.on("message", (m: Request) => {
  run(m).then(
    (result) => port.postMessage({ seq: m.seq, result } satisfies Answer),
    (err: unknown) => port.postMessage({ seq: m.seq, error: sent(err) } satisfies Answer),
  );
});
