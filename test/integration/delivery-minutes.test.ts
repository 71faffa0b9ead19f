import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { deliveryMinutes } from "../../src/db/schema/index.js";
import { flushMinutes, minutesView } from "../../src/delivery/minutes.js";
import { createPerMinute } from "../../src/metrics/per-minute.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

/** The console's deliveries chart (delivery/minutes.ts): every instance's counts, in the database. */

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);

let database: TestDatabase;

beforeEach(async () => {
  database = await freshDatabase();
});

afterEach(async () => {
  await database.dispose();
});

const total = (series: { delivered: number; other: number }[]) => [
  series.reduce((n, m) => n + m.delivered, 0),
  series.reduce((n, m) => n + m.other, 0),
];

describe("delivery attempts per minute across instances", () => {
  it("adds every instance's counts of a minute, and counts an instance's unwritten ones once", async () => {
    const db = database.handle.db;
    const a = createPerMinute();
    const b = createPerMinute();
    for (let i = 0; i < 3; i++) a.record(true, T0 + i);
    b.record(true, T0 + 10);
    b.record(false, T0 + 20);
    await flushMinutes(db, a, T0 + 1_000);
    await flushMinutes(db, b, T0 + 1_000);
    a.record(true, T0 + 2_000); // not written yet

    const fromA = await minutesView(db, a, T0 + 3_000);
    expect(fromA).toHaveLength(60);
    expect(fromA.at(-1)).toEqual({ minute: T0, delivered: 5, other: 1 });
    // B does not see A's last count until A writes it.
    expect(total(await minutesView(db, b, T0 + 3_000))).toEqual([4, 1]);
    await flushMinutes(db, a, T0 + 3_000);
    expect(a.unflushed()).toEqual([]);
    expect(total(await minutesView(db, a, T0 + 3_000))).toEqual([5, 1]);
    expect(total(await minutesView(db, b, T0 + 3_000))).toEqual([5, 1]);
    const rows = rowsOf<{ minute: Date }>(await db.select().from(deliveryMinutes));
    expect(rows).toHaveLength(1);
  });

  it("draws the last hour, and deletes minutes older than a day once a new minute begins", async () => {
    const db = database.handle.db;
    const perMinute = createPerMinute();
    perMinute.record(true, T0 - 2 * 24 * 60 * MINUTE);
    perMinute.record(true, T0 - 2 * 60 * MINUTE);
    await flushMinutes(db, perMinute, T0 - 60 * MINUTE);
    expect(await db.select().from(deliveryMinutes)).toHaveLength(2);
    expect(total(await minutesView(db, perMinute, T0))).toEqual([0, 0]);

    perMinute.record(false, T0 + 5);
    await flushMinutes(db, perMinute, T0 + 10);
    const minutes = (await db.select().from(deliveryMinutes)).map((r) => r.minute.getTime());
    expect(minutes.sort()).toEqual([T0 - 2 * 60 * MINUTE, T0]);
    expect(total(await minutesView(db, perMinute, T0 + 10))).toEqual([0, 1]);
  });
});
