import { describe, expect, it } from "vitest";
import { SessionPatchSchema, SessionSchema } from "../../src/ocpi/schemas/sessions.js";
import {
  Session211PatchSchema,
  Session211Schema,
} from "../../src/versions/v2_1_1/schemas/sessions.js";
import {
  sessionPatchTo211,
  sessionPatchTo221,
  sessionTo211,
  sessionTo221,
} from "../../src/versions/v2_1_1/sessions.js";
import { example } from "../support/examples.js";
import {
  body211,
  CPO,
  EMSP,
  exampleUnder,
  expectSameBesidesLosses,
  expectValid,
  fakeContext,
  fixLocationErrata,
  translationRefusal,
} from "../support/v211.js";

const starting211 = () =>
  fixLocationErrata(
    body211(exampleUnder("mod_sessions", "Simple Session example of a just starting session")),
  );
const finished211 = () =>
  fixLocationErrata(
    body211(exampleUnder("mod_sessions", "Simple Session example of a short finished session")),
  );
const RECEIVED = new Date("2024-05-01T10:00:00.000Z");

describe("2.1.1 Sessions of the spec translated to 2.2.1", () => {
  it("the starting session: CdrToken from the index, ids from the location, Price from the number", async () => {
    const { value, losses } = await sessionTo221(starting211(), fakeContext(CPO));
    expectValid(SessionSchema, value);
    expect(losses).toEqual([]);
    expect(value).toMatchObject({
      country_code: "BE",
      party_id: "BEC",
      id: "101",
      start_date_time: "2015-06-29T22:39:09Z",
      cdr_token: {
        country_code: "DE",
        party_id: "TNM",
        uid: "012345678",
        type: "RFID",
        contract_id: "DE8ACC12E46L89",
      },
      location_id: "LOC1",
      evse_uid: "3256",
      connector_id: "1",
      total_cost: { excl_vat: 2.5 },
      status: "PENDING",
    });
    expect(value).not.toHaveProperty("location");
    expect(value).not.toHaveProperty("auth_id");
  });

  it("the finished session keeps its charging periods and end", async () => {
    const source = finished211();
    const { value, losses } = await sessionTo221(source, fakeContext(CPO));
    expectValid(SessionSchema, value);
    expect(losses).toEqual([]);
    expect(value.end_date_time).toBe("2015-06-29T23:50:16Z");
    expect(value.charging_periods).toEqual(source.charging_periods);
  });

  it("the PATCH of total_cost, last_updated being when the hub received it", async () => {
    const patch = body211(exampleUnder("mod_sessions", "Example: update the total cost"));
    const { value, losses } = await sessionPatchTo221(patch, fakeContext(CPO), RECEIVED);
    expectValid(SessionPatchSchema, value);
    expect(losses).toEqual([]);
    expect(value).toEqual({
      total_cost: { excl_vat: 0.6 },
      last_updated: "2024-05-01T10:00:00.000Z",
    });
  });

  it("a PATCH with its own last_updated keeps it", async () => {
    const patch = { status: "COMPLETED" as const, last_updated: "2015-06-29T23:50:16Z" };
    const { value } = await sessionPatchTo221(patch, fakeContext(CPO), RECEIVED);
    expect(value).toEqual(patch);
  });
});

describe("2.2.1 Sessions of the spec to 2.1.1 and back", () => {
  it.each([
    ["session_example_1_simple_start.json", []],
    [
      "session_example_2_short_finished.json",
      ["charging_periods[2].tariff_id", "total_cost.incl_vat"],
    ],
  ])("%s loses exactly %j", async (file, lost) => {
    const original = example(file);
    const owner = { countryCode: original.country_code, partyId: original.party_id };
    const to211 = await sessionTo211(original, fakeContext(EMSP));
    expectValid(Session211Schema, to211.value);
    expect(to211.losses.map((l) => l.field)).toEqual(lost);
    expect(to211.value.auth_id).toBe(original.cdr_token.contract_id);
    expect(to211.value.location.id).toBe("LOC1");
    expect(to211.value.location.evses).toHaveLength(1);
    expect(to211.value.location.evses?.[0]?.uid).toBe("3256");
    expect(to211.value.location.evses?.[0]?.connectors.map((c) => c.id)).toEqual(["1"]);
    const back = await sessionTo221(to211.value, fakeContext(owner));
    expectValid(SessionSchema, back.value);
    expectSameBesidesLosses(original, back.value, to211.losses);
  });

  it.each([
    ["session_patch_example_charging_period.json", ["total_cost.incl_vat"]],
    ["session_patch_example_total_cost.json", ["total_cost.incl_vat"]],
  ])("the PATCH %s loses exactly %j", async (file, lost) => {
    const original = example(file);
    const to211 = await sessionPatchTo211(original, CPO, fakeContext(EMSP));
    expectValid(Session211PatchSchema, to211.value);
    expect(to211.losses.map((l) => l.field)).toEqual(lost);
    const back = await sessionPatchTo221(to211.value, fakeContext(CPO), RECEIVED);
    expectValid(SessionPatchSchema, back.value);
    expectSameBesidesLosses(original, back.value, to211.losses);
  });
});

describe("what 2.1.1 cannot carry is reported, what 2.2.1 requires and cannot be derived is refused", () => {
  const started = () => example("session_example_1_simple_start.json");

  it("2.2.1-only values travel as their nearest 2.1.1 value, reported", async () => {
    const session = {
      ...started(),
      status: "RESERVATION",
      auth_method: "COMMAND",
      authorization_reference: "AUTH-1",
      charging_periods: [
        {
          start_date_time: "2020-03-09T10:17:09Z",
          dimensions: [
            { type: "ENERGY", volume: 1.5 },
            { type: "STATE_OF_CHARGE", volume: 40 },
          ],
        },
        { start_date_time: "2020-03-09T10:20:00Z", dimensions: [{ type: "POWER", volume: 11 }] },
      ],
    };
    const { value, losses } = await sessionTo211(session, fakeContext(EMSP));
    expectValid(Session211Schema, value);
    expect(value.status).toBe("PENDING");
    expect(value.auth_method).toBe("AUTH_REQUEST");
    expect(value.charging_periods).toEqual([
      { start_date_time: "2020-03-09T10:17:09Z", dimensions: [{ type: "ENERGY", volume: 1.5 }] },
    ]);
    expect(losses.map((l) => l.field).sort()).toEqual([
      "auth_method",
      "authorization_reference",
      "charging_periods[0].dimensions[1]",
      "charging_periods[1]",
      "charging_periods[1].dimensions[0]",
      "status",
    ]);
    expect(losses.find((l) => l.field === "status")?.reason).toContain("RESERVATION");
  });

  it("2.1.1's FLAT dimension has no 2.2.1 type: lost, reported", async () => {
    const session = finished211();
    session.charging_periods[0].dimensions.push({ type: "FLAT", volume: 1 });
    const { value, losses } = await sessionTo221(session, fakeContext(CPO));
    expectValid(SessionSchema, value);
    expect(losses).toEqual([
      { field: "charging_periods[0].dimensions[2]", reason: "type FLAT not in OCPI 2.2.1" },
    ]);
  });

  it("a location with more EVSEs: the first is used, the others reported", async () => {
    const session = starting211();
    const second = structuredClone(session.location.evses[0]);
    second.uid = "3257";
    session.location.evses.push(second);
    const { value, losses } = await sessionTo221(session, fakeContext(CPO));
    expect(value.evse_uid).toBe("3256");
    expect(losses.map((l) => l.field)).toEqual(["location.evses[1]"]);
  });

  it("an auth_id the hub does not know: 2001 naming cdr_token", async () => {
    const session = { ...starting211(), auth_id: "UNKNOWN-CONTRACT" };
    const err = await translationRefusal(() => sessionTo221(session, fakeContext(CPO)));
    expect(err.statusCode).toBe(2001);
    expect(err.message).toMatch(/: cdr_token: /);
    expect(err.message).toContain("UNKNOWN-CONTRACT");
  });

  it("a PATCH naming an unknown auth_id is refused the same way", async () => {
    const err = await translationRefusal(() =>
      sessionPatchTo221({ auth_id: "NOPE" }, fakeContext(CPO), RECEIVED),
    );
    expect(err.message).toMatch(/: cdr_token: /);
  });

  it("a 2.1.1 location without EVSE: 2001 naming evse_uid", async () => {
    const session = starting211();
    session.location.evses = [];
    const err = await translationRefusal(() => sessionTo221(session, fakeContext(CPO)));
    expect(err.message).toMatch(/: evse_uid: /);
  });

  it("a location the hub does not hold, or an EVSE it lacks: 2001 naming location_id, evse_uid", async () => {
    const noLocation = await translationRefusal(() =>
      sessionTo211({ ...started(), location_id: "LOC9" }, fakeContext(EMSP)),
    );
    expect(noLocation.message).toMatch(/: location_id: /);
    const noEvse = await translationRefusal(() =>
      sessionTo211({ ...started(), evse_uid: "9999" }, fakeContext(EMSP)),
    );
    expect(noEvse.message).toMatch(/: evse_uid: /);
    const noConnector = await translationRefusal(() =>
      sessionTo211({ ...started(), connector_id: "7" }, fakeContext(EMSP)),
    );
    expect(noConnector.message).toMatch(/: connector_id: /);
  });

  it("a connector standard 2.1.1 lacks (GBT_DC): refused by the Locations translation, naming it", async () => {
    const location = example("location_example.json");
    location.country_code = "NL";
    location.party_id = "STK";
    location.evses[0].connectors[0].standard = "GBT_DC";
    const err = await translationRefusal(() =>
      sessionTo211(started(), fakeContext(EMSP, undefined, [location])),
    );
    expect(err.statusCode).toBe(2001);
    expect(err.message).toMatch(/: evses\[0\]\.connectors\[0\]\.standard: GBT_DC/);
  });

  it("a 2.2.1 PATCH naming only some of the location's ids loses them, reported", async () => {
    const { value, losses } = await sessionPatchTo211(
      { evse_uid: "3257", last_updated: "2020-03-09T10:17:09Z" },
      CPO,
      fakeContext(EMSP),
    );
    expect(value).toEqual({ last_updated: "2020-03-09T10:17:09Z" });
    expect(losses.map((l) => l.field)).toEqual(["evse_uid"]);
  });

  it("a location address over 2.1.1's 45 characters is cut; the location's losses are not the Session's", async () => {
    const location = example("location_example.json");
    location.country_code = "NL";
    location.party_id = "STK";
    location.address = "A".repeat(60);
    const { value, losses } = await sessionTo211(
      started(),
      fakeContext(EMSP, undefined, [location]),
    );
    expectValid(Session211Schema, value);
    expect(value.location.address).toBe("A".repeat(45));
    expect(losses).toEqual([]);
  });

  it("fields neither version defines pass unchanged both ways", async () => {
    const session = { ...started(), x_vendor_note: "kept" };
    const to211 = await sessionTo211(session, fakeContext(EMSP));
    expect(to211.value).toMatchObject({ x_vendor_note: "kept" });
    const back = await sessionTo221(
      to211.value,
      fakeContext({ countryCode: "NL", partyId: "STK" }),
    );
    expect(back.value).toEqual(session);
  });
});
