import { ROUTED_MODULES } from "../../src/routing/operations.js";
import { eventually, type FakePlatform } from "./fake-platform.js";

/** A party as the tests name one: a role of a platform. */
export type Party = { role: string; country_code: string; party_id: string };

/** Module endpoints a fake platform offers. */
export type Modules = { identifier: string; role: "SENDER" | "RECEIVER" }[];

/** "NL/CPO": how OCPI-to/from and the tests' paths name a party. */
export const code = (p: { country_code: string; party_id: string }) =>
  `${p.country_code}/${p.party_id}`;

export const sameParty = (a: Party, b: Party) =>
  a.role === b.role && a.country_code === b.country_code && a.party_id === b.party_id;

/**
 * terminology: Typical OCPI implementations per Role. The CPO is Sender of
 * locations, sessions, cdrs and tariffs and Receiver of every other routed
 * module; the eMSP the other way round.
 */
const CPO_SENDS = new Set<string>(["locations", "sessions", "cdrs", "tariffs"]);
export const CPO_MODULES: Modules = ROUTED_MODULES.map((identifier) => ({
  identifier,
  role: CPO_SENDS.has(identifier) ? "SENDER" : "RECEIVER",
}));
export const EMSP_MODULES: Modules = ROUTED_MODULES.map((identifier) => ({
  identifier,
  role: CPO_SENDS.has(identifier) ? "RECEIVER" : "SENDER",
}));

/**
 * Waits for a ClientInfo PUT about `party` with `status` that `to` received
 * after its first `after` ones.
 */
export function clientInfoPushed(
  to: FakePlatform,
  party: Party,
  status: string,
  options: { after?: number; ms?: number } = {},
) {
  return eventually(
    () =>
      to.clientInfos
        .slice(options.after ?? 0)
        .find((i) => sameParty(i.body, party) && i.body.status === status),
    options.ms,
  );
}
