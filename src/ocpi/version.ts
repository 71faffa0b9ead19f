import type { InterfaceRole } from "./schemas/version.js";

/** The OCPI version the hub speaks. */
export const OCPI_VERSION = "2.2.1";

/** The path of a routed interface below the host, e.g. /ocpi/2.2.1/locations/receiver. */
export const endpointPath = (module: string, iface: InterfaceRole) =>
  `/ocpi/${OCPI_VERSION}/${module}/${iface.toLowerCase()}`;

/**
 * Every URL the hub advertises or hands out, built from HUB_URL: the
 * version list, the version details, one module interface, a path below
 * the version (hub-owned modules), a callback for an asynchronous result,
 * a CDR behind the Location the hub gave a CPO.
 */
export const hubUrls = {
  versions: (hubUrl: string) => `${hubUrl}/ocpi/versions`,
  details: (hubUrl: string) => `${hubUrl}/ocpi/${OCPI_VERSION}`,
  endpoint: (hubUrl: string, module: string, iface: InterfaceRole) =>
    `${hubUrl}${endpointPath(module, iface)}`,
  module: (hubUrl: string, path: string) => `${hubUrl}/ocpi/${OCPI_VERSION}/${path}`,
  callback: (hubUrl: string, module: string, id: string) =>
    `${hubUrl}${endpointPath(module, "SENDER")}/${id}`,
  cdrLink: (hubUrl: string, id: string) => `${hubUrl}${endpointPath("cdrs", "RECEIVER")}/${id}`,
} as const;
