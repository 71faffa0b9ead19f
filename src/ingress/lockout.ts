import { isIPv6 } from "node:net";

export interface LockoutOptions {
  /** More failures than this within `windowMs` lock the address out. */
  threshold: number;
  windowMs: number;
  /** The first lockout; each further one doubles, up to `maxBackoffMs`. */
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** Addresses tracked at most; past it the least recently seen is forgotten. */
  maxAddresses: number;
  /** A monotonic clock in milliseconds. */
  now: () => number;
}

export const LOCKOUT_DEFAULTS: LockoutOptions = {
  threshold: 100,
  windowMs: 60_000,
  firstBackoffMs: 5_000,
  maxBackoffMs: 5 * 60_000,
  maxAddresses: 100_000,
  now: () => performance.now(),
};

/** The failure window is counted in this many slots: exact to a sixth of the window. */
const SLOTS = 6;

interface Entry {
  /** Failures per slot; slot i counts the failures of slot number `base + i`. */
  counts: number[];
  base: number;
  /** Lockouts since the last success; the next one lasts firstBackoff × 2^level. */
  level: number;
  lockedUntil: number;
  lastSeen: number;
}

/**
 * Failed authentications per client address, shared by the admin API and
 * OCPI: more than `threshold` failures within the window lock the address
 * out, and while it is locked every attempt is refused, the right token
 * included, or guessing would go on regardless. Each lockout lasts twice
 * the one before, up to the maximum; a success once it has ended forgets
 * the address. An IPv6 client counts by its /64, which one host can fill
 * with addresses at will.
 */
export class AuthLockout {
  readonly #o: LockoutOptions;
  readonly #slotMs: number;
  readonly #quietMs: number;
  /** In order of last use: the first entry is the one to forget when full. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: Partial<LockoutOptions> = {}) {
    this.#o = { ...LOCKOUT_DEFAULTS, ...options };
    this.#slotMs = this.#o.windowMs / SLOTS;
    this.#quietMs = Math.max(this.#o.windowMs, this.#o.maxBackoffMs);
  }

  /** Milliseconds until the address may try again; 0 when it may now. */
  lockedFor(address: string): number {
    // The common case, nobody failing: no key is even computed.
    if (this.#entries.size === 0) return 0;
    const entry = this.#entries.get(addressKey(address));
    if (entry === undefined) return 0;
    return Math.max(0, entry.lockedUntil - this.#o.now());
  }

  /** Counts a failure; returns how long the address is now locked out (0: not locked). */
  failed(address: string): number {
    const now = this.#o.now();
    const key = addressKey(address);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { counts: new Array(SLOTS).fill(0), base: 0, level: 0, lockedUntil: 0, lastSeen: 0 };
      this.#forgetIdle(now);
    } else {
      if (now < entry.lockedUntil) return entry.lockedUntil - now;
      // Quiet for longer than the longest lockout: the next one starts short again.
      if (this.#idle(entry, now)) entry.level = 0;
      this.#entries.delete(key);
    }
    this.#entries.set(key, entry);
    entry.lastSeen = now;
    const slot = Math.floor(now / this.#slotMs);
    this.#advance(entry, slot);
    entry.counts[slot - entry.base] = (entry.counts[slot - entry.base] ?? 0) + 1;
    const failures = entry.counts.reduce((a, b) => a + b, 0);
    if (failures <= this.#o.threshold) return 0;
    const backoff = Math.min(this.#o.firstBackoffMs * 2 ** entry.level, this.#o.maxBackoffMs);
    entry.level++;
    entry.lockedUntil = now + backoff;
    return backoff;
  }

  /** A successful authentication: the address starts afresh. */
  succeeded(address: string): void {
    if (this.#entries.size === 0) return;
    this.#entries.delete(addressKey(address));
  }

  /** Addresses tracked now (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Moves the window so that its last slot is `slot`, dropping what fell out of it. */
  #advance(entry: Entry, slot: number): void {
    const shift = slot - (entry.base + SLOTS - 1);
    if (shift <= 0) return;
    if (shift >= SLOTS) entry.counts.fill(0);
    else entry.counts.copyWithin(0, shift).fill(0, SLOTS - shift);
    entry.base = slot - SLOTS + 1;
  }

  /** No failure and no lockout for as long as the longest lockout (and the window). */
  #idle(entry: Entry, now: number): boolean {
    return now - Math.max(entry.lastSeen, entry.lockedUntil) > this.#quietMs;
  }

  /**
   * Before tracking one more address: addresses quiet for the longest
   * lockout are forgotten, and when still full the least recently seen
   * (the map keeps them in order of last failure).
   */
  #forgetIdle(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (!this.#idle(entry, now) && this.#entries.size < this.#o.maxAddresses) break;
      this.#entries.delete(key);
    }
  }
}

/** An address as the lockout counts it: IPv4 as is, IPv6 by its /64 prefix. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1] as string;
  const bare = address.split("%")[0] as string;
  if (!isIPv6(bare)) return address;
  const [head = "", tail] = bare.toLowerCase().split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [...left, ...new Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
