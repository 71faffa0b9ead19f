import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase, rowsOf } from "../../src/db/client.js";
import { startEmbeddedVacuum, vacuumEmbedded } from "../../src/db/maintenance.js";
import { createLogger } from "../../src/logging/logger.js";

const logger = createLogger("silent");
const ROWS = 2_000;

let handle: DatabaseHandle | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

async function storeWithTable(): Promise<DatabaseHandle> {
  handle = await openDatabase({ kind: "pglite-memory" });
  await handle.db.execute(sql`create table t (id int primary key, v int not null)`);
  await handle.db.execute(sql`insert into t select i, 0 from generate_series(1, ${ROWS}) i`);
  return handle;
}

const updateAll = (h: DatabaseHandle) => h.db.execute(sql`update t set v = v + 1`);

async function tableBytes(h: DatabaseHandle): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await h.db.execute(sql`select pg_relation_size('t')::int as n`),
  );
  return Number(row?.n);
}

describe("the embedded store vacuums itself", () => {
  it("without a vacuum every update grows the table; with one its space is reused", async () => {
    const h = await storeWithTable();
    const fresh = await tableBytes(h);
    for (let i = 0; i < 10; i++) await updateAll(h);
    const unvacuumed = await tableBytes(h);
    expect(unvacuumed).toBeGreaterThan(fresh * 5);

    await vacuumEmbedded(h);
    for (let i = 0; i < 10; i++) {
      await updateAll(h);
      await vacuumEmbedded(h);
    }
    // Ten more updates of every row fit in the space the first ten left.
    expect(await tableBytes(h)).toBeLessThanOrEqual(unvacuumed * 1.1);
  });

  it("vacuums on its interval until stopped", async () => {
    const h = await storeWithTable();
    const stop = startEmbeddedVacuum(h, logger, 20);
    const before = await tableBytes(h);
    for (let i = 0; i < 30; i++) {
      await updateAll(h);
      await new Promise((r) => setTimeout(r, 40));
    }
    const bounded = await tableBytes(h);
    expect(bounded).toBeLessThan(before * 8);
    stop();
    for (let i = 0; i < 30; i++) await updateAll(h);
    expect(await tableBytes(h)).toBeGreaterThan(bounded * 2);
  });

  it("leaves PostgreSQL to its autovacuum", async () => {
    let statements = 0;
    const postgresHandle = {
      kind: "postgres",
      db: {
        execute: async () => {
          statements++;
          return [];
        },
      },
    } as unknown as DatabaseHandle;
    const stop = startEmbeddedVacuum(postgresHandle, logger, 5);
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(statements).toBe(0);
  });
});
