import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { requireCaller } from "../ingress/authenticate.js";
import { respond } from "../ingress/respond.js";
import type { VersionDetails } from "../ocpi/schemas/version.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { hubUrls, OCPI_VERSION } from "../ocpi/version.js";
import { ENDPOINTS } from "./ocpi-modules.js";

/** The versions module: the version list and the 2.2.1 details, derived from the module table. */
export function versionRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/versions", requireCaller("registration"), (c) => {
    const { hubUrl } = c.get("deps").config;
    return respond(c, StatusCode.Success, [
      { version: OCPI_VERSION, url: hubUrls.details(hubUrl) },
    ]);
  });
  routes.get(`/${OCPI_VERSION}`, requireCaller("registration"), (c) => {
    const { hubUrl } = c.get("deps").config;
    const details: VersionDetails = {
      version: OCPI_VERSION,
      endpoints: ENDPOINTS.map((m) => ({
        identifier: m.identifier,
        role: m.role,
        url: hubUrls.module(hubUrl, m.path),
      })),
    };
    return respond(c, StatusCode.Success, details);
  });
  for (const m of ENDPOINTS) routes.route(`/${OCPI_VERSION}/${m.path}`, m.routes());
  return routes;
}
