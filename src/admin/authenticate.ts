import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { retryAfter } from "../ingress/guards.js";
import { clientAddress } from "../ingress/incoming.js";
import { requestLog } from "../ingress/request-context.js";
import { hashToken } from "../ocpi/tokens.js";
import { AdminError } from "./errors.js";

/**
 * `Authorization: Bearer <token>`: the bootstrap token or an issued one not
 * revoked, found by its SHA-256 among the hashes held in memory (a look-up
 * by hash reveals nothing usable about a token through its timing). The
 * token's identity goes to `c.var.admin`, the actor of the audit log.
 * A wrong or revoked token counts against the client's address in the lockout the
 * OCPI interfaces share; a locked-out address gets 429 with Retry-After
 * whatever token it presents.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const { lockout } = c.var.guards;
  const address = clientAddress(c);
  const locked = lockout.lockedFor(address);
  if (locked > 0) throw lockedOut(c, locked);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  const presented = match?.[1];
  if (presented === undefined) throw unauthorized(c);
  const identity = c.var.deps.adminTokens.identify(hashToken(presented));
  if (identity === undefined) {
    const lock = lockout.failed(address);
    if (lock === 0) throw unauthorized(c);
    requestLog(c).warn({ address, lock_ms: lock }, "too many failed authentications: locked out");
    throw lockedOut(c, lock);
  }
  lockout.succeeded(address);
  c.set("admin", identity);
  await next();
});

function unauthorized(c: Context<AppEnv>): AdminError {
  c.header("WWW-Authenticate", 'Bearer realm="ocpi-hub admin"');
  return new AdminError(401, "UNAUTHORIZED", "missing or wrong admin bearer token");
}

function lockedOut(c: Context<AppEnv>, ms: number): AdminError {
  c.var.deps.metrics.observeLimit("auth-lockout");
  c.header("Retry-After", retryAfter(ms));
  return new AdminError(
    429,
    "TOO_MANY_REQUESTS",
    `too many failed authentications from this address; try again in ${retryAfter(ms)} s`,
  );
}
