import type { Deps } from "../../deps.js";

/** Calls to the platform a credentials exchange makes at most, each within FORWARD_TIMEOUT_MS. */
const CALLS_PER_EXCHANGE = 10;

/**
 * A hub-initiated handshake (and a token rotation) holds the platform while
 * it runs, by the hash of the token it issued. A hold last touched before
 * the time returned here has outlived every call it could make: its
 * instance stopped midway, and a registration, a new Token A or another
 * exchange may take the platform over instead of waiting forever.
 */
export function abandonedBefore(deps: Pick<Deps, "clock" | "config">): Date {
  return new Date(deps.clock.now().getTime() - CALLS_PER_EXCHANGE * deps.config.forwardTimeoutMs);
}
