import type { ConfigurationModuleSpec } from "./module-spec.js";

/**
 * credentials: registration and token exchange, answered by the hub. Its
 * endpoint is advertised as SENDER (versions: Endpoint class NOTE).
 */
export const credentials: ConfigurationModuleSpec = {
  kind: "configuration",
  id: "credentials",
  roles: {
    SENDER: ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"],
    RECEIVER: ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"],
  },
  endpoints: [{ role: "SENDER", path: "credentials" }],
};
