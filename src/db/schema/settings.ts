import { pgTable, text } from "drizzle-orm/pg-core";

/** Hub-wide values that must survive restarts, such as the hash of a generated admin token. */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
