import type { Database } from "../db/client.js";
import { registryPlatforms } from "./store-platforms.js";
import { registryRegistrations } from "./store-registrations.js";

export { type PartyKey, partyKey } from "./store-platforms.js";
export type { Registration } from "./store-registrations.js";

/**
 * Every read and write of the platform registry; callers hold no SQL.
 * Platform rows and registrations each live in their own store-*.ts.
 */
export function createRegistryStore(db: Database) {
  return {
    ...registryPlatforms(db),
    ...registryRegistrations(db),
  };
}

export type RegistryStore = ReturnType<typeof createRegistryStore>;
