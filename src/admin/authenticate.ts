import { timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { hashToken } from "../ocpi/tokens.js";
import { AdminError } from "./errors.js";

/** `Authorization: Bearer $ADMIN_TOKEN`, compared by hash in constant time. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  const presented = match?.[1];
  const expected = Buffer.from(c.var.deps.adminTokenHash, "hex");
  if (
    presented === undefined ||
    !timingSafeEqual(Buffer.from(hashToken(presented), "hex"), expected)
  ) {
    c.header("WWW-Authenticate", 'Bearer realm="ocpi-hub admin"');
    throw new AdminError(401, "UNAUTHORIZED", "missing or wrong admin bearer token");
  }
  await next();
});
