import { ALL_ROLES, type ConfigurationModuleSpec } from "./module-spec.js";

/**
 * versions: the version list and details, served at /ocpi/versions and
 * /ocpi/2.2.1 and never listed among the endpoints (version_information_endpoint).
 */
export const versions: ConfigurationModuleSpec = {
  kind: "configuration",
  id: "versions",
  roles: { SENDER: ALL_ROLES, RECEIVER: ALL_ROLES },
  endpoints: [],
};
