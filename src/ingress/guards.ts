import type { Config } from "../config/schema.js";
import { AuthLockout, type LockoutOptions } from "./lockout.js";
import {
  MAX_PLATFORM_IN_FLIGHT,
  PlatformLimiter,
  type PlatformLimitOptions,
} from "./platform-limits.js";

/** The limits one app keeps in memory: per client address and per platform. */
export interface Guards {
  lockout: AuthLockout;
  platforms: PlatformLimiter;
}

/** Other thresholds than the product's, for tests. */
export interface GuardOptions {
  lockout?: Partial<LockoutOptions>;
  platforms?: Partial<PlatformLimitOptions>;
}

export function createGuards(
  config: Pick<Config, "platformRateLimit">,
  options: GuardOptions = {},
): Guards {
  return {
    lockout: new AuthLockout(options.lockout),
    platforms: new PlatformLimiter({
      ratePerSecond: config.platformRateLimit,
      maxInFlight: MAX_PLATFORM_IN_FLIGHT,
      ...options.platforms,
    }),
  };
}

/** A wait in milliseconds as the value of Retry-After: whole seconds, at least one. */
export const retryAfter = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
