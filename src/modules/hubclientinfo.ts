import type { ConfigurationModuleSpec } from "./module-spec.js";

/**
 * mod_hub_client_info: the hub's list of connected parties, and a status
 * change pushed to every platform's Receiver through the delivery queues.
 */
export const hubclientinfo: ConfigurationModuleSpec = {
  kind: "configuration",
  id: "hubclientinfo",
  roles: { SENDER: ["HUB"], RECEIVER: ["CPO", "EMSP", "NAP", "NSP", "OTHER", "SCSP"] },
  endpoints: [{ role: "SENDER", path: "hubclientinfo" }],
  delivered: true,
};
