import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { AdminError, adminFailure } from "./admin/errors.js";
import { adminRoutes } from "./admin/routes.js";
import type { AppEnv } from "./app-env.js";
import { consoleRoutes } from "./console/routes.js";
import type { Deps } from "./deps.js";
import { versionRoutes } from "./hub/versions.js";
import { createGuards, type GuardOptions } from "./ingress/guards.js";
import { checkIncoming } from "./ingress/incoming.js";
import { loopGuard } from "./ingress/loop-guard.js";
import { requestContext, requestLog } from "./ingress/request-context.js";
import { respond } from "./ingress/respond.js";
import { OcpiError, payloadTooLarge } from "./ocpi/errors.js";
import { StatusCode } from "./ocpi/status-codes.js";
import { opsRoutes } from "./ops/routes.js";

/**
 * Which paths a listener serves. "all" is the single port of a plain start;
 * with ADMIN_PORT set, "public" (the OCPI port) leaves out the operator's
 * paths and "admin" serves only those, plus the probes.
 */
export type Surface = "all" | "public" | "admin";

/** The admin API, the console and /metrics: the operator's paths, kept off the OCPI port under ADMIN_PORT. */
function isOperatorPath(path: string): boolean {
  return ["/admin", "/console", "/metrics"].some(
    (prefix) => path === prefix || path.startsWith(`${prefix}/`),
  );
}

const isProbe = (path: string) => path === "/healthz" || path === "/readyz";

function serves(surface: Surface, path: string): boolean {
  if (surface === "all") return true;
  if (surface === "public") return !isOperatorPath(path);
  return isOperatorPath(path) || isProbe(path);
}

/**
 * Builds the hub's HTTP app from its dependencies; no I/O happens here.
 * /ocpi speaks OCPI envelopes, /admin speaks plain JSON, and the probes sit
 * at the root. app.onError is the one place errors become answers. Before
 * any route: a raw path with dot segments is refused, and every body is
 * held to MAX_BODY_BYTES. `options.guards` sets other lockout and
 * platform-limit thresholds than the product's (tests). `options.surface`
 * picks the paths this listener answers; the others are 404 as if absent.
 */
export function createApp(deps: Deps, options: { guards?: GuardOptions; surface?: Surface } = {}) {
  const app = new Hono<AppEnv>({ strict: false });
  const isOcpi = (path: string) => path.startsWith("/ocpi");
  const surface = options.surface ?? "all";
  app.use("*", requestContext(deps, createGuards(deps.config, options.guards)));
  if (surface !== "all") {
    app.use("*", async (c, next) => (serves(surface, c.req.path) ? next() : c.notFound()));
  }
  const limit = deps.config.maxBodyBytes;
  const tooLarge = `the request body is larger than the ${limit} bytes the hub takes (MAX_BODY_BYTES)`;
  app.use(
    "*",
    checkIncoming(limit, (c) => {
      if (isOcpi(c.req.path)) return payloadTooLarge(tooLarge);
      return new AdminError(413, "PAYLOAD_TOO_LARGE", tooLarge);
    }),
  );
  app.use("/ocpi/*", loopGuard(deps.config.hubUrl));
  app.route("/ocpi", versionRoutes());
  app.route("/admin", adminRoutes());
  app.route("/console", consoleRoutes());
  app.route("/", opsRoutes());

  app.notFound((c) => {
    const what = `${c.req.method} ${c.req.path}`;
    return isOcpi(c.req.path)
      ? respond(c, StatusCode.ClientError, undefined, {
          message: `no OCPI endpoint ${what}`,
          httpStatus: 404,
        })
      : c.json({ error: { code: "NOT_FOUND", message: `no route ${what}` } }, 404);
  });

  app.onError((err, c) => {
    const ocpi = isOcpi(c.req.path);
    if (err instanceof OcpiError) {
      deps.metrics.observeOcpiStatus(err.statusCode);
      requestLog(c).info(
        { status_code: err.statusCode, reason: err.message },
        "OCPI request refused",
      );
      return respond(c, err.statusCode, undefined, {
        message: err.message,
        httpStatus: err.httpStatus,
        headers: err.headers,
      });
    }
    if (err instanceof HTTPException && err.status < 500 && ocpi) {
      return respond(c, StatusCode.ClientError, undefined, {
        message: err.message,
        httpStatus: err.status,
      });
    }
    const failure = adminFailure(err, c);
    if (failure !== undefined) return failure;
    requestLog(c).error({ err }, "unhandled error");
    return ocpi
      ? respond(c, StatusCode.ServerError, undefined, {
          message: "internal hub error",
          httpStatus: 500,
        })
      : c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
