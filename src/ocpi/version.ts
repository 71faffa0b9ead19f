import type { InterfaceRole } from "./schemas/version.js";

/** The OCPI version the hub speaks natively: every cache, queue and route holds its objects. */
export const OCPI_VERSION = "2.2.1";

/** The older version the hub also speaks with parties that have not moved to 2.2.1. */
export const OCPI_2_1_1 = "2.1.1";

/** The versions the hub lists at /ocpi/versions. */
export type OcpiVersion = typeof OCPI_VERSION | typeof OCPI_2_1_1;

/** The path of a routed interface below the host, e.g. /ocpi/2.2.1/locations/receiver. */
export const endpointPath = (module: string, iface: InterfaceRole) =>
  `/ocpi/${OCPI_VERSION}/${module}/${iface.toLowerCase()}`;

/**
 * Every URL the hub advertises or hands out, built from HUB_URL: the
 * version list, the version details, one module interface, a path below
 * the version (hub-owned modules), a callback for an asynchronous result,
 * a CDR behind the Location the hub gave a CPO. Details and module paths
 * are 2.2.1's unless another version is named.
 */
export const hubUrls = {
  versions: (hubUrl: string) => `${hubUrl}/ocpi/versions`,
  details: (hubUrl: string, version: OcpiVersion = OCPI_VERSION) => `${hubUrl}/ocpi/${version}`,
  endpoint: (hubUrl: string, module: string, iface: InterfaceRole) =>
    `${hubUrl}${endpointPath(module, iface)}`,
  module: (hubUrl: string, path: string, version: OcpiVersion = OCPI_VERSION) =>
    `${hubUrl}/ocpi/${version}/${path}`,
  callback: (hubUrl: string, module: string, id: string) =>
    `${hubUrl}${endpointPath(module, "SENDER")}/${id}`,
  cdrLink: (hubUrl: string, id: string) => `${hubUrl}${endpointPath("cdrs", "RECEIVER")}/${id}`,
} as const;
