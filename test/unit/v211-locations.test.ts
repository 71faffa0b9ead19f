import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { EnergyMixSchema, HoursSchema } from "../../src/ocpi/schemas/common.js";
import {
  ConnectorPatchSchema,
  ConnectorSchema,
  EvsePatchSchema,
  EvseSchema,
  LocationPatchSchema,
  LocationSchema,
} from "../../src/ocpi/schemas/locations.js";
import {
  connectorPatchToV211,
  connectorPatchToV221,
  connectorToV211,
  connectorToV221,
  evsePatchToV211,
  evsePatchToV221,
  evseToV211,
  evseToV221,
} from "../../src/versions/v2_1_1/evses.js";
import {
  locationPatchToV211,
  locationPatchToV221,
  locationToV211,
  locationToV221,
} from "../../src/versions/v2_1_1/locations.js";
import {
  Connector211Schema,
  ConnectorPatch211Schema,
  EnergyMix211Schema,
  Evse211Schema,
  EvsePatch211Schema,
  Location211Schema,
  LocationPatch211Schema,
} from "../../src/versions/v2_1_1/schemas/locations.js";
import { Hours211Schema } from "../../src/versions/v2_1_1/schemas/primitives.js";
import type { TranslationContext } from "../../src/versions/v2_1_1/translation.js";
import { example } from "../support/examples.js";
import { type Example211, examples211, parse211 } from "../support/examples-2.1.1.js";
import {
  expectStrictlyValid,
  failingPaths,
  fieldsOf,
  fragment211,
  refusalOfTranslation,
  request211,
} from "../support/translation-2.1.1.js";

const ctx: TranslationContext = { party: { countryCode: "BE", partyId: "BEC" } };
const receivedAt = new Date("2026-03-01T10:00:00.000Z");

const pages = examples211("mod_locations");
const byLine = (line: number): Example211 => {
  const found = pages.find((e) => e.line === line);
  if (found === undefined) throw new Error(`no json block at line ${line}`);
  return found;
};

/** The 2.1.1 Location example (mod_locations.md § 3.1). */
const location211 = () => parse211(byLine(431));

/** Which schema a PATCH URL's segments after /locations/ name: cc/pid/location[/evse[/connector]]. */
const PATCH_OF_DEPTH: Record<number, { what: string; schema: z.ZodType; v221: z.ZodType }> = {
  3: { what: "Location PATCH", schema: LocationPatch211Schema, v221: LocationPatchSchema },
  4: { what: "EVSE PATCH", schema: EvsePatch211Schema, v221: EvsePatchSchema },
  5: { what: "Connector PATCH", schema: ConnectorPatch211Schema, v221: ConnectorPatchSchema },
};

/** A 2.1.1 PATCH body as 2.2.1, by the object its URL names. */
function patchToV221(depth: number, body: any) {
  if (depth === 3) return locationPatchToV221(body, receivedAt);
  if (depth === 4) return evsePatchToV221(body, receivedAt);
  return connectorPatchToV221(body, receivedAt);
}

describe("the OCPI 2.1.1 Locations examples (mod_locations.md)", () => {
  it("are ten json blocks, each covered below", () => {
    expect(pages.map((e) => e.line)).toEqual([289, 302, 315, 328, 354, 431, 707, 715, 725, 1006]);
  });

  it.each([289, 302, 315, 354])(
    "the PATCH at line %i is valid for the object its URL names, and valid 2.2.1 translated",
    (line) => {
      const { method, segments, body } = request211(byLine(line), "locations");
      expect(method).toBe("PATCH");
      const patch = PATCH_OF_DEPTH[segments.length];
      if (patch === undefined) throw new Error(`unexpected URL depth ${segments.length}`);
      expectStrictlyValid(patch.schema, body, patch.what);
      const translated = patchToV221(segments.length, body);
      expect(translated.losses).toEqual([]);
      expectStrictlyValid(patch.v221, translated.value, `${patch.what} as 2.2.1`);
      expect(translated.value.last_updated).toBe("2026-03-01T10:00:00.000Z");
    },
  );

  it("the connector's tariff_id PATCH becomes a tariff_ids list", () => {
    const { body } = request211(byLine(315), "locations");
    expect(connectorPatchToV221(body, receivedAt).value).toEqual({
      tariff_ids: ["15"],
      last_updated: "2026-03-01T10:00:00.000Z",
    });
  });

  it("the 'add an EVSE' PUT is a known erratum: it fails exactly where the EVSE table disagrees", () => {
    // Its connector lacks power_type, voltage, amperage and last_updated, the
    // EVSE lacks last_updated, and physical_reference and floor_level are
    // numbers where the table says string(16) and string(4).
    const { method, segments, body } = request211(byLine(328), "locations");
    expect([method, segments.length]).toEqual(["PUT", 4]);
    expect(failingPaths(Evse211Schema, body).sort()).toEqual(
      [
        "connectors.0.power_type",
        "connectors.0.voltage",
        "connectors.0.amperage",
        "connectors.0.last_updated",
        "floor_level",
        "physical_reference",
        "last_updated",
      ].sort(),
    );
  });

  it("the Location example is valid and translates to a valid 2.2.1 Location with the mapped values", () => {
    const src = location211();
    expectStrictlyValid(Location211Schema, src, "2.1.1 Location");
    const { value, losses } = locationToV221(src, ctx);
    expect(losses).toEqual([]);
    expectStrictlyValid(LocationSchema, value, "2.2.1 Location");
    expect(value).toMatchObject({
      country_code: "BE",
      party_id: "BEC",
      publish: true,
      time_zone: "Europe/Brussels",
      parking_type: "ON_STREET",
      postal_code: "9000",
    });
    expect(value).not.toHaveProperty("type");
    const connector = value.evses?.[0]?.connectors[0];
    expect(connector).toMatchObject({ max_voltage: 220, max_amperage: 16, tariff_ids: ["11"] });
    expect(connector).not.toHaveProperty("voltage");
    expect(connector).not.toHaveProperty("tariff_id");
  });

  it.each([707, 715, 725])(
    "the energy_mix fragment at line %i is valid, and valid 2.2.1 inside the Location example",
    (line) => {
      const { energy_mix } = fragment211(byLine(line));
      expectStrictlyValid(EnergyMix211Schema, energy_mix, "2.1.1 EnergyMix");
      const { value } = locationToV221({ ...location211(), energy_mix }, ctx);
      expectStrictlyValid(EnergyMixSchema, value.energy_mix, "2.2.1 EnergyMix");
      expectStrictlyValid(LocationSchema, value, "2.2.1 Location");
    },
  );

  it("the complete energy mix's impact `source` becomes 2.2.1's `category`", () => {
    const { energy_mix } = fragment211(byLine(725));
    const { value } = locationToV221({ ...location211(), energy_mix }, ctx);
    expect(value.energy_mix?.environ_impact).toEqual([
      { category: "NUCLEAR_WASTE", amount: 0.0006 },
      { category: "CARBON_DIOXIDE", amount: 372 },
    ]);
  });

  it("the opening_times fragment is valid, and valid 2.2.1 inside the Location example", () => {
    const { opening_times } = fragment211(byLine(1006));
    expectStrictlyValid(Hours211Schema, opening_times, "2.1.1 Hours");
    const { value } = locationToV221({ ...location211(), opening_times }, ctx);
    expectStrictlyValid(HoursSchema, value.opening_times, "2.2.1 Hours");
  });
});

describe("2.1.1 → 2.2.1 derivations and refusals", () => {
  it("twentyfourseven left out beside regular hours becomes false", () => {
    const { opening_times } = fragment211(byLine(1006));
    delete opening_times.twentyfourseven;
    expectStrictlyValid(Hours211Schema, opening_times, "2.1.1 Hours");
    const { value } = locationToV221({ ...location211(), opening_times }, ctx);
    expect(value.opening_times?.twentyfourseven).toBe(false);
    expectStrictlyValid(LocationSchema, value, "2.2.1 Location");
  });

  it("a given time_zone is kept, not derived", () => {
    const { value } = locationToV221({ ...location211(), time_zone: "Europe/Paris" }, ctx);
    expect(value.time_zone).toBe("Europe/Paris");
  });

  it.each([
    ["Null Island, in the sea", "0.000000", "0.000000"],
    ["the mid-Atlantic", "30.000000", "-40.000000"],
    ["a latitude past the pole", "95.000000", "3.729944"],
  ])("a location without time_zone at %s is refused with 2001 naming time_zone", (_, lat, lon) => {
    const src = { ...location211(), coordinates: { latitude: lat, longitude: lon } };
    expect(Location211Schema.safeParse(src).success).toBe(true);
    const err = refusalOfTranslation(() => locationToV221(src, ctx));
    expect(err.message).toContain("time_zone: ");
  });

  it.each([
    ["UNKNOWN", []],
    ["OTHER", ["type"]],
  ])("type %s becomes no parking_type, %j lost", (type, lost) => {
    const { value, losses } = locationToV221({ ...location211(), type }, ctx);
    expect(value).not.toHaveProperty("parking_type");
    expect(fieldsOf(losses)).toEqual(lost);
    expectStrictlyValid(LocationSchema, value, "2.2.1 Location");
  });

  it("an id or EVSE uid longer than 2.2.1's 36 characters is refused naming it", () => {
    const long = "x".repeat(37);
    expect(
      refusalOfTranslation(() => locationToV221({ ...location211(), id: long }, ctx)).message,
    ).toContain("id: ");
    const src = location211();
    src.evses[1].uid = long;
    expect(refusalOfTranslation(() => locationToV221(src, ctx)).message).toContain(
      "evses[1].uid: ",
    );
  });

  it("a PATCH with new coordinates brings their time zone; a PATCH with last_updated keeps it", () => {
    const { value } = locationPatchToV221(
      {
        coordinates: { latitude: "48.856613", longitude: "2.352222" },
        last_updated: "2026-02-01T00:00:00Z",
      },
      receivedAt,
    );
    expect(value).toEqual({
      coordinates: { latitude: "48.856613", longitude: "2.352222" },
      time_zone: "Europe/Paris",
      last_updated: "2026-02-01T00:00:00Z",
    });
  });

  it("a PATCH of type OTHER clears parking_type and reports the loss", () => {
    const { value, losses } = locationPatchToV221({ type: "OTHER" }, receivedAt);
    expect(value).toEqual({ parking_type: null, last_updated: receivedAt.toISOString() });
    expect(fieldsOf(losses)).toEqual(["type"]);
    expectStrictlyValid(LocationPatchSchema, value, "2.2.1 Location PATCH");
  });

  it("a single EVSE and Connector translate on their own too", () => {
    const evse = location211().evses[0];
    expectStrictlyValid(EvseSchema, evseToV221(evse).value, "2.2.1 EVSE");
    expectStrictlyValid(Connector211Schema, evse.connectors[0], "2.1.1 Connector");
    expectStrictlyValid(
      ConnectorSchema,
      connectorToV221(evse.connectors[0]).value,
      "2.2.1 Connector",
    );
  });
});
