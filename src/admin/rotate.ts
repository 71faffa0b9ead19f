import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { RotationBusy, RotationOvertaken, rotateCredentials } from "../hub/credentials/rotate.js";
import { requestLog } from "../ingress/request-context.js";
import { redactText } from "../logging/redact.js";
import { asHubMessage, handshakeMessage } from "../messages/hub-message.js";
import { OcpiError } from "../ocpi/errors.js";
import { AdminError, adminConflict } from "./errors.js";
import { platformOr404, viewOf } from "./views.js";

/**
 * Token rotation on the operator's request: on a suspected compromise it
 * SHALL start at once, and monthly is advised (credentials: Updating the
 * credentials and resetting the credentials token).
 */
export function rotationRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post("/platforms/:id/rotate", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    if (platform.status !== "CONNECTED" && platform.status !== "OFFLINE") {
      throw adminConflict(
        `platform is ${platform.status}; only a registered platform (CONNECTED or OFFLINE) has credentials to rotate`,
      );
    }
    let rotation: Awaited<ReturnType<typeof rotateCredentials>>;
    try {
      const message = handshakeMessage(deps.config, platform.id, "PUT", c.var.correlationId);
      rotation = await asHubMessage(deps.messages, message, deps, (traced) =>
        rotateCredentials(traced, platform, c.var.correlationId),
      );
    } catch (err) {
      if (err instanceof RotationBusy || err instanceof RotationOvertaken) {
        throw adminConflict(err.message);
      }
      if (!(err instanceof OcpiError)) throw err;
      const message = redactText(err.message);
      await deps.store.update(platform.id, { lastError: message }, deps.clock.now());
      await deps.registry.changed(platform.id);
      requestLog(c).warn({ platform_id: platform.id, reason: message }, "rotation failed");
      throw new AdminError(502, "ROTATION_FAILED", message, { ocpi_status_code: err.statusCode });
    }
    requestLog(c).info({ platform_id: platform.id }, "credentials rotated");
    return c.json({
      ...(await viewOf(deps, platform.id)),
      rotated_at: rotation.rotatedAt.toISOString(),
      ...(rotation.warning === undefined ? {} : { warning: rotation.warning }),
    });
  });

  return routes;
}
