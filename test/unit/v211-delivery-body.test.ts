import { describe, expect, it } from "vitest";
import { bodyFor211 } from "../../src/delivery/v211-body.js";
import { Location211Schema } from "../../src/versions/v2_1_1/schemas/locations.js";
import { locationOf, tariffOf } from "../support/cache-fixtures.js";

/** The body a 2.1.1 recipient gets for a queued 2.2.1 push, or why it gets none. */
describe("bodyFor211", () => {
  it("translates a full location at its path, tariff_ids becoming tariff_id", () => {
    const location = locationOf("NL/CPO", "LOC1");
    const out = bodyFor211("locations", "PUT", "/NL/CPO/LOC1", JSON.stringify(location));
    if (!("body" in out)) throw new Error(out.refused);
    const body = JSON.parse(out.body as string);
    expect(Location211Schema.safeParse(body).success).toBe(true);
    expect(body.type).toBe(location.parking_type);
    expect(body.evses[0].connectors[0].tariff_id).toBe(
      location.evses[0].connectors[0].tariff_ids[0],
    );
  });

  it("translates a PATCH as a PATCH of the level its path names", () => {
    const patch = { status: "CHARGING", capabilities: ["RFID_READER", "PED_TERMINAL"] };
    const out = bodyFor211("locations", "PATCH", "/NL/CPO/LOC1/EVSE1", JSON.stringify(patch));
    if (!("body" in out)) throw new Error(out.refused);
    expect(JSON.parse(out.body as string)).toMatchObject({
      status: "CHARGING",
      capabilities: ["RFID_READER"],
    });
    expect(out.losses.map((l) => l.field)).toEqual(["capabilities[1]"]);
  });

  it("refuses what 2.1.1 cannot carry, naming why", () => {
    const hidden = { ...locationOf("NL/CPO", "LOC2"), publish: false };
    const refused = bodyFor211("locations", "PUT", "/NL/CPO/LOC2", JSON.stringify(hidden));
    expect(refused).toEqual({ refused: expect.stringMatching(/publish/) });

    const reservations = tariffOf("NL/CPO", "T1");
    for (const e of reservations.elements) e.restrictions = { reservation: "RESERVATION" };
    const tariff = bodyFor211("tariffs", "PUT", "/NL/CPO/T1", JSON.stringify(reservations));
    expect(tariff).toEqual({ refused: expect.stringMatching(/elements/) });

    const token = bodyFor211("tokens", "PUT", "/NL/EMS/UID1", "{}");
    expect(token).toEqual({ refused: "no OCPI 2.1.1 translation of tokens /NL/EMS/UID1" });
  });

  it("passes a DELETE without a body", () => {
    expect(bodyFor211("tariffs", "DELETE", "/NL/CPO/T1", undefined)).toEqual({
      body: undefined,
      losses: [],
    });
  });
});
