import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { forbidden, tooManyRequests, unauthorized } from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";
import { retryAfter } from "./guards.js";
import { clientAddress } from "./incoming.js";
import { requestLog } from "./request-context.js";

/**
 * `Authorization: Token …` → the calling platform, from the registry
 * snapshot (no database query). "registration" admits Token A and a token
 * of an unfinished handshake, as the versions and credentials modules must;
 * "full" admits only registered platforms (transport_and_format:
 * Authorization header). Suspended platforms are refused everywhere.
 *
 * An address locked out for failed authentications (admin API included)
 * gets 429 whatever token it presents; an unknown token counts as a
 * failure. A platform past its request rate or its requests in flight gets
 * 429 too, so that it cannot take the hub from the others.
 *
 * `routed` marks a functional module's endpoint: respond() adds the
 * routing headers to the hub's own answers there.
 */
export function requireCaller(needs: "registration" | "full", options: { routed?: boolean } = {}) {
  const routed = options.routed === true ? true : undefined;
  return createMiddleware<AppEnv>(async (c, next) => {
    // Before anything can refuse: a refusal to a known caller names it too.
    if (routed) c.set("routed", routed);
    const { lockout, platforms } = c.get("guards");
    const deps = c.get("deps");
    const address = clientAddress(c);
    const locked = lockout.lockedFor(address);
    if (locked > 0) {
      deps.metrics.observeLimit("auth-lockout");
      throw lockedOut(locked);
    }
    const header = c.req.header(Header.authorization);
    if (header === undefined)
      throw unauthorized("Authorization header missing; expected 'Token <token>'");
    const caller = deps.registry.authenticate(header);
    if (caller === undefined) {
      const lock = lockout.failed(address);
      if (lock === 0) throw unauthorized("unknown token");
      requestLog(c).warn({ address, lock_ms: lock }, "too many failed authentications: locked out");
      deps.metrics.observeLimit("auth-lockout");
      throw lockedOut(lock);
    }
    lockout.succeeded(address);
    // A request from the platform shows it alive: no still-alive probe is due for a while.
    deps.registry.recordHeard(caller.platform.id, deps.clock.now().getTime());
    if (caller.platform.status === "SUSPENDED") {
      throw forbidden(`platform ${caller.platform.name} is suspended by the hub operator`);
    }
    if (needs === "full" && caller.access !== "full") {
      throw unauthorized(
        "this token opens only the versions and credentials modules until registration completes",
      );
    }
    // Set first, so that the request's log line names a platform refused for its limits.
    c.set("caller", caller);
    const platformId = caller.platform.id;
    const refused = platforms.admit(platformId);
    if (refused !== undefined) {
      deps.metrics.observeLimit(`platform-${refused.limit}`);
      const what =
        refused.limit === "rate"
          ? `more than ${platforms.ratePerSecond} requests per second`
          : `more than ${platforms.maxInFlight} requests at a time`;
      throw tooManyRequests(
        `platform ${caller.platform.name} sends ${what}, more than the hub takes from one platform; try again later`,
        retryAfter(refused.waitMs),
      );
    }
    try {
      await next();
    } finally {
      platforms.release(platformId);
    }
    // A platform marked OFFLINE that gets an answer from the hub is reachable again.
    if (caller.platform.status === "OFFLINE" && c.res.status < 400) {
      deps.lifecycle.markReachable(platformId);
    }
  });
}

/** 429 for an address locked out for `ms` more milliseconds. */
function lockedOut(ms: number) {
  return tooManyRequests(
    `too many failed authentications from this address; try again in ${retryAfter(ms)} s`,
    retryAfter(ms),
  );
}
