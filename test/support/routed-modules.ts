import { FUNCTIONAL_MODULES } from "../../src/modules/index.js";
import type { Modules } from "./parties.js";

/** The functional modules, by identifier. */
export const ROUTED_MODULES = FUNCTIONAL_MODULES.map((m) => m.id);

/**
 * terminology: Typical OCPI implementations per Role, as the module records
 * say it: the CPO is Sender of the modules whose Sender role it holds
 * (locations, sessions, cdrs, tariffs) and Receiver of the others; the eMSP
 * the other way round.
 */
const cpoSends = (m: (typeof FUNCTIONAL_MODULES)[number]) => m.roles.SENDER.includes("CPO");
export const CPO_MODULES: Modules = FUNCTIONAL_MODULES.map((m) => ({
  identifier: m.id,
  role: cpoSends(m) ? "SENDER" : "RECEIVER",
}));
export const EMSP_MODULES: Modules = FUNCTIONAL_MODULES.map((m) => ({
  identifier: m.id,
  role: cpoSends(m) ? "RECEIVER" : "SENDER",
}));
