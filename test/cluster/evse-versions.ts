import { expect } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import type { FakePlatform } from "../support/fake-platform.js";

/**
 * The objects the cluster test broadcasts and what each eMSP was sent of
 * them: EVSE statuses whose last_updated counts rounds of updates.
 */

export const OWNER = "NL/CPO";
export const LOCATIONS = ["LOC1", "LOC2", "LOC3"];
/** The EVSEs of the example location. */
export const EVSES = ["3256", "3257"];
export const STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER"];

/** Version `round` of an EVSE: its last_updated, one second per round. */
export const at = (round: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, round)).toISOString();
export const roundOf = (lastUpdated: string) =>
  (Date.parse(lastUpdated) - Date.UTC(2026, 0, 1)) / 1_000;

/**
 * What one eMSP was sent for each EVSE, in order: versions from the
 * location PUTs (a whole location, the hub's current copy) and the EVSE
 * PATCHes.
 */
export function versions(emsp: FakePlatform): Map<string, { round: number; status: string }[]> {
  const seen = new Map<string, { round: number; status: string }[]>();
  const add = (key: string, e: { last_updated: string; status: string }) => {
    const list = seen.get(key) ?? [];
    list.push({ round: roundOf(e.last_updated), status: e.status });
    seen.set(key, list);
  };
  for (const req of emsp.moduleRequests("locations", "RECEIVER")) {
    const body = req.body as any;
    const [, , , loc, evse] = req.tail.split("/");
    if (req.method === "PUT" && evse === undefined) {
      for (const e of body.evses) add(`${loc}/${e.uid}`, e);
    } else if (req.method === "PATCH" && evse !== undefined) {
      add(`${loc}/${evse}`, body);
    }
  }
  return seen;
}

/** Whether every eMSP's newest version of every EVSE is `r`. */
export function allAt(emsps: readonly FakePlatform[], r: number): boolean {
  return emsps.every((emsp) => {
    const seen = versions(emsp);
    return LOCATIONS.every((loc) =>
      EVSES.every((evse) => seen.get(`${loc}/${evse}`)?.at(-1)?.round === r),
    );
  });
}

/** Every eMSP got each EVSE's versions in order (a repeat is allowed, an older after a newer is not), ending at `r`. */
export function expectNewestInOrder(emsps: readonly FakePlatform[], r: number) {
  for (const [i, emsp] of emsps.entries()) {
    const seen = versions(emsp);
    for (const loc of LOCATIONS) {
      for (const evse of EVSES) {
        const rounds = (seen.get(`${loc}/${evse}`) ?? []).map((v) => v.round);
        const where = `eMSP ${i} ${loc}/${evse}: ${rounds.join(",")}`;
        expect(rounds, where).toEqual([...rounds].sort((a, b) => a - b));
        expect(rounds.at(-1), where).toBe(r);
        expect(seen.get(`${loc}/${evse}`)?.at(-1)?.status, where).toBe(
          STATUSES[r % STATUSES.length],
        );
      }
    }
  }
}

/** Whether one eMSP has version `r` of every EVSE. */
export function versionsComplete(emsp: FakePlatform, r: number): boolean {
  const seen = versions(emsp);
  return LOCATIONS.every((loc) => EVSES.every((e) => seen.get(`${loc}/${e}`)?.at(-1)?.round === r));
}

/** The example location's EVSEs at version `r`, with their status of that round. */
export function evsesAt(loc: string, r: number) {
  return locationOf(OWNER, loc, at(r)).evses.map((e: object) => ({
    ...e,
    status: STATUSES[r % STATUSES.length],
    last_updated: at(r),
  }));
}
