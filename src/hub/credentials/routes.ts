import { type Context, Hono } from "hono";
import type { AppEnv } from "../../app-env.js";
import { requireCaller } from "../../ingress/authenticate.js";
import { readJson } from "../../ingress/json-body.js";
import { respond } from "../../ingress/respond.js";
import { asLegsOf } from "../../messages/hub-message.js";
import { methodNotAllowed } from "../../ocpi/errors.js";
import { CredentialsSchema } from "../../ocpi/schemas/credentials.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import { validate } from "../../ocpi/validate.js";
import { hubCredentials, registerFromParty, updateFromParty } from "./handshake.js";

/** The hub's VALIDATION: whether a party's Credentials get the tolerance policy. */
const mode = (c: Context<AppEnv>) => c.get("deps").config.validation;

/** The hub's calls to the platform during its handshake are legs of its request (the message log). */
const legsOf = (c: Context<AppEnv>) => ({
  message: c.get("requestId"),
  platformId: c.get("caller").platform.id,
  module: "credentials",
});

/** credentials: the hub is the Receiver of registrations (credentials: Interfaces and endpoints). */
export function credentialsRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("registration"));

  routes.get("/", (c) =>
    respond(c, StatusCode.Success, hubCredentials(c.get("deps"), c.get("caller").token)),
  );

  routes.post("/", async (c) => {
    const caller = c.get("caller");
    if (caller.access !== "token-a") {
      throw methodNotAllowed(
        "this platform is already registered; use PUT to update its credentials",
      );
    }
    const body = validate(CredentialsSchema, await readJson(c), "credentials", mode(c));
    const deps = c.get("deps");
    const answer = await asLegsOf(deps.messages, legsOf(c), () =>
      registerFromParty(deps, caller.platform, body, c.get("correlationId")),
    );
    return respond(c, StatusCode.Success, answer);
  });

  routes.put("/", async (c) => {
    const caller = c.get("caller");
    if (caller.access !== "full")
      throw methodNotAllowed("this platform is not registered; use POST to register");
    const body = validate(CredentialsSchema, await readJson(c), "credentials", mode(c));
    const deps = c.get("deps");
    const answer = await asLegsOf(deps.messages, legsOf(c), () =>
      updateFromParty(deps, caller.platform, body, c.get("correlationId")),
    );
    return respond(c, StatusCode.Success, answer);
  });

  routes.delete("/", async (c) => {
    const caller = c.get("caller");
    if (caller.access !== "full") throw methodNotAllowed("this platform is not registered");
    // credentials: DELETE — the hub forgets the platform's endpoints and tokens; it is PENDING again.
    await c.get("deps").lifecycle.unregistered(caller.platform.id);
    return respond(c, StatusCode.Success);
  });

  return routes;
}
