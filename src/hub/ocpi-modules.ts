import type { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { routedInterface } from "../ingress/ocpi-router.js";
import { MODULES } from "../modules/index.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
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
