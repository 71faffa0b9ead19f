import { example } from "./examples.js";
import { code } from "./parties.js";

const LOCATION = example("location_example.json");
const TARIFF = example("tariff_1_simple_2hour.json");

/** The spec's example location as `id` of party `party` ("NL/CPO"), EVSE ids to match. */
export function locationOf(party: string, id: string, lastUpdated = "2015-06-29T20:39:09Z"): any {
  const [country_code, party_id] = party.split("/");
  const l = structuredClone(LOCATION);
  l.evses.forEach((e: any, i: number) => {
    e.evse_id = `${country_code}*${party_id}*E${id}${i}`.replace(/[^A-Za-z0-9*]/g, "");
  });
  return { ...l, country_code, party_id, id, last_updated: lastUpdated };
}

/** The spec's simple tariff as `id` of party `party`. */
export function tariffOf(party: string, id: string, lastUpdated = "2015-06-29T20:39:09Z"): any {
  const [country_code, party_id] = party.split("/");
  return { ...structuredClone(TARIFF), country_code, party_id, id, last_updated: lastUpdated };
}

/** "NL/CPO/LOC1" for each object of a list. */
export const ids = (list: any[]) => list.map((o) => `${code(o)}/${o.id}`);
