import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { agreementRoutes } from "./agreements.js";
import { auditRoutes } from "./audit.js";
import { auditTrail } from "./audit-trail.js";
import { requireAdmin } from "./authenticate.js";
import { deliveryRoutes } from "./deliveries.js";
import { messageRoutes } from "./messages.js";
import { openApiRoutes } from "./openapi.js";
import { platformRoutes } from "./platforms.js";
import { registrationRoutes } from "./registration.js";
import { rotationRoutes } from "./rotate.js";
import { syncRoutes } from "./sync.js";
import { tokenRoutes } from "./tokens.js";

/** The operator's API (architecture.md: Admin API), every route behind the admin token. */
export function adminRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireAdmin);
  routes.route("/", adminActions());
  return routes;
}

/**
 * The admin API's routes, audited, for a caller whose identity is already
 * known (`admin` set): behind requireAdmin, or the console's session.
 */
export function adminActions() {
  const routes = new Hono<AppEnv>();
  routes.use("*", auditTrail);
  routes.route("/", platformRoutes());
  routes.route("/", registrationRoutes());
  routes.route("/", rotationRoutes());
  routes.route("/", syncRoutes());
  routes.route("/", deliveryRoutes());
  routes.route("/", agreementRoutes());
  routes.route("/", auditRoutes());
  routes.route("/", tokenRoutes());
  routes.route("/", messageRoutes());
  routes.route("/", openApiRoutes());
  return routes;
}
