import { ALL_ROLES, type ConfigurationModuleSpec } from "./module-spec.js";

/**
 * credentials: registration and token exchange, answered by the hub. Its
 * endpoint is advertised as SENDER (versions: Endpoint class NOTE).
 */
export const credentials: ConfigurationModuleSpec = {
  kind: "configuration",
  id: "credentials",
  roles: { SENDER: ALL_ROLES, RECEIVER: ALL_ROLES },
  endpoints: [{ role: "SENDER", path: "credentials" }],
};
