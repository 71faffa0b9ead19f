export interface PlatformLimitOptions {
  /** Requests per second a platform may send on average (PLATFORM_RATE_LIMIT). */
  ratePerSecond: number;
  /** Requests a platform may send at once above the rate: one second's worth by default. */
  burst?: number;
  /** Requests of one platform the hub works on at the same time. */
  maxInFlight: number;
  /** A monotonic clock in milliseconds. */
  now?: () => number;
}

/**
 * In-flight requests per platform. A platform that forwards to a slow
 * receiver holds this many requests open at most; the hub's other platforms
 * keep the rest of its sockets, memory and outbound connections.
 */
export const MAX_PLATFORM_IN_FLIGHT = 200;

/** Why a request was not admitted, and how long the platform should wait before it tries again. */
export interface LimitRefusal {
  limit: "rate" | "concurrency";
  waitMs: number;
}

interface Budget {
  /** Requests the platform may send now, fractions included. */
  tokens: number;
  /** When `tokens` was last topped up (ms). */
  at: number;
  inFlight: number;
}

/**
 * Per-platform request rate (a token bucket: the rate per second, bursts up
 * to `burst`) and concurrency. A request past either waits for a later
 * attempt; one refused costs the platform nothing.
 */
export class PlatformLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxInFlight: number;
  readonly #now: () => number;
  readonly #budgets = new Map<string, Budget>();

  constructor(options: PlatformLimitOptions) {
    if (!(options.ratePerSecond > 0) || !(options.maxInFlight > 0)) {
      throw new Error("platform limits must be positive");
    }
    this.#rate = options.ratePerSecond / 1000;
    this.#burst = Math.max(1, options.burst ?? options.ratePerSecond);
    this.#maxInFlight = options.maxInFlight;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Admits one request of the platform (undefined; call `release` once it
   * is answered), or says which limit it met and how long to wait.
   */
  admit(platformId: string): LimitRefusal | undefined {
    const now = this.#now();
    let b = this.#budgets.get(platformId);
    if (b === undefined) {
      b = { tokens: this.#burst, at: now, inFlight: 0 };
      this.#budgets.set(platformId, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#rate);
      b.at = now;
    }
    if (b.inFlight >= this.#maxInFlight) return { limit: "concurrency", waitMs: 1_000 };
    if (b.tokens < 1) return { limit: "rate", waitMs: Math.ceil((1 - b.tokens) / this.#rate) };
    b.tokens -= 1;
    b.inFlight++;
    return undefined;
  }

  /** Requests per second a platform may send on average. */
  get ratePerSecond(): number {
    return this.#rate * 1000;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** The end of a request `admit` let in. */
  release(platformId: string): void {
    const b = this.#budgets.get(platformId);
    if (b !== undefined && b.inFlight > 0) b.inFlight--;
  }

  /** Requests of the platform being worked on now. */
  inFlight(platformId: string): number {
    return this.#budgets.get(platformId)?.inFlight ?? 0;
  }
}
