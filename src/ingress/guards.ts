import { BlockList, isIPv6 } from "node:net";
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
  /** The reverse proxies whose X-Forwarded-For is believed; undefined when none. */
  proxies: BlockList | undefined;
}

/** Other thresholds than the product's, for tests. */
export interface GuardOptions {
  lockout?: Partial<LockoutOptions>;
  platforms?: Partial<PlatformLimitOptions>;
}

export function createGuards(
  config: Pick<Config, "platformRateLimit" | "trustedProxies">,
  options: GuardOptions = {},
): Guards {
  return {
    proxies: blockList(config.trustedProxies),
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

/** The addresses and CIDRs as a BlockList; undefined when there are none. */
function blockList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const family = isIPv6(address) ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}
