import { FUNCTIONAL_MODULES } from "../../src/modules/index.js";
import type { Modules } from "./parties.js";

/**
 * terminology: Typical OCPI implementations per Role. The CPO is Sender of
 * locations, sessions, cdrs and tariffs and Receiver of every other routed
 * module; the eMSP the other way round.
 */
/** The functional modules, by identifier. */
export const ROUTED_MODULES = FUNCTIONAL_MODULES.map((m) => m.id);

const CPO_SENDS = new Set<string>(["locations", "sessions", "cdrs", "tariffs"]);
export const CPO_MODULES: Modules = ROUTED_MODULES.map((identifier) => ({
  identifier,
  role: CPO_SENDS.has(identifier) ? "SENDER" : "RECEIVER",
}));
export const EMSP_MODULES: Modules = ROUTED_MODULES.map((identifier) => ({
  identifier,
  role: CPO_SENDS.has(identifier) ? "RECEIVER" : "SENDER",
}));
