import type { Platform } from "./registry.js";

/**
 * Who sees and reaches whom, by platform status: one place for the rules
 * every reader of the registry applies.
 */

/** Traffic goes only to a CONNECTED platform; others are refused with 4003 without an attempt. */
export const isConnected = (p: Pick<Platform, "status">): boolean => p.status === "CONNECTED";

/**
 * A platform whose objects nobody reads now: one that has not (or no
 * longer) registered, and one the operator suspended. An OFFLINE CPO's
 * chargers still exist, so its objects stay listed.
 */
export const objectsHidden = (p: Pick<Platform, "status">): boolean =>
  p.status === "PENDING" || p.status === "SUSPENDED";

/** The ids of the platforms whose cached objects nobody reads now. */
export const hiddenPlatformIds = (platforms: readonly Platform[]): string[] =>
  platforms.filter(objectsHidden).map((p) => p.id);
