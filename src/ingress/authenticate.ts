import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { forbidden, unauthorized } from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";

/**
 * `Authorization: Token …` → the calling platform, from the registry
 * snapshot (no database query). "registration" admits Token A and a token
 * of an unfinished handshake, as the versions and credentials modules must;
 * "full" admits only registered platforms (transport_and_format:
 * Authorization header). Suspended platforms are refused everywhere.
 */
export function requireCaller(needs: "registration" | "full") {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header(Header.authorization);
    if (header === undefined)
      throw unauthorized("Authorization header missing; expected 'Token <token>'");
    const caller = c.get("deps").registry.authenticate(header);
    if (caller === undefined) throw unauthorized("unknown token");
    if (caller.platform.status === "SUSPENDED") {
      throw forbidden(`platform ${caller.platform.name} is suspended by the hub operator`);
    }
    if (needs === "full" && caller.access !== "full") {
      throw unauthorized(
        "this token opens only the versions and credentials modules until registration completes",
      );
    }
    c.set("caller", caller);
    await next();
    // A platform marked OFFLINE that gets an answer from the hub is reachable again.
    if (caller.platform.status === "OFFLINE" && c.res.status < 400) {
      c.get("deps").lifecycle.markReachable(caller.platform.id);
    }
  });
}
