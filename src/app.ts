import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { AdminError } from "./admin/errors.js";
import { adminRoutes } from "./admin/routes.js";
import type { AppEnv } from "./app-env.js";
import type { Deps } from "./deps.js";
import { requestContext } from "./ingress/request-context.js";
import { versionRoutes } from "./modules/versions.js";
import { envelope } from "./ocpi/envelope.js";
import { OcpiError } from "./ocpi/errors.js";
import { StatusCode } from "./ocpi/status-codes.js";
import { opsRoutes } from "./ops/routes.js";

/**
 * Builds the hub's HTTP app from its dependencies; no I/O happens here.
 * /ocpi speaks OCPI envelopes, /admin speaks plain JSON, and the probes sit
 * at the root. app.onError is the one place errors become answers.
 */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>({ strict: false });
  app.use("*", requestContext(deps));
  app.route("/ocpi", versionRoutes());
  app.route("/admin", adminRoutes());
  app.route("/", opsRoutes());

  app.notFound((c) => {
    if (c.req.path.startsWith("/ocpi")) {
      return c.json(
        envelope(
          deps.clock.now(),
          StatusCode.ClientError,
          undefined,
          `no OCPI endpoint ${c.req.method} ${c.req.path}`,
        ),
        404,
      );
    }
    return c.json(
      { error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    );
  });

  app.onError((err, c) => {
    const log = c.var.log ?? deps.logger;
    const ocpi = c.req.path.startsWith("/ocpi");
    if (err instanceof OcpiError) {
      deps.metrics.observeOcpiStatus(err.statusCode);
      log.info({ status_code: err.statusCode, reason: err.message }, "OCPI request refused");
      return c.json(
        envelope(deps.clock.now(), err.statusCode, undefined, err.message),
        err.httpStatus as 200,
      );
    }
    if (err instanceof AdminError) {
      return c.json(
        { error: { code: err.code, message: err.message, ...err.details } },
        err.httpStatus,
      );
    }
    if (err instanceof HTTPException && err.status < 500) {
      return ocpi
        ? c.json(
            envelope(deps.clock.now(), StatusCode.ClientError, undefined, err.message),
            err.status,
          )
        : c.json({ error: { code: "BAD_REQUEST", message: err.message } }, err.status);
    }
    log.error({ err }, "unhandled error");
    return ocpi
      ? c.json(
          envelope(deps.clock.now(), StatusCode.ServerError, undefined, "internal hub error"),
          500,
        )
      : c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
