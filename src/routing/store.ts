import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { callbacks, routeHints, tokens } from "../db/schema/index.js";
import { routingCallbacks } from "./store-callbacks.js";
import { routingCdrLinks } from "./store-cdr-links.js";
import { routingHints } from "./store-hints.js";
import { routingTokens } from "./store-tokens.js";

export type { HintKind } from "./store-hints.js";
export type { TokenFact } from "./store-tokens.js";

/**
 * What routing keeps in the database: the token index, route hints,
 * callbacks and CDR links, each in its own store-*.ts. Callers hold no SQL.
 */
export function createRoutingStore(db: Database) {
  return {
    ...routingTokens(db),
    ...routingHints(db),
    ...routingCallbacks(db),
    ...routingCdrLinks(db),

    /** Rows per table, for tests and the operator. */
    async counts(): Promise<Record<string, number>> {
      const count = sql<number>`count(*)::int`;
      const [t] = await db.select({ n: count }).from(tokens);
      const [h] = await db.select({ n: count }).from(routeHints);
      const [c] = await db.select({ n: count }).from(callbacks);
      return { tokens: t?.n ?? 0, route_hints: h?.n ?? 0, callbacks: c?.n ?? 0 };
    },
  };
}

export type RoutingStore = ReturnType<typeof createRoutingStore>;
