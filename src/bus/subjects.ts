/**
 * Every NATS subject the hub uses is built here (architecture.md: Delivery;
 * the subjects are part of the contract).
 */
export const Subject = {
  /** A platform or party was added, changed or removed; every instance reloads its registry snapshot. */
  registryChanged: "ocpi.registry.changed",
} as const;
