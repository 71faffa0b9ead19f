import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { retryAfter } from "../ingress/guards.js";
import { clientAddress } from "../ingress/incoming.js";
import { requestLog } from "../ingress/request-context.js";
import { hashToken } from "../ocpi/tokens.js";
import { AdminError } from "./errors.js";

/**
 * `Authorization: Bearer $ADMIN_TOKEN`, compared by hash in constant time.
 * A wrong token counts against the client's address in the lockout the
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
  const expected = Buffer.from(c.var.deps.adminTokenHash, "hex");
  if (presented === undefined) throw unauthorized(c);
  if (!timingSafeEqual(Buffer.from(hashToken(presented), "hex"), expected)) {
    const lock = lockout.failed(address);
    if (lock === 0) throw unauthorized(c);
    requestLog(c).warn({ address, lock_ms: lock }, "too many failed authentications: locked out");
    throw lockedOut(c, lock);
  }
  lockout.succeeded(address);
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
