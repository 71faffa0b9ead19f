import type { Deps } from "../deps.js";

/** What /readyz checks: the database, and NATS when the hub uses it (null: the in-process bus). */
export interface Health {
  database: boolean;
  nats: boolean | null;
}

/** The work's result, or `fallback` when it takes longer than `ms`. */
export async function within<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pings the database and NATS, each given 2 s. */
export async function checkHealth(deps: Pick<Deps, "db" | "bus">): Promise<Health> {
  const { db, bus } = deps;
  const [database, nats] = await Promise.all([
    within(2_000, db.ping(), false),
    bus.kind === "nats" ? within(2_000, bus.ping(), false) : Promise.resolve(null),
  ]);
  return { database, nats };
}

/** Ready when the database answers and NATS, if used, does too. */
export const isReady = (h: Health): boolean => h.database && h.nats !== false;
