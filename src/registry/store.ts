import type { Database } from "../db/client.js";
import { registryAgreements } from "./store-agreements.js";
import { registryPlatforms } from "./store-platforms.js";
import { registryRegistrations } from "./store-registrations.js";
import { registryRotations } from "./store-rotations.js";
import { createTokenSeal } from "./token-seal.js";

export { type PartyKey, partyKey } from "./store-platforms.js";
export type { Registration } from "./store-registrations.js";

/**
 * Every read and write of the platform registry; callers hold no SQL.
 * Platform rows, registrations and rotations each live in their own store-*.ts. With
 * `tokenKey` (TOKEN_ENCRYPTION_KEY) the tokens platforms give the hub are
 * stored encrypted (token-seal.ts); reads return them decrypted.
 */
export function createRegistryStore(db: Database, options: { tokenKey?: Buffer } = {}) {
  const seal = createTokenSeal(options.tokenKey);
  return {
    ...registryPlatforms(db, seal),
    ...registryRegistrations(db, seal),
    ...registryRotations(db, seal),
    ...registryAgreements(db),
  };
}

export type RegistryStore = ReturnType<typeof createRegistryStore>;
