import { expect } from "vitest";
import type { FakePlatform } from "./fake-platform.js";
import type { Modules, Party } from "./parties.js";
import type { TestHub } from "./test-hub.js";

/**
 * What a 2.1.1 platform sends the hub, built per test: a location in Ghent
 * (EVSE 3256, connector 1), a tariff, a token, a session and a CDR at such
 * a location. Each is a valid 2.1.1 object; callers may change their copy.
 */

const AT = "2026-01-02T10:00:00Z";

/** A 2.1.1 location in Ghent (no time_zone: the hub derives it) with one EVSE and one connector. */
export function location211(id: string, evseStatus = "AVAILABLE"): any {
  return {
    id,
    type: "ON_STREET",
    name: "Gent Zuid",
    address: "F.Rooseveltlaan 3A",
    city: "Gent",
    postal_code: "9000",
    country: "BEL",
    coordinates: { latitude: "51.047599", longitude: "3.729944" },
    evses: [
      {
        uid: "3256",
        evse_id: "BE*OLD*E3256",
        status: evseStatus,
        connectors: [
          {
            id: "1",
            standard: "IEC_62196_T2",
            format: "CABLE",
            power_type: "AC_3_PHASE",
            voltage: 220,
            amperage: 16,
            last_updated: AT,
          },
        ],
        last_updated: AT,
      },
    ],
    last_updated: AT,
  };
}

/** A 2.1.1 tariff: 0.25 EUR per kWh. */
export function tariff211(id: string): any {
  return {
    id,
    currency: "EUR",
    elements: [{ price_components: [{ type: "ENERGY", price: 0.25, step_size: 1 }] }],
    last_updated: AT,
  };
}

/** A 2.1.1 RFID token whose auth_id (2.2.1's contract_id) is `authId`. */
export function token211(uid: string, authId: string): any {
  return {
    uid,
    type: "RFID",
    auth_id: authId,
    issuer: "ELD Laden",
    valid: true,
    whitelist: "ALLOWED",
    last_updated: AT,
  };
}

/** A 2.1.1 session at `location`, for the token with `authId`. */
export function session211(id: string, authId: string, location: any): any {
  return {
    id,
    start_datetime: "2026-01-02T11:00:00Z",
    kwh: 3.5,
    auth_id: authId,
    auth_method: "WHITELIST",
    location,
    currency: "EUR",
    charging_periods: [
      { start_date_time: "2026-01-02T11:00:00Z", dimensions: [{ type: "ENERGY", volume: 3.5 }] },
    ],
    total_cost: 1.25,
    status: "ACTIVE",
    last_updated: "2026-01-02T11:30:00Z",
  };
}

/** A 2.1.1 CDR at `location`, for the token with `authId`. */
export function cdr211(id: string, authId: string, location: any): any {
  return {
    id,
    start_date_time: "2026-01-02T11:00:00Z",
    stop_date_time: "2026-01-02T12:00:00Z",
    auth_id: authId,
    auth_method: "WHITELIST",
    location,
    currency: "EUR",
    charging_periods: [
      { start_date_time: "2026-01-02T11:00:00Z", dimensions: [{ type: "ENERGY", volume: 7 }] },
    ],
    total_cost: 2.5,
    total_energy: 7,
    total_time: 1,
    last_updated: "2026-01-02T12:00:00Z",
  };
}

/** A platform invited with one party and registered over 2.1.1, and the hub's id of it. */
export async function connect211(
  hub: TestHub,
  role: Party,
  modules: Modules,
): Promise<{ platform: FakePlatform; id: string }> {
  const platform = await hub.fake({ roles: [role], ocpiVersions: ["2.1.1"], modules });
  const invited = await hub.invite([role], `${role.role} on 2.1.1`);
  const answer = await platform.register211(invited.versions_url, invited.token_a);
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(1000);
  return { platform, id: invited.id };
}
