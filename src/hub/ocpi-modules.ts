import type { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { ROUTED_MODULES } from "../routing/operations.js";
import { routedInterface } from "../routing/route.js";
import { credentialsRoutes } from "./credentials/routes.js";
import { hubClientInfoRoutes } from "./hubclientinfo.js";

/** One interface the hub serves under /ocpi/2.2.1/{path}. */
export interface ModuleEndpoint {
  identifier: string;
  role: InterfaceRole;
  path: string;
  routes: () => Hono<AppEnv>;
}

/**
 * The module table: the router mounts exactly these and version details
 * advertise exactly these, so the two cannot drift apart. The credentials
 * endpoint is advertised as SENDER (versions: Endpoint class NOTE). The hub
 * is Sender and Receiver of every functional module (terminology: Typical
 * OCPI implementations per Role), at /{module}/sender and /{module}/receiver.
 */
export const MODULES: readonly ModuleEndpoint[] = [
  { identifier: "credentials", role: "SENDER", path: "credentials", routes: credentialsRoutes },
  {
    identifier: "hubclientinfo",
    role: "SENDER",
    path: "hubclientinfo",
    routes: hubClientInfoRoutes,
  },
  ...ROUTED_MODULES.flatMap((identifier) =>
    (["SENDER", "RECEIVER"] as const).map((role) => ({
      identifier,
      role,
      path: `${identifier}/${role.toLowerCase()}`,
      routes: () => routedInterface(identifier, role),
    })),
  ),
];
