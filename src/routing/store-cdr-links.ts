// CDR links: the Location an eMSP gave for a CDR, behind the hub URL the CPO got instead.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type CdrLinkRow, cdrLinks } from "../db/schema/index.js";

/** Writes and reads of CDR links. */
export function routingCdrLinks(db: Database) {
  return {
    async createCdrLink(row: CdrLinkRow): Promise<void> {
      await db.insert(cdrLinks).values(row);
    },

    async findCdrLink(id: string): Promise<CdrLinkRow | undefined> {
      const [row] = await db.select().from(cdrLinks).where(eq(cdrLinks.id, id));
      return row;
    },
  };
}
