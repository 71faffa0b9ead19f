import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedClient } from "../../src/db/embedded-thread.js";
import { hashKey } from "../../src/db/key-hash.js";

/**
 * The embedded database in its own thread (src/db/embedded-thread.ts):
 * what drizzle's driver relies on (answers, parsers, transactions, the
 * database's errors), the message log's binary statement, and files that
 * outlive the database that wrote them. Backend-free: PGlite only.
 */
let client: EmbeddedClient;
beforeAll(async () => {
  client = await EmbeddedClient.open();
  await client.query("create table t (id integer primary key, name text not null, at timestamptz)");
});
afterAll(async () => {
  await client?.close();
});

describe("the embedded database in its own thread", () => {
  it("answers rows as objects or arrays, with their fields", async () => {
    await client.query("insert into t (id, name) values ($1, $2), ($3, $4)", [1, "one", 2, "two"]);
    const objects = await client.query("select id, name from t where id <= 2 order by id");
    expect(objects.rows).toEqual([
      { id: 1, name: "one" },
      { id: 2, name: "two" },
    ]);
    expect(objects.fields.map((f) => f.name)).toEqual(["id", "name"]);
    const arrays = await client.query("select id, name from t where id = $1", [2], {
      rowMode: "array",
    });
    expect(arrays.rows).toEqual([[2, "two"]]);
  });

  it("applies the caller's parsers to the values of their types, which come as text", async () => {
    await client.query("insert into t values (3, 'three', '2026-12-07T08:00:00Z')");
    const parsed = await client.query("select at, name from t where id = 3", [], {
      rowMode: "array",
      parsers: { 1184: (text: string) => `parsed ${text}` },
    });
    expect(parsed.rows).toEqual([["parsed 2026-12-07 08:00:00+00", "three"]]);
    // Without a parser, PGlite's own: a Date.
    const plain = await client.query<{ at: unknown }>("select at from t where id = 3");
    expect(plain.rows[0]?.at).toBeInstanceOf(Date);
  });

  it("commits a transaction that settles and rolls back one that throws", async () => {
    await client.transaction(async (tx) => {
      await tx.query("insert into t (id, name) values (10, 'kept')");
    });
    const failure = new Error("changed my mind");
    await expect(
      client.transaction(async (tx) => {
        await tx.query("insert into t (id, name) values (11, 'gone')");
        throw failure;
      }),
    ).rejects.toBe(failure);
    const ids = await client.query("select id from t where id >= 10 order by id", [], {
      rowMode: "array",
    });
    expect(ids.rows).toEqual([[10]]);
  });

  it("runs a statement sent outside an open transaction after it ends", async () => {
    let inside: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = client.transaction(async (t) => {
      await t.query("insert into t (id, name) values (20, 'in the transaction')");
      inside();
      await released;
    });
    await held;
    const outside = client.query<{ n: number }>("select count(*)::int as n from t where id = 20");
    let answered = false;
    void outside.then(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    release();
    await tx;
    expect((await outside).rows).toEqual([{ n: 1 }]);
  });

  it("keeps the transactions of two databases in the one thread apart", async () => {
    const other = await EmbeddedClient.open();
    try {
      await other.query("create table t (id integer primary key, name text not null)");
      const failure = new Error("only this one");
      const [kept, rolledBack] = await Promise.allSettled([
        client.transaction(async (tx) => {
          await tx.query("insert into t (id, name) values (30, 'first database')");
          await new Promise((resolve) => setTimeout(resolve, 20));
          await tx.query("insert into t (id, name) values (31, 'first database')");
        }),
        other.transaction(async (tx) => {
          await tx.query("insert into t (id, name) values (30, 'second database')");
          throw failure;
        }),
      ]);
      expect(kept.status).toBe("fulfilled");
      expect(rolledBack).toEqual({ status: "rejected", reason: failure });
      const first = await client.query("select id from t where id >= 30 order by id", [], {
        rowMode: "array",
      });
      expect(first.rows).toEqual([[30], [31]]);
      expect((await other.query("select id from t")).rows).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("throws the database's errors with their fields, and keeps serving", async () => {
    const err = await client.query("insert into t (id, name) values (1, 'again')").catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/duplicate key/);
    expect(err.code).toBe("23505");
    expect(err.table).toBe("t");
    expect(err.constraint).toBe("t_pkey");
    const failed = await client
      .transaction(async (tx) => {
        await tx.query("select * from missing_table");
      })
      .catch((e) => e);
    expect(failed.code).toBe("42P01");
    expect((await client.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
  });

  it("sends binary parameters as they are and key lines as the hashes the database computes", async () => {
    await client.query("create table b (keys bigint[] not null, body text not null)");
    const keys = ["r:a-request", "c:é-correlation", "o:LOC1"];
    const text = '{"v":4,"e":["ünïcode"]}';
    const rows = await client.binary("insert into b values ($1::bigint[], $2::text)", [
      { hashLines: new TextEncoder().encode(keys.join("\n")) },
      new TextEncoder().encode(text),
    ]);
    expect(rows).toBe(1);
    const stored = await client.query<{ keys: bigint[]; body: string; same: boolean }>(
      `select keys, body, keys = array[${keys.map((_, i) => `hashtextextended($${i + 1}, 0)`).join(", ")}] as same from b`,
      keys,
    );
    expect(stored.rows[0]?.body).toBe(text);
    expect(stored.rows[0]?.same).toBe(true);
    expect(stored.rows[0]?.keys.map(BigInt)).toEqual(keys.map(hashKey));
  });

  it("runs a module's task in its thread on the database, and answers its result or its error", async () => {
    const tasks = new URL("../support/embedded-tasks.ts", import.meta.url).href;
    const before = await client.query<{ n: number }>("select count(*)::integer as n from t");
    const n = before.rows[0]?.n ?? 0;
    expect(await client.task(tasks, "insertAndCount")).toBe(n + 1);
    // Its write is the database's: seen from here.
    const row = await client.query("select name from t where id = 100");
    expect(row.rows).toEqual([{ name: "from a task" }]);
    await expect(client.task(tasks, "failing")).rejects.toThrow("the task failed");
    await expect(client.task(tasks, "notATask")).rejects.toThrow(/exports no task notATask/);
    await expect(client.task(tasks, "missing")).rejects.toThrow(/exports no task missing/);
    expect((await client.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
  });

  it("keeps a database in its directory for the next time it is opened, and refuses a closed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ocpi-hub-embedded-"));
    try {
      const first = await EmbeddedClient.open(dir);
      await first.query("create table kept (v text)");
      await first.query("insert into kept values ('still here')");
      await first.close();
      await expect(first.query("select 1")).rejects.toThrow(/not open/);
      const second = await EmbeddedClient.open(dir);
      expect((await second.query("select v from kept")).rows).toEqual([{ v: "still here" }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
