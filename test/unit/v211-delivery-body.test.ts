import { describe, expect, it } from "vitest";
import { bodyFor211 } from "../../src/delivery/v211-body.js";
import { Location211Schema } from "../../src/versions/v2_1_1/schemas/locations.js";
import { Token211PatchSchema, Token211Schema } from "../../src/versions/v2_1_1/schemas/tokens.js";
import { locationOf, tariffOf } from "../support/cache-fixtures.js";
import { example } from "../support/examples.js";

/** A delivery's path and query. */
const at = (path: string, query = "") => ({ path, query });

/** The body a 2.1.1 recipient gets for a queued 2.2.1 push, or why it gets none. */
describe("bodyFor211", () => {
  it("translates a full location at its path, tariff_ids becoming tariff_id", () => {
    const location = locationOf("NL/CPO", "LOC1");
    const out = bodyFor211("locations", "PUT", at("/NL/CPO/LOC1"), JSON.stringify(location));
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
    const out = bodyFor211("locations", "PATCH", at("/NL/CPO/LOC1/EVSE1"), JSON.stringify(patch));
    if (!("body" in out)) throw new Error(out.refused);
    expect(JSON.parse(out.body as string)).toMatchObject({
      status: "CHARGING",
      capabilities: ["RFID_READER"],
    });
    expect(out.losses.map((l) => l.field)).toEqual(["capabilities[1]"]);
  });

  it("refuses what 2.1.1 cannot carry, naming why", () => {
    const hidden = { ...locationOf("NL/CPO", "LOC2"), publish: false };
    const refused = bodyFor211("locations", "PUT", at("/NL/CPO/LOC2"), JSON.stringify(hidden));
    expect(refused).toEqual({ refused: expect.stringMatching(/publish/) });

    const reservations = tariffOf("NL/CPO", "T1");
    for (const e of reservations.elements) e.restrictions = { reservation: "RESERVATION" };
    const tariff = bodyFor211("tariffs", "PUT", at("/NL/CPO/T1"), JSON.stringify(reservations));
    expect(tariff).toEqual({ refused: expect.stringMatching(/elements/) });

    expect(bodyFor211("tokens", "PUT", at("/NL/EMS/UID1", "type=RFID"), undefined)).toEqual({
      refused: "no OCPI 2.1.1 token PUT without a body",
    });
  });

  it("translates a token PUT to 2.1.1, contract_id as auth_id, its URL without ?type=", () => {
    const token = { ...example("token_put_example.json"), type: "APP_USER", group_id: "G1" };
    const out = bodyFor211(
      "tokens",
      "PUT",
      at("/DE/TNM/UID1", "type=APP_USER"),
      JSON.stringify(token),
    );
    if (!("body" in out)) throw new Error(out.refused);
    const body = JSON.parse(out.body as string);
    expect(Token211Schema.safeParse(body).success, out.body).toBe(true);
    expect(body).toMatchObject({ uid: token.uid, auth_id: token.contract_id, type: "OTHER" });
    expect(body.country_code).toBeUndefined();
    expect(out.query).toBe("");
    expect(out.losses.map((l) => l.field).sort()).toEqual(["group_id", "type"]);
  });

  it("translates a token PATCH, the URL's type other than RFID a loss as the body does not carry it", () => {
    const patch = { valid: false, last_updated: "2026-01-02T10:00:00Z" };
    const out = bodyFor211(
      "tokens",
      "PATCH",
      at("/DE/TNM/UID1", "type=APP_USER"),
      JSON.stringify(patch),
    );
    if (!("body" in out)) throw new Error(out.refused);
    const body = JSON.parse(out.body as string);
    expect(Token211PatchSchema.safeParse(body).success).toBe(true);
    expect(body).toEqual(patch);
    expect(out.query).toBe("");
    expect(out.losses).toEqual([{ field: "type", reason: expect.stringMatching(/APP_USER/) }]);

    const rfid = bodyFor211(
      "tokens",
      "PATCH",
      at("/DE/TNM/UID1", "type=RFID"),
      JSON.stringify(patch),
    );
    expect(rfid).toEqual({ body: JSON.stringify(patch), query: "", losses: [] });
  });

  it("passes a DELETE without a body", () => {
    expect(bodyFor211("tariffs", "DELETE", at("/NL/CPO/T1"), undefined)).toEqual({
      body: undefined,
      query: "",
      losses: [],
    });
  });
});
