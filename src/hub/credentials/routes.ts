import { type Context, Hono } from "hono";
import type { AppEnv } from "../../app-env.js";
import { requireCaller } from "../../ingress/authenticate.js";
import { readJson } from "../../ingress/json-body.js";
import { respond } from "../../ingress/respond.js";
import { asLegsOf } from "../../messages/hub-message.js";
import { methodNotAllowed } from "../../ocpi/errors.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import { OCPI_VERSION, type OcpiVersion } from "../../ocpi/version.js";
import { dialectOf } from "./dialects.js";
import { hubCredentials, registerFromParty, updateFromParty } from "./handshake.js";

/** The hub's VALIDATION: whether a party's Credentials get the tolerance policy. */
const mode = (c: Context<AppEnv>) => c.get("deps").config.validation;

/** The hub's calls to the platform during its handshake are legs of its request (the message log). */
const legsOf = (c: Context<AppEnv>) => ({
  message: c.get("requestId"),
  platformId: c.get("caller").platform.id,
  module: "credentials",
});

/**
 * credentials: the hub is the Receiver of registrations (credentials:
 * Interfaces and endpoints), in the version of the path it is mounted on:
 * bodies and answers take that version's shape, and the registration that
 * version. The token may come Base64-encoded (2.2.1) or raw (2.1.1) on
 * either: the hub's tokens cannot be mistaken for one another in the two
 * forms (ocpi/tokens.ts).
 */
export function credentialsRoutes(version: OcpiVersion = OCPI_VERSION) {
  const dialect = dialectOf(version);
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("registration"));

  routes.get("/", (c) =>
    respond(
      c,
      StatusCode.Success,
      dialect.write(hubCredentials(c.get("deps"), c.get("caller").token)),
    ),
  );

  routes.post("/", async (c) => {
    const caller = c.get("caller");
    if (caller.access !== "token-a") {
      throw methodNotAllowed(
        "this platform is already registered; use PUT to update its credentials",
      );
    }
    const body = dialect.readBody(await readJson(c), caller.platform, mode(c));
    const deps = c.get("deps");
    const answer = await asLegsOf(deps.messages, legsOf(c), deps, (traced) =>
      registerFromParty(traced, caller.platform, body, c.get("correlationId"), dialect),
    );
    return respond(c, StatusCode.Success, dialect.write(answer));
  });

  routes.put("/", async (c) => {
    const caller = c.get("caller");
    if (caller.access !== "full")
      throw methodNotAllowed("this platform is not registered; use POST to register");
    const body = dialect.readBody(await readJson(c), caller.platform, mode(c));
    const deps = c.get("deps");
    const answer = await asLegsOf(deps.messages, legsOf(c), deps, (traced) =>
      updateFromParty(traced, caller.platform, body, c.get("correlationId"), dialect),
    );
    return respond(c, StatusCode.Success, dialect.write(answer));
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
