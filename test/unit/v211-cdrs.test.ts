import { describe, expect, it } from "vitest";
import { CdrSchema } from "../../src/ocpi/schemas/cdrs.js";
import { cdrTo211, cdrTo221 } from "../../src/versions/v2_1_1/cdrs.js";
import { Cdr211Schema } from "../../src/versions/v2_1_1/schemas/cdrs.js";
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

/** The 2.1.1 spec's CDR with its errata fixed (see v211-schemas.test.ts). */
function cdr211(): any {
  const cdr = fixLocationErrata(body211(exampleUnder("mod_cdrs", "Example of a CDR")));
  cdr.tariffs[0].elements[0].price_components[0].price = 2.0;
  return cdr;
}

describe("the 2.1.1 spec's CDR translated to 2.2.1", () => {
  it("is a valid 2.2.1 CDR with the derived CdrToken, CdrLocation and Price", async () => {
    const { value, losses } = await cdrTo221(cdr211(), fakeContext(CPO));
    expectValid(CdrSchema, value);
    expect(value).toMatchObject({
      country_code: "BE",
      party_id: "BEC",
      id: "12345",
      end_date_time: "2015-06-29T23:37:32Z",
      cdr_token: {
        country_code: "DE",
        party_id: "TNM",
        uid: "012345678",
        contract_id: "DE8ACC12E46L89",
      },
      cdr_location: {
        id: "LOC1",
        country: "BEL",
        coordinates: { latitude: "51.047599", longitude: "3.729944" },
        evse_uid: "3256",
        evse_id: "BE-BEC-E041503003",
        connector_id: "1",
        connector_standard: "IEC_62196_T2",
        connector_format: "SOCKET",
        connector_power_type: "AC_1_PHASE",
      },
      total_cost: { excl_vat: 4 },
      total_energy: 15.342,
      total_time: 1.973,
    });
    expect(value.tariffs?.[0]).toMatchObject({ country_code: "BE", party_id: "BEC", id: "12" });
    expect(losses.map((l) => l.field)).toEqual([
      "location.type",
      "location.last_updated",
      "location.evses[0].status",
      "location.evses[0].last_updated",
      "location.evses[0].connectors[0].voltage",
      "location.evses[0].connectors[0].amperage",
      "location.evses[0].connectors[0].tariff_id",
      "location.evses[0].connectors[0].last_updated",
    ]);
  });

  it("an EVSE without evse_id: 2001 naming cdr_location.evse_id", async () => {
    const cdr = cdr211();
    delete cdr.location.evses[0].evse_id;
    const err = await translationRefusal(() => cdrTo221(cdr, fakeContext(CPO)));
    expect(err.statusCode).toBe(2001);
    expect(err.message).toMatch(/: cdr_location\.evse_id: /);
  });

  it("an auth_id the hub does not know: 2001 naming cdr_token", async () => {
    const err = await translationRefusal(() =>
      cdrTo221({ ...cdr211(), auth_id: "X-1" }, fakeContext(CPO)),
    );
    expect(err.message).toMatch(/: cdr_token: /);
  });

  it("periods of FLAT only are lost; a CDR left without any is refused naming charging_periods", async () => {
    const cdr = cdr211();
    cdr.charging_periods = [
      { start_date_time: "2015-06-29T21:39:09Z", dimensions: [{ type: "FLAT", volume: 1 }] },
    ];
    const err = await translationRefusal(() => cdrTo221(cdr, fakeContext(CPO)));
    expect(err.message).toMatch(/: charging_periods: /);
  });
});

describe("the 2.2.1 spec's CDR to 2.1.1 and back", () => {
  it("validates in 2.1.1 and comes back equal but for exactly the reported losses", async () => {
    const original = example("cdr_example.json");
    const to211 = await cdrTo211(original, fakeContext(EMSP));
    expectValid(Cdr211Schema, to211.value);
    expect(to211.losses.map((l) => l.field)).toEqual([
      "country_code",
      "party_id",
      "total_time_cost",
      "tariffs[0].elements[0].price_components[0].vat",
      "charging_periods[0].tariff_id",
      "total_cost.incl_vat",
    ]);
    expect(to211.value).toMatchObject({
      auth_id: "DE8ACC12E46L89",
      stop_date_time: "2015-06-29T23:37:32Z",
      total_cost: 4,
      location: {
        id: "LOC1",
        type: "ON_STREET",
        evses: [
          {
            uid: "3256",
            evse_id: "BE*BEC*E041503003",
            connectors: [{ id: "1", power_type: "AC_1_PHASE" }],
          },
        ],
      },
    });
    const back = await cdrTo221(to211.value, fakeContext(CPO));
    expectValid(CdrSchema, back.value);
    expectSameBesidesLosses(original, back.value, to211.losses);
  });

  it("every 2.2.1-only field is a reported loss", async () => {
    const cdr = {
      ...example("cdr_example.json"),
      session_id: "101",
      authorization_reference: "AUTH-1",
      auth_method: "COMMAND",
      total_fixed_cost: { excl_vat: 1 },
      total_energy_cost: { excl_vat: 1 },
      total_parking_cost: { excl_vat: 0 },
      total_reservation_cost: { excl_vat: 0 },
      invoice_reference_id: "INV-1",
      credit: true,
      credit_reference_id: "CR-1",
      home_charging_compensation: false,
      signed_data: {
        encoding_method: "OCMF",
        signed_values: [{ nature: "Start", plain_data: "a", signed_data: "b" }],
      },
    };
    cdr.cdr_location.state = "Oost-Vlaanderen";
    const { value, losses } = await cdrTo211(cdr, fakeContext(EMSP));
    expectValid(Cdr211Schema, value);
    expect(value.auth_method).toBe("AUTH_REQUEST");
    const fields = losses.map((l) => l.field);
    for (const field of [
      "session_id",
      "authorization_reference",
      "auth_method",
      "signed_data",
      "total_fixed_cost",
      "total_energy_cost",
      "total_parking_cost",
      "total_reservation_cost",
      "invoice_reference_id",
      "credit",
      "credit_reference_id",
      "home_charging_compensation",
      "cdr_location.state",
    ])
      expect(fields).toContain(field);
  });

  it("an id over 2.1.1's 36 characters: 2001 naming id", async () => {
    const cdr = { ...example("cdr_example.json"), id: "C".repeat(39) };
    const err = await translationRefusal(() => cdrTo211(cdr, fakeContext(EMSP)));
    expect(err.message).toMatch(/: id: /);
  });

  it("a location the hub does not hold: 2001 naming cdr_location.id", async () => {
    const cdr = example("cdr_example.json");
    cdr.cdr_location.id = "LOC9";
    const err = await translationRefusal(() => cdrTo211(cdr, fakeContext(EMSP)));
    expect(err.message).toMatch(/: cdr_location\.id: /);
  });

  it("a power type 2.1.1 lacks (AC_2_PHASE): 2001 naming cdr_location.connector_power_type", async () => {
    const cdr = example("cdr_example.json");
    cdr.cdr_location.connector_power_type = "AC_2_PHASE";
    const err = await translationRefusal(() => cdrTo211(cdr, fakeContext(EMSP)));
    expect(err.message).toMatch(/: cdr_location\.connector_power_type: /);
  });
});
