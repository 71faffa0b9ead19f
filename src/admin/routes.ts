import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { agreementRoutes } from "./agreements.js";
import { auditRoutes } from "./audit.js";
import { requireAdmin } from "./authenticate.js";
import { deliveryRoutes } from "./deliveries.js";
import { messageRoutes } from "./messages.js";
import { platformRoutes } from "./platforms.js";
import { registrationRoutes } from "./registration.js";
import { rotationRoutes } from "./rotate.js";
import { syncRoutes } from "./sync.js";

/** The operator's API (architecture.md: Admin API), every route behind the admin token. */
export function adminRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireAdmin);
  routes.route("/", platformRoutes());
  routes.route("/", registrationRoutes());
  routes.route("/", rotationRoutes());
  routes.route("/", syncRoutes());
  routes.route("/", deliveryRoutes());
  routes.route("/", agreementRoutes());
  routes.route("/", auditRoutes());
  routes.route("/", messageRoutes());
  return routes;
}
