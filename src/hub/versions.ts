import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { requireCaller } from "../ingress/authenticate.js";
import { respond } from "../ingress/respond.js";
import type { VersionDetails } from "../ocpi/schemas/version.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { hubUrls, OCPI_2_1_1, OCPI_VERSION, type OcpiVersion } from "../ocpi/version.js";
import type { VersionDetails211 } from "../versions/v2_1_1/schemas/version.js";
import { ENDPOINTS, ENDPOINTS_2_1_1 } from "./ocpi-modules.js";

/** The versions the hub lists, each served below /ocpi/{version}. */
const VERSIONS: readonly OcpiVersion[] = [OCPI_2_1_1, OCPI_VERSION];

/**
 * The versions module: the version list, and each version's details
 * derived from the endpoints mounted for it (2.2.1 from the module table,
 * 2.1.1 from its own list), so that what is listed is what is served.
 */
export function versionRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/versions", requireCaller("registration"), (c) => {
    const { hubUrl } = c.get("deps").config;
    return respond(
      c,
      StatusCode.Success,
      VERSIONS.map((version) => ({ version, url: hubUrls.details(hubUrl, version) })),
    );
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
  routes.get(`/${OCPI_2_1_1}`, requireCaller("registration"), (c) => {
    const { hubUrl } = c.get("deps").config;
    const details: VersionDetails211 = {
      version: OCPI_2_1_1,
      endpoints: ENDPOINTS_2_1_1.map((m) => ({
        identifier: m.identifier,
        url: hubUrls.module(hubUrl, m.path, OCPI_2_1_1),
      })),
    };
    return respond(c, StatusCode.Success, details);
  });
  for (const m of ENDPOINTS) routes.route(`/${OCPI_VERSION}/${m.path}`, m.routes());
  for (const m of ENDPOINTS_2_1_1) routes.route(`/${OCPI_2_1_1}/${m.path}`, m.routes());
  return routes;
}
