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
