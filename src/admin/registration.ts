import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { abandonedBefore } from "../hub/credentials/claims.js";
import { HandshakeBusy, registerByHub } from "../hub/credentials/handshake.js";
import { redactText } from "../logging/redact.js";
import { asHubMessage, handshakeMessage } from "../messages/hub-message.js";
import { OcpiError } from "../ocpi/errors.js";
import { Url } from "../ocpi/schemas/primitives.js";
import { generateToken, hashToken } from "../ocpi/tokens.js";
import { hubUrls } from "../ocpi/version.js";
import { AdminError, adminConflict } from "./errors.js";
import { parseBody } from "./parse-body.js";
import { platformOr404, viewOf } from "./views.js";

export const RegisterSchema = z.object({
  versions_url: Url,
  token: z
    .string()
    .min(1)
    .max(64, "must be at most 64 characters")
    .regex(/^[\x21-\x7e]+$/, "must consist of printable ASCII characters without spaces"),
});

/** Registration from the hub's side: a hub-initiated handshake, a new Token A. */
export function registrationRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post("/platforms/:id/register", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const body = await parseBody(RegisterSchema, () => c.req.json());
    if (platform.status !== "PENDING") {
      throw adminConflict(
        `platform is ${platform.status}; only a PENDING platform can be registered`,
      );
    }
    try {
      const message = handshakeMessage(deps.config, platform.id, "POST", c.var.correlationId);
      await asHubMessage(deps.messages, message, deps, (traced) =>
        registerByHub(traced, platform, body.versions_url, body.token, c.var.correlationId),
      );
    } catch (err) {
      if (err instanceof HandshakeBusy) throw adminConflict(err.message);
      if (!(err instanceof OcpiError)) throw err;
      // The platform's URLs are in the message; their userinfo and token values are not.
      const message = redactText(err.message);
      await deps.store.update(platform.id, { lastError: message }, deps.clock.now());
      await deps.registry.changed(platform.id);
      throw new AdminError(502, "REGISTRATION_FAILED", message, {
        ocpi_status_code: err.statusCode,
      });
    }
    return c.json(await viewOf(deps, platform.id));
  });

  // A new Token A, for a platform that unregistered or lost the first one; the old one dies.
  routes.post("/platforms/:id/token-a", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const tokenA = generateToken();
    const replaced = await deps.store.replaceTokenA(
      platform.id,
      hashToken(tokenA),
      deps.clock.now(),
      abandonedBefore(deps),
    );
    if (!replaced) {
      throw adminConflict(
        platform.status === "PENDING"
          ? "a registration the hub started holds this platform; try again when it has ended"
          : `platform is ${platform.status}; only a PENDING platform gets a new Token A`,
      );
    }
    await deps.registry.changed(platform.id);
    return c.json({
      id: platform.id,
      token_a: tokenA,
      versions_url: hubUrls.versions(deps.config.hubUrl),
    });
  });

  return routes;
}
