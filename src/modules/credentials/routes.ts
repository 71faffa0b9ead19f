import { Hono } from "hono";
import type { AppEnv } from "../../app-env.js";
import { requireCaller } from "../../ingress/authenticate.js";
import { readJson } from "../../ingress/json-body.js";
import { envelope } from "../../ocpi/envelope.js";
import { methodNotAllowed } from "../../ocpi/errors.js";
import { CredentialsSchema } from "../../ocpi/schemas/credentials.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import { validate } from "../../ocpi/validate.js";
import { hubCredentials, registerFromParty, unregister, updateFromParty } from "./handshake.js";

/** credentials: the hub is the Receiver of registrations (credentials: Interfaces and endpoints). */
export function credentialsRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("registration"));

  routes.get("/", (c) => {
    const { deps, caller } = c.var;
    return c.json(
      envelope(deps.clock.now(), StatusCode.Success, hubCredentials(deps, caller.token)),
    );
  });

  routes.post("/", async (c) => {
    const { deps, caller, correlationId } = c.var;
    if (caller.access !== "token-a") {
      throw methodNotAllowed(
        "this platform is already registered; use PUT to update its credentials",
      );
    }
    const body = validate(CredentialsSchema, await readJson(c), "credentials");
    const answer = await registerFromParty(deps, caller.platform, body, correlationId);
    return c.json(envelope(deps.clock.now(), StatusCode.Success, answer));
  });

  routes.put("/", async (c) => {
    const { deps, caller, correlationId } = c.var;
    if (caller.access !== "full")
      throw methodNotAllowed("this platform is not registered; use POST to register");
    const body = validate(CredentialsSchema, await readJson(c), "credentials");
    const answer = await updateFromParty(deps, caller.platform, body, correlationId);
    return c.json(envelope(deps.clock.now(), StatusCode.Success, answer));
  });

  routes.delete("/", async (c) => {
    const { deps, caller } = c.var;
    if (caller.access !== "full") throw methodNotAllowed("this platform is not registered");
    await unregister(deps, caller.platform, false);
    return c.json(envelope(deps.clock.now(), StatusCode.Success));
  });

  return routes;
}
