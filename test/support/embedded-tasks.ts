import type { PGlite } from "@electric-sql/pglite";

/**
 * Tasks for EmbeddedClient.task in test/integration/embedded-thread.test.ts:
 * run in the database's thread, on its PGlite.
 */

/** Inserts a row in a transaction and answers how many rows `t` has. */
export async function insertAndCount(db: PGlite): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query("insert into t (id, name) values (100, 'from a task')");
    const counted = await tx.query<{ n: number }>("select count(*)::integer as n from t");
    return counted.rows[0]?.n ?? -1;
  });
}

export async function failing(): Promise<never> {
  throw new Error("the task failed");
}

export const notATask = 1;
