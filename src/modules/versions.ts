import type { ConfigurationModuleSpec } from "./module-spec.js";

/**
 * versions: the version list and details, served at /ocpi/versions and
 * /ocpi/2.2.1 and never listed among the endpoints (version_information_endpoint).
 */
export const versions: ConfigurationModuleSpec = {
  kind: "configuration",
  id: "versions",
  roles: {
    SENDER: ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"],
    RECEIVER: ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"],
  },
  endpoints: [],
};
