import type { InterfaceRole } from "./schemas/version.js";

/** The OCPI version the hub speaks. */
export const OCPI_VERSION = "2.2.1";

/** The path of a routed interface below the host, e.g. /ocpi/2.2.1/locations/receiver. */
export const endpointPath = (module: string, iface: InterfaceRole) =>
  `/ocpi/${OCPI_VERSION}/${module}/${iface.toLowerCase()}`;

/**
 * Every URL the hub advertises or hands out, built from HUB_URL: the
 * version list, the version details, one module interface, a callback for
 * an asynchronous result, a CDR behind the Location the hub gave a CPO.
 */
export function hubUrls(hubUrl: string) {
  const base = `${hubUrl}/ocpi`;
  return {
    versions: `${base}/versions`,
    details: `${base}/${OCPI_VERSION}`,
    endpoint: (module: string, iface: InterfaceRole) => `${hubUrl}${endpointPath(module, iface)}`,
    /** A path below /ocpi/2.2.1 (hub-owned modules: credentials, hubclientinfo). */
    module: (path: string) => `${base}/${OCPI_VERSION}/${path}`,
    callback: (module: string, id: string) => `${hubUrl}${endpointPath(module, "SENDER")}/${id}`,
    cdrLink: (id: string) => `${hubUrl}${endpointPath("cdrs", "RECEIVER")}/${id}`,
  };
}
