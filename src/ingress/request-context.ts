import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "../app-env.js";
import type { Deps } from "../deps.js";
import { Header, OutHeader } from "../ocpi/headers.js";
import type { Guards } from "./guards.js";
import { recordMessage } from "./message-entry.js";

const ID = /^[\x21-\x7e]{1,255}$/;

/**
 * First stage of every request: dependencies and the app's limits, X-Request-ID and
 * X-Correlation-ID (read, or made when missing or unusable; echoed on every
 * answer, errors included), and one log line and one metrics sample per request.
 */
export function requestContext(deps: Deps, guards: Guards) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const requestId = usable(c.req.header(Header.requestId));
    const correlationId = usable(c.req.header(Header.correlationId));
    c.set("deps", deps);
    c.set("guards", guards);
    c.set("requestId", requestId);
    c.set("correlationId", correlationId);
    // OCPI answers carry the ids through respond(); the admin API and probes get them here.
    if (!c.req.path.startsWith("/ocpi")) {
      c.header(OutHeader.requestId, requestId);
      c.header(OutHeader.correlationId, correlationId);
    }
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observeRequest(
      { method: c.req.method, route: routePath(c, -1), status: c.res.status },
      seconds,
    );
    if (deps.messages.enabled && c.req.path.startsWith("/ocpi"))
      recordMessage(c, deps.messages, seconds * 1000);
    const caller = c.get("caller") as AppEnv["Variables"]["caller"] | undefined;
    // The root logger with the ids as fields: the same line, without a child per request.
    deps.logger.info(
      {
        request_id: requestId,
        correlation_id: correlationId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(seconds * 100_000) / 100,
        platform_id: caller?.platform.id,
        receiver_id: c.get("receiver"),
      },
      "request",
    );
  });
}

function usable(value: string | undefined): string {
  return value !== undefined && ID.test(value) ? value : randomUUID();
}

/** The request's child logger (request and correlation ids bound), made on first use. */
export function requestLog(c: Context<AppEnv>) {
  let log = c.get("log");
  if (log === undefined) {
    log = c
      .get("deps")
      .logger.child({ request_id: c.get("requestId"), correlation_id: c.get("correlationId") });
    c.set("log", log);
  }
  return log;
}
