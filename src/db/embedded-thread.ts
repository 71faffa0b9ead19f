import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Answer, BinaryParam, OpenOptions, Request, SentError } from "./embedded-protocol.js";

/**
 * The embedded database (PGlite) in a thread of its own. PGlite runs
 * PostgreSQL in the thread that calls it: in the hub's thread, every
 * statement's engine work (the message log's inserts and their index, a
 * vacuum, an operator's search) held the thread that serves requests, and
 * forwarding stood still meanwhile. Now one thread per process runs every
 * embedded database the process opens (embedded-worker.ts), and the hub's
 * thread only sends statements and reads answers: the database's work
 * runs beside the requests' on a second core, where it held them before
 * (on the delivery bench the main thread's time per delivery fell by a
 * third; docs/performance.md, "The embedded database in a thread of its
 * own"). A statement costs a message each way.
 *
 * EmbeddedClient offers what drizzle's PGlite driver calls (query,
 * transaction) and a binary statement for the message log's batches.
 */

type Query = Extract<Request, { op: "query" }>;
type Distribute<T> = T extends unknown ? Omit<T, "seq" | "db"> : never;
type Call = Distribute<Request>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** The thread and its calls waiting for an answer; kept alive only while a call waits. */
class DatabaseThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #failure: Error | undefined;

  constructor() {
    this.#worker = startWorker();
    this.#worker.unref();
    this.#worker.on("message", (a: Answer) => this.#answer(a));
    const fail = (err: Error) => {
      this.#failure = err;
      if (thread === this) thread = undefined;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) =>
      fail(new Error(`the embedded database's thread exited (${code})`)),
    );
  }

  call(db: number, call: Call, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      // An open call keeps the process running, as a pending socket would.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(seq, { resolve, reject });
      this.#worker.postMessage({ ...call, seq, db } as Request, transfer);
    });
  }

  #answer(a: Answer): void {
    const p = this.#pending.get(a.seq);
    if (p === undefined) return;
    this.#pending.delete(a.seq);
    if (this.#pending.size === 0) this.#worker.unref();
    if ("error" in a) p.reject(databaseError(a.error));
    else p.resolve(a.result);
  }
}

/** The worker, from its TypeScript source under tsx and vitest, or compiled. */
function startWorker(): Worker {
  const source = import.meta.url.endsWith(".ts");
  const url = new URL(source ? "./embedded-worker.ts" : "./embedded-worker.js", import.meta.url);
  if (!source) return new Worker(url);
  // A worker does not take over its parent's module hooks: it registers tsx's itself.
  const tsx = tsxApi();
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, execArgv: [] });
}

/** Where tsx's ESM API module is, as its package's exports name it. */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const pkg = require("tsx/package.json") as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const file = pkg.exports["./esm/api"]?.import?.default ?? "./dist/esm/api/index.mjs";
  return new URL(file, pathToFileURL(require.resolve("tsx/package.json"))).href;
}

/** An error of the database, thrown again here with its fields (code, detail, table…). */
function databaseError(e: SentError): Error {
  const err = new Error(e.message);
  if (e.name !== undefined && e.name !== "Error") err.name = e.name;
  return Object.assign(err, e.fields);
}

let thread: DatabaseThread | undefined;
/** Numbers of databases and of transactions, unique in the process (and so in its thread). */
let databases = 0;
let transactions = 0;

interface QueryOptions {
  rowMode?: "array" | "object";
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

interface Results<T = Record<string, unknown>> {
  rows: T[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/** One embedded database, opened in the process's database thread. */
export class EmbeddedClient {
  readonly #thread: DatabaseThread;
  readonly #db: number;
  #closed = false;

  private constructor(dbThread: DatabaseThread, db: number) {
    this.#thread = dbThread;
    this.#db = db;
  }

  /**
   * Opens a database: in `dataDir` (created by PGlite when new), or in
   * memory; `options` as PGlite takes them (compiled modules, a dump to
   * start from).
   */
  static async open(dataDir?: string, options?: OpenOptions): Promise<EmbeddedClient> {
    thread ??= new DatabaseThread();
    const client = new EmbeddedClient(thread, ++databases);
    await client.#call({
      op: "open",
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(options === undefined ? {} : { options }),
    });
    return client;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #call(call: Call, transfer?: ArrayBuffer[]): Promise<unknown> {
    return this.#thread.call(this.#db, call, transfer);
  }

  query<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    options: QueryOptions = {},
  ): Promise<Results<T>> {
    return this.#query(undefined, sql, params, options) as Promise<Results<T>>;
  }

  async #query(
    tx: number | undefined,
    sql: string,
    params: unknown[],
    options: QueryOptions,
  ): Promise<Results> {
    const parsers = options.parsers ?? {};
    const textTypes = Object.keys(parsers).map(Number);
    const call: Omit<Query, "seq" | "db"> = {
      op: "query",
      sql,
      params,
      rowMode: options.rowMode ?? "object",
      textTypes,
      ...(tx === undefined ? {} : { tx }),
    };
    const result = (await this.#call(call)) as Results;
    if (textTypes.length > 0) applyParsers(result, parsers, call.rowMode);
    return result;
  }

  /**
   * Runs `work` in a transaction: committed when it settles, rolled back
   * when it throws. Statements outside it wait until it ends, as PGlite
   * queues them in one thread.
   */
  async transaction<T>(
    work: (tx: {
      query: (sql: string, params?: unknown[], options?: QueryOptions) => Promise<Results>;
    }) => Promise<T>,
  ): Promise<T> {
    const tx = ++transactions;
    await this.#call({ op: "begin", tx });
    let result: T;
    try {
      result = await work({
        query: (sql, params = [], options = {}) => this.#query(tx, sql, params, options),
      });
    } catch (err) {
      // The work's error is the one to see: a rollback fails only when the thread is gone or the transaction already ended.
      await this.#call({ op: "end", tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.#call({ op: "end", tx, commit: true });
    return result;
  }

  /**
   * A statement whose Uint8Array parameters go binary, as they are, and
   * whose `{ hashLines }` parameters go as the `bigint[]` of the hashes
   * (`hashtextextended(line, 0)`, key-hash.ts) of their lines, computed in
   * the database's thread. The bytes are handed over, not copied: the
   * caller must not use them after.
   */
  async binary(sql: string, params: BinaryParam[]): Promise<number> {
    const transfer: ArrayBuffer[] = [];
    for (const p of params) {
      const bytes = p instanceof Uint8Array ? p : typeof p === "object" ? p.hashLines : undefined;
      if (bytes !== undefined) transfer.push(bytes.buffer as ArrayBuffer);
    }
    const result = (await this.#call({ op: "binary", sql, params }, transfer)) as {
      affectedRows: number;
    };
    return result.affectedRows;
  }

  /**
   * Runs the export `name` of the hub's module at `module` (its URL) in the
   * database's thread, given this database's PGlite, and answers what it
   * answers: for work that reads and writes much and answers little, so
   * that its statements' results and its own computing stay off the hub's
   * thread. The module is loaded there once, with what it imports.
   */
  task(module: string, name: string): Promise<unknown> {
    return this.#call({ op: "task", module, name });
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#call({ op: "close" }).then(() => undefined);
  }
}

/** The caller's parsers, over the values of their types, which came as text. */
function applyParsers(
  result: Results,
  parsers: NonNullable<QueryOptions["parsers"]>,
  rowMode: "array" | "object",
): void {
  result.fields.forEach((field, i) => {
    const parse = parsers[field.dataTypeID];
    if (parse === undefined) return;
    for (const row of result.rows) {
      const r = row as Record<string | number, unknown>;
      const at = rowMode === "array" ? i : field.name;
      const value = r[at];
      if (typeof value === "string") r[at] = parse(value, field.dataTypeID);
    }
  });
}
