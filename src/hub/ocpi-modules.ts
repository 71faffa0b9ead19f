import type { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { routedInterface } from "../ingress/ocpi-router.js";
import { MODULES_2_1_1, routes211 } from "../ingress/v2_1_1/routes.js";
import { MODULES } from "../modules/index.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { OCPI_2_1_1 } from "../ocpi/version.js";
import { credentialsRoutes } from "./credentials/routes.js";
import { hubClientInfoRoutes } from "./hubclientinfo.js";

/** One interface the hub serves under /ocpi/2.2.1/{path}. */
export interface ModuleEndpoint {
  identifier: string;
  role: InterfaceRole;
  path: string;
  routes: () => Hono<AppEnv>;
}

/** The handlers of the configuration modules the hub answers itself, by module id. */
const HUB_HANDLERS: Readonly<Record<string, () => Hono<AppEnv>>> = {
  credentials: credentialsRoutes,
  hubclientinfo: hubClientInfoRoutes,
};

/**
 * Every interface the hub serves, read from the module table: the router
 * mounts exactly these and version details advertise exactly these, so
 * the two cannot drift apart. The hub is Sender and Receiver of every
 * functional module (terminology: Typical OCPI implementations per Role),
 * at /{module}/sender and /{module}/receiver.
 */
export const ENDPOINTS: readonly ModuleEndpoint[] = MODULES.flatMap((module): ModuleEndpoint[] => {
  if (module.kind === "functional") {
    return (["SENDER", "RECEIVER"] as const).map((role) => ({
      identifier: module.id,
      role,
      path: `${module.id}/${role.toLowerCase()}`,
      routes: () => routedInterface(module, role),
    }));
  }
  return module.endpoints.map(({ role, path }) => {
    const routes = HUB_HANDLERS[module.id];
    if (routes === undefined) throw new Error(`no handler for the ${module.id} module`);
    return { identifier: module.id, role, path, routes };
  });
});

/** One module the hub serves under /ocpi/2.1.1/{path}; a 2.1.1 endpoint has no role (versions: Endpoint class). */
export interface ModuleEndpoint211 {
  identifier: string;
  path: string;
  routes: () => Hono<AppEnv>;
}

/**
 * Every module the hub serves to OCPI 2.1.1 platforms: mounted at
 * /ocpi/2.1.1/{path} and listed in the 2.1.1 version details from this
 * one list. Credentials (a 2.1.1 platform registers, rotates and
 * unregisters), and every functional module of 2.1.1, whose traffic the
 * hub routes for it (ingress/v2_1_1).
 */
export const ENDPOINTS_2_1_1: readonly ModuleEndpoint211[] = [
  { identifier: "credentials", path: "credentials", routes: () => credentialsRoutes(OCPI_2_1_1) },
  ...MODULES_2_1_1.map((id) => ({ identifier: id, path: id, routes: () => routes211(id) })),
];
