import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CdrSchema } from "../../src/ocpi/schemas/cdrs.js";
import {
  ActiveChargingProfileResultSchema,
  ActiveChargingProfileSchema,
  ChargingProfileResponseSchema,
  ChargingProfileResultSchema,
  ChargingProfileSchema,
  ClearProfileResultSchema,
  SetChargingProfileSchema,
} from "../../src/ocpi/schemas/charging-profiles.js";
import {
  CancelReservationSchema,
  COMMAND_SCHEMAS,
  CommandResponseSchema,
  CommandResultSchema,
  CommandType,
  ReserveNowSchema,
  StartSessionSchema,
  StopSessionSchema,
  UnlockConnectorSchema,
} from "../../src/ocpi/schemas/commands.js";
import {
  DisplayTextSchema,
  EnergyMixSchema,
  HoursSchema,
  PublishTokenTypeSchema,
} from "../../src/ocpi/schemas/common.js";
import { CredentialsSchema } from "../../src/ocpi/schemas/credentials.js";
import {
  ConnectorPatchSchema,
  ConnectorSchema,
  EvsePatchSchema,
  EvseSchema,
  LocationPatchSchema,
  LocationSchema,
} from "../../src/ocpi/schemas/locations.js";
import { DateTime } from "../../src/ocpi/schemas/primitives.js";
import {
  CdrTokenSchema,
  ChargingPeriodSchema,
  ChargingPreferencesResponse,
  ChargingPreferencesSchema,
  SessionPatchSchema,
  SessionSchema,
} from "../../src/ocpi/schemas/sessions.js";
import { TariffSchema } from "../../src/ocpi/schemas/tariffs.js";
import {
  AuthorizationInfoSchema,
  LocationReferencesSchema,
  TokenPatchSchema,
  TokenSchema,
  TokenType,
} from "../../src/ocpi/schemas/tokens.js";
import { VersionDetailsSchema, VersionListSchema } from "../../src/ocpi/schemas/version.js";
import { check, validate } from "../../src/ocpi/validate.js";
import { example, exampleFiles } from "../support/examples.js";
import { refusalOf } from "../support/expect.js";

const copy = <T>(value: T): T => structuredClone(value);

/** transport_and_format: Response format — the envelope around every answer's data. */
const EnvelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  status_code: z.int(),
  status_message: z.string().nullish(),
  timestamp: DateTime,
});

type Check = {
  /** What the example holds, as named in ocpi-hub-rules.md §7. */
  what: string;
  schema: z.ZodType;
  /** The part of the file to validate (a fragment's inner object). */
  pick?: (json: any) => unknown;
  /** The file is a response envelope whose `data` holds the object. */
  enveloped?: true;
};

const location = (what = "Location"): Check => ({ what, schema: LocationSchema });
const tariff: Check = { what: "Tariff", schema: TariffSchema };
const credentials: Check = { what: "Credentials", schema: CredentialsSchema };

/** ocpi-hub-rules.md §7: what each of the spec's examples holds. */
const EXAMPLES: Record<string, Check> = {
  "credentials_example.json": credentials,
  "credentials_example2.json": credentials,
  "credentials_example3.json": credentials,
  "credentials_example4.json": credentials,
  "versions_info_example.json": { what: "Version[]", schema: VersionListSchema },
  "version_details_example.json": { what: "VersionDetails", schema: VersionDetailsSchema },
  "version_details_example2.json": { what: "VersionDetails", schema: VersionDetailsSchema },
  "transport_and_format_version_info_example.json": {
    what: "envelope + Version[]",
    schema: VersionListSchema,
    enveloped: true,
  },
  "transport_and_format_version_details_example.json": {
    what: "envelope + VersionDetails",
    schema: VersionDetailsSchema,
    enveloped: true,
  },
  "transport_and_format_get_token_example.json": {
    what: "envelope + Token",
    schema: TokenSchema,
    enveloped: true,
  },
  "transport_and_format_get_token_list_example.json": {
    what: "envelope + Token[]",
    schema: z.array(TokenSchema),
    enveloped: true,
  },
  "type_displaytext_example.json": { what: "DisplayText", schema: DisplayTextSchema },
  "location_example.json": location(),
  "location_example_uc2_destination_charger.json": location(),
  "location_example_uc3_destination_charger_not_published.json": location(),
  "location_example_uc4_limited_visibility.json": location(),
  "location_example_uc5_home_charge_point.json": location(),
  "location_example_parking_garage_opening_hours.json": location(),
  "location_patch_example_location.json": { what: "Location PATCH", schema: LocationPatchSchema },
  "location_patch_example_status.json": { what: "EVSE PATCH", schema: EvsePatchSchema },
  "location_patch_example_remove_evse.json": { what: "EVSE PATCH", schema: EvsePatchSchema },
  "location_patch_example_tariff.json": { what: "Connector PATCH", schema: ConnectorPatchSchema },
  "location_energymix_example_simple.json": {
    what: "EnergyMix",
    schema: EnergyMixSchema,
    pick: (json) => json.energy_mix,
  },
  "location_energymix_example_energy_provider.json": {
    what: "EnergyMix",
    schema: EnergyMixSchema,
    pick: (json) => json.energy_mix,
  },
  "location_energymix_example_complete.json": {
    what: "EnergyMix",
    schema: EnergyMixSchema,
    pick: (json) => json.energy_mix,
  },
  "location_hours_247_open_exception_closing.json": { what: "Hours", schema: HoursSchema },
  "location_hours_opening_hours_with_exceptional_closing.json": {
    what: "Hours",
    schema: HoursSchema,
  },
  "location_hours_opening_hours_with_exceptional_opening.json": {
    what: "Hours",
    schema: HoursSchema,
  },
  "location_regularhours_example.json": {
    what: "Hours",
    schema: HoursSchema,
    pick: (json) => json.opening_times,
  },
  "session_example_1_simple_start.json": { what: "Session", schema: SessionSchema },
  "session_example_2_short_finished.json": { what: "Session", schema: SessionSchema },
  "session_patch_example_total_cost.json": { what: "Session PATCH", schema: SessionPatchSchema },
  "session_patch_example_charging_period.json": {
    what: "Session PATCH",
    schema: SessionPatchSchema,
  },
  "cdr_example.json": { what: "CDR", schema: CdrSchema },
  "tariff_1_simple_2hour.json": tariff,
  "tariff_2_alt_text.json": tariff,
  "tariff_3_alt_url.json": tariff,
  "tariff_4_complex.json": tariff,
  "tariff_5_free_of_charge.json": tariff,
  "tariff_6_025kwh_start_max_price.json": tariff,
  "tariff_8_simple_025kwh.json": tariff,
  "tariff_9_025kwh_start.json": tariff,
  "tariff_10_025kwh_parking_start.json": tariff,
  "tariff_11_not_possible_alt_text.json": tariff,
  "tariff_12_025kwh_min_price.json": tariff,
  "tariff_13_simple_3hour_5parking.json": tariff,
  "tariff_14_step_size.json": tariff,
  "tariff_15_reservation_5_euro_per_hour.json": tariff,
  "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json": tariff,
  "tariff_17_reservation_with_expire_fee.json": tariff,
  "tariff_18_reservation_with_expire_time.json": tariff,
  "tariffrestriction_example_max_power.json": tariff,
  "tariffrestriction_example_max_duration.json": tariff,
  "token_example_1_app_user.json": { what: "Token", schema: TokenSchema },
  "token_example_2_full_rfid.json": { what: "Token", schema: TokenSchema },
  "token_put_example.json": { what: "Token", schema: TokenSchema },
  "token_patch_example.json": { what: "Token PATCH", schema: TokenPatchSchema },
};

type KnownException = Check & {
  reason: string;
  /** Every path the schema refuses, so the list stays honest and precise. */
  failing: string[];
};

/** Examples that contradict the spec's own object tables: they must fail, for these reasons. */
const KNOWN_EXCEPTIONS: Record<string, KnownException> = {
  "location_put_example_add_evse.json": {
    what: "EVSE",
    schema: EvseSchema,
    reason:
      "the connector lacks the required power_type, max_voltage, max_amperage and last_updated; " +
      "physical_reference is a number where the EVSE table says string(16) " +
      "(the custom field `floor` is allowed, it is not the spec's floor_level)",
    failing: [
      "connectors.0.power_type",
      "connectors.0.max_voltage",
      "connectors.0.max_amperage",
      "connectors.0.last_updated",
      "physical_reference",
    ],
  },
  "tariff_put_example.json": {
    what: "Tariff",
    schema: TariffSchema,
    reason: "the required last_updated is missing",
    failing: ["last_updated"],
  },
};

function issuePaths(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
}

function describeIssues(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  return result.success
    ? "valid"
    : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

/** The value a check validates: the fragment, or the data of an envelope. */
function subject(check: Check, json: any): unknown {
  if (check.enveloped) return json.data;
  return check.pick ? check.pick(json) : json;
}

describe("the spec's JSON examples", () => {
  const files = exampleFiles();

  it("are all covered: 59 files, each either in the table or a known exception", () => {
    expect(files).toHaveLength(59);
    const covered = new Set([...Object.keys(EXAMPLES), ...Object.keys(KNOWN_EXCEPTIONS)]);
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
    expect([...covered].filter((f) => !files.includes(f))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((f) => f in KNOWN_EXCEPTIONS)).toEqual([]);
  });

  it.each(Object.entries(EXAMPLES))("%s is valid", (file, check) => {
    const json = example(file);
    if (check.enveloped) {
      expect(describeIssues(EnvelopeSchema, json)).toBe("valid");
      expect(json).toHaveProperty("data");
    }
    const value = subject(check, json);
    expect(value, `${file} holds no ${check.what}`).toBeDefined();
    expect(describeIssues(check.schema, value), `${file} as ${check.what}`).toBe("valid");
    expect(() => validate(check.schema, value, check.what, "strict")).not.toThrow();
  });

  it.each(Object.entries(KNOWN_EXCEPTIONS))(
    "known exception %s fails exactly where the reason says",
    (file, exception) => {
      expect(exception.reason).not.toBe("");
      const paths = issuePaths(exception.schema, subject(exception, example(file)));
      expect(paths.sort()).toEqual([...exception.failing].sort());
      const err = refusalOf(exception.schema, example(file), exception.what);
      expect(err.statusCode).toBe(2001);
    },
  );
});

type Path = (string | number)[];

type Kind = {
  name: string;
  schema: z.ZodObject;
  /** Enum fields to set to an unknown value. */
  enums: Path[];
  /** String fields and their spec limit; a value one longer must fail. */
  limits: [Path, number][];
  /** Fields and a value of the wrong JSON type. */
  wrongTypes: [Path, unknown][];
};

const KINDS = {
  location: {
    name: "Location",
    schema: LocationSchema,
    enums: [["parking_type"], ["facilities", 0], ["evses", 0, "status"]],
    limits: [
      [["id"], 36],
      [["city"], 45],
      [["address"], 255],
      [["postal_code"], 10],
    ],
    wrongTypes: [
      [["id"], 1012],
      [["publish"], "true"],
      [["coordinates", "latitude"], 51.04],
      [["evses"], {}],
    ],
  },
  evse: {
    name: "EVSE",
    schema: EvseSchema,
    enums: [["status"], ["capabilities", 0], ["connectors", 0, "standard"]],
    limits: [
      [["uid"], 36],
      [["evse_id"], 48],
      [["floor_level"], 4],
      [["physical_reference"], 16],
    ],
    wrongTypes: [
      [["uid"], 3256],
      [["physical_reference"], 3],
      [["connectors"], "1"],
    ],
  },
  connector: {
    name: "Connector",
    schema: ConnectorSchema,
    enums: [["standard"], ["format"], ["power_type"]],
    limits: [[["id"], 36]],
    wrongTypes: [
      [["id"], 1],
      [["max_voltage"], "230"],
      [["max_amperage"], 16.5],
      [["tariff_ids"], "11"],
    ],
  },
  session: {
    name: "Session",
    schema: SessionSchema,
    enums: [["status"], ["auth_method"], ["cdr_token", "type"]],
    limits: [
      [["id"], 36],
      [["location_id"], 36],
      [["meter_id"], 255],
    ],
    wrongTypes: [
      [["id"], 101],
      [["kwh"], "15"],
      [["currency"], 978],
      [["start_date_time"], 1561280000],
    ],
  },
  cdr: {
    name: "CDR",
    schema: CdrSchema,
    enums: [
      ["auth_method"],
      ["cdr_location", "connector_format"],
      ["charging_periods", 0, "dimensions", 0, "type"],
    ],
    limits: [
      [["id"], 39],
      [["cdr_location", "address"], 45],
      [["remark"], 255],
    ],
    wrongTypes: [
      [["id"], 12345],
      [["total_energy"], "15.342"],
      [["total_cost", "excl_vat"], "4.00"],
      [["credit"], "no"],
    ],
  },
  tariff: {
    name: "Tariff",
    schema: TariffSchema,
    enums: [["type"], ["elements", 0, "price_components", 0, "type"]],
    limits: [
      [["id"], 36],
      [["currency"], 3],
    ],
    wrongTypes: [
      [["id"], 12],
      [["elements", 0, "price_components", 0, "price"], "0.25"],
      [["elements", 0, "price_components", 0, "step_size"], 1.5],
      [["elements"], {}],
    ],
  },
  token: {
    name: "Token",
    schema: TokenSchema,
    enums: [["type"], ["whitelist"], ["default_profile_type"]],
    limits: [
      [["uid"], 36],
      [["contract_id"], 36],
      [["issuer"], 64],
    ],
    wrongTypes: [
      [["uid"], 12345678],
      [["valid"], "true"],
      [["last_updated"], 1561000000],
    ],
  },
  locationPatch: {
    name: "Location PATCH",
    schema: LocationPatchSchema,
    enums: [["parking_type"]],
    limits: [[["name"], 255]],
    wrongTypes: [
      [["name"], 12],
      [["evses"], [{ uid: "3256" }]],
    ],
  },
  evsePatch: {
    name: "EVSE PATCH",
    schema: EvsePatchSchema,
    enums: [["status"]],
    limits: [[["floor_level"], 4]],
    wrongTypes: [[["status"], 1]],
  },
  connectorPatch: {
    name: "Connector PATCH",
    schema: ConnectorPatchSchema,
    enums: [["power_type"]],
    limits: [[["id"], 36]],
    wrongTypes: [[["tariff_ids"], "15"]],
  },
  sessionPatch: {
    name: "Session PATCH",
    schema: SessionPatchSchema,
    enums: [["status"]],
    limits: [[["meter_id"], 255]],
    wrongTypes: [
      [["kwh"], "15"],
      [["total_cost"], 0.8],
    ],
  },
  tokenPatch: {
    name: "Token PATCH",
    schema: TokenPatchSchema,
    enums: [["whitelist"]],
    limits: [[["visual_number"], 64]],
    wrongTypes: [[["valid"], "false"]],
  },
} satisfies Record<string, Kind>;

/** Every module object the examples hold, including the EVSEs and Connectors inside Locations. */
function moduleObjects(): [string, Kind, any][] {
  const found: [string, Kind, any][] = [];
  const kindOf = new Map<z.ZodType, Kind>(Object.values(KINDS).map((k) => [k.schema, k]));
  for (const [file, check] of Object.entries(EXAMPLES)) {
    const value: any = subject(check, example(file));
    const kind = kindOf.get(check.schema);
    if (kind !== undefined) found.push([file, kind, value]);
    if (kind === KINDS.location) {
      (value.evses ?? []).forEach((evse: any, e: number) => {
        found.push([`${file} evses.${e}`, KINDS.evse, evse]);
        evse.connectors.forEach((connector: any, c: number) => {
          found.push([`${file} evses.${e}.connectors.${c}`, KINDS.connector, connector]);
        });
      });
    }
    if (kind === KINDS.cdr) {
      value.tariffs.forEach((t: any, i: number) => {
        found.push([`${file} tariffs.${i}`, KINDS.tariff, t]);
      });
    }
  }
  const tokenList = example("transport_and_format_get_token_list_example.json").data;
  tokenList.forEach((token: any, i: number) => {
    found.push([`transport_and_format_get_token_list_example.json data.${i}`, KINDS.token, token]);
  });
  return found;
}

/** Sets a value at a path, or reports false when the parent is not there. */
function setAt(target: any, path: Path, value: unknown): boolean {
  let parent = target;
  for (const key of path.slice(0, -1)) {
    parent = parent?.[key];
    if (parent === null || typeof parent !== "object") return false;
  }
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent) && typeof last === "number" && last >= parent.length) return false;
  parent[last] = value;
  return true;
}

/** Required top-level fields, read from the schema: those that refuse `undefined`. */
function requiredFields(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}

type Mutation = [string, string, z.ZodType, any, string];

function mutations(): Mutation[] {
  const cases: Mutation[] = [];
  for (const [source, kind, value] of moduleObjects()) {
    for (const field of requiredFields(kind.schema)) {
      const broken = copy(value);
      delete broken[field];
      cases.push([source, `without ${field}`, kind.schema, broken, field]);
    }
    for (const path of kind.enums) {
      const broken = copy(value);
      if (setAt(broken, path, "NOT_AN_OCPI_VALUE")) {
        cases.push([
          source,
          `unknown enum at ${path.join(".")}`,
          kind.schema,
          broken,
          path.join("."),
        ]);
      }
    }
    for (const [path, limit] of kind.limits) {
      const broken = copy(value);
      if (setAt(broken, path, "X".repeat(limit + 1))) {
        cases.push([
          source,
          `${limit + 1} characters in ${path.join(".")}`,
          kind.schema,
          broken,
          path.join("."),
        ]);
      }
    }
    for (const [path, wrong] of kind.wrongTypes) {
      const broken = copy(value);
      if (setAt(broken, path, wrong)) {
        cases.push([
          source,
          `${JSON.stringify(wrong)} as ${path.join(".")}`,
          kind.schema,
          broken,
          path.join("."),
        ]);
      }
    }
  }
  return cases;
}

describe("broken copies of the examples' module objects", () => {
  const cases = mutations();

  it("cover every kind of object and every kind of break", () => {
    const kinds = new Set(moduleObjects().map(([, kind]) => kind.name));
    expect([...kinds].sort()).toEqual(
      Object.values(KINDS)
        .map((k) => k.name)
        .sort(),
    );
    for (const kind of Object.values(KINDS)) {
      const own = cases.filter(([, , schema]) => schema === kind.schema).map(([, what]) => what);
      expect(
        own.some((w) => w.startsWith("without ")),
        kind.name,
      ).toBe(true);
      expect(
        own.some((w) => w.startsWith("unknown enum")),
        kind.name,
      ).toBe(true);
      expect(
        own.some((w) => w.includes(" characters in ")),
        kind.name,
      ).toBe(true);
      expect(
        own.some((w) => w.includes(" as ")),
        kind.name,
      ).toBe(true);
    }
  });

  it("patches require only last_updated", () => {
    for (const schema of [
      LocationPatchSchema,
      EvsePatchSchema,
      ConnectorPatchSchema,
      SessionPatchSchema,
      TokenPatchSchema,
    ]) {
      expect(requiredFields(schema)).toEqual(["last_updated"]);
    }
  });

  it.each(cases)("%s %s fails naming the field", (_source, _what, schema, broken, field) => {
    const paths = issuePaths(schema, broken);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.some((p) => p.includes(field))).toBe(true);
  });

  it.each(cases.filter(([, what]) => what.startsWith("without ")))(
    "%s %s is refused by validate with 2001",
    (_source, _what, schema, broken, field) => {
      const err = refusalOf(schema, broken, "body");
      expect(err.statusCode).toBe(2001);
      expect(err.message).toContain(field);
    },
  );
});

const session = () => example("session_example_2_short_finished.json");
const token = () => example("token_example_2_full_rfid.json");
const accepts = (schema: z.ZodType, value: unknown) =>
  expect(describeIssues(schema, value)).toBe("valid");
const refusesAt = (schema: z.ZodType, value: unknown, path: string) =>
  expect(issuePaths(schema, value)).toContain(path);

describe("field rules", () => {
  it("DateTime: +00:00 breaks the letter of the spec (refused under strict, tolerated otherwise); Z-less and fractional forms are accepted", () => {
    const utcOffset = { ...session(), start_date_time: "2015-06-29T20:39:09+00:00" };
    refusesAt(SessionSchema, utcOffset, "start_date_time");
    expect(check(SessionSchema, utcOffset, "strict").ok).toBe(false);
    expect(check(SessionSchema, utcOffset, "tolerant").ok).toBe(true);
    accepts(SessionSchema, { ...session(), start_date_time: "2015-06-29T20:39:09" });
    accepts(SessionSchema, { ...session(), last_updated: "2016-12-29T17:45:09.2" });
  });

  it("#NA is accepted in required string fields", () => {
    accepts(SessionSchema, { ...session(), evse_uid: "#NA", connector_id: "#NA" });
    const cdr = example("cdr_example.json");
    cdr.cdr_location.evse_uid = "#NA";
    cdr.cdr_location.evse_id = "#NA";
    cdr.cdr_location.connector_id = "#NA";
    accepts(CdrSchema, cdr);
    accepts(LocationSchema, { ...example("location_example.json"), address: "#NA" });
  });

  it("unknown extra fields are accepted at every level", () => {
    const loc = example("location_example.json");
    loc.x_custom = { anything: [1, 2] };
    loc.evses[0].x_floor_name = "P-1";
    loc.evses[0].connectors[0].x_cable_length = 5;
    loc.coordinates.accuracy = 3;
    accepts(LocationSchema, loc);
    accepts(TokenSchema, { ...token(), x_loyalty: "gold" });
  });

  it("optional fields may be null, required ones may not (terminology: Cardinality)", () => {
    accepts(SessionSchema, { ...session(), end_date_time: null, charging_periods: null });
    accepts(TokenSchema, { ...token(), visual_number: null, energy_contract: null });
    refusesAt(SessionSchema, { ...session(), kwh: null }, "kwh");
    refusesAt(SessionPatchSchema, { kwh: null, last_updated: "2019-06-23T08:11:00Z" }, "kwh");
  });

  it("a patch without last_updated fails with the path last_updated", () => {
    for (const schema of [
      LocationPatchSchema,
      EvsePatchSchema,
      ConnectorPatchSchema,
      SessionPatchSchema,
      TokenPatchSchema,
    ]) {
      expect(issuePaths(schema, { x_custom: 1 })).toEqual(["last_updated"]);
      expect(refusalOf(schema, {}, "patch").message).toContain("last_updated");
    }
  });

  it("an object present in a patch must be complete", () => {
    const patch = { connectors: [{ id: "1" }], last_updated: "2019-06-24T12:39:09Z" };
    refusesAt(EvsePatchSchema, patch, "connectors.0.standard");
    refusesAt(
      SessionPatchSchema,
      { total_cost: { incl_vat: 1 }, last_updated: "2019-06-24T12:39:09Z" },
      "total_cost.excl_vat",
    );
    refusesAt(
      EvsePatchSchema,
      { connectors: [], last_updated: "2019-06-24T12:39:09Z" },
      "connectors",
    );
  });

  it("country, currency, coordinates and times follow their ISO forms and the spec's regexes", () => {
    const loc = example("location_example.json");
    refusesAt(LocationSchema, { ...loc, country: "BE" }, "country");
    refusesAt(LocationSchema, { ...loc, country_code: "BEL" }, "country_code");
    refusesAt(
      LocationSchema,
      { ...loc, coordinates: { latitude: "51.04", longitude: "3.729944" } },
      "coordinates.latitude",
    );
    refusesAt(SessionSchema, { ...session(), currency: "eur" }, "currency");
    refusesAt(
      HoursSchema,
      {
        twentyfourseven: false,
        regular_hours: [{ weekday: 8, period_begin: "08:00", period_end: "24:00" }],
      },
      "regular_hours.0.weekday",
    );
    refusesAt(
      HoursSchema,
      {
        twentyfourseven: false,
        regular_hours: [{ weekday: 1, period_begin: "08:00", period_end: "24:00" }],
      },
      "regular_hours.0.period_end",
    );
  });

  it("Hours: regular_hours exactly when not twentyfourseven", () => {
    refusesAt(HoursSchema, { twentyfourseven: false }, "regular_hours");
    refusesAt(
      HoursSchema,
      {
        twentyfourseven: true,
        regular_hours: [{ weekday: 1, period_begin: "08:00", period_end: "20:00" }],
      },
      "regular_hours",
    );
    accepts(HoursSchema, { twentyfourseven: true, regular_hours: [] });
  });

  it("PublishTokenType needs uid, visual_number or group_id, with their companions", () => {
    accepts(PublishTokenTypeSchema, { group_id: "DEPOT-1" });
    expect(issuePaths(PublishTokenTypeSchema, { issuer: "ANWB" })).toEqual([""]);
    refusesAt(PublishTokenTypeSchema, { uid: "12345678905880" }, "type");
    refusesAt(PublishTokenTypeSchema, { visual_number: "12345-67" }, "issuer");
    refusesAt(PublishTokenTypeSchema, { uid: "1", type: "CARD" }, "type");
  });

  it("a published Location may not carry publish_allowed_to", () => {
    const loc = example("location_example_uc4_limited_visibility.json");
    refusesAt(LocationSchema, { ...loc, publish: true }, "publish_allowed_to");
    accepts(LocationSchema, { ...loc, publish: true, publish_allowed_to: [] });
  });

  it("a Credit CDR needs credit_reference_id", () => {
    const cdr = example("cdr_example.json");
    refusesAt(CdrSchema, { ...cdr, id: "12345-C", credit: true }, "credit_reference_id");
    accepts(CdrSchema, { ...cdr, id: "12345-C", credit: true, credit_reference_id: "12345" });
  });

  it("CdrToken and ChargingPeriod are checked on their own", () => {
    accepts(CdrTokenSchema, session().cdr_token);
    refusesAt(CdrTokenSchema, { ...session().cdr_token, type: "CARD" }, "type");
    refusesAt(
      ChargingPeriodSchema,
      { start_date_time: "2019-06-23T08:16:02Z", dimensions: [] },
      "dimensions",
    );
  });

  it("ChargingPreferences and its response", () => {
    accepts(ChargingPreferencesSchema, {
      profile_type: "FAST",
      departure_time: "2019-06-23T18:00:00Z",
      energy_need: 32.5,
      discharge_allowed: false,
    });
    refusesAt(ChargingPreferencesSchema, { profile_type: "FASTEST" }, "profile_type");
    expect(ChargingPreferencesResponse.options).toEqual([
      "ACCEPTED",
      "DEPARTURE_REQUIRED",
      "ENERGY_NEED_REQUIRED",
      "NOT_POSSIBLE",
      "PROFILE_TYPE_NOT_SUPPORTED",
    ]);
    expect(ChargingPreferencesResponse.safeParse("MAYBE").success).toBe(false);
  });
});

describe("commands", () => {
  const responseUrl = "https://emsp.example.com/ocpi/emsp/2.2.1/commands/START_SESSION/1234";
  const bodies: Record<CommandType, Record<string, unknown>> = {
    CANCEL_RESERVATION: { response_url: responseUrl, reservation_id: "RES-1" },
    RESERVE_NOW: {
      response_url: responseUrl,
      token: token(),
      expiry_date: "2020-01-01T12:00:00Z",
      reservation_id: "RES-1",
      location_id: "LOC1",
      evse_uid: "3256",
      authorization_reference: "AUTH-1",
    },
    START_SESSION: {
      response_url: responseUrl,
      token: token(),
      location_id: "LOC1",
      evse_uid: "3256",
      connector_id: "1",
      authorization_reference: "AUTH-1",
    },
    STOP_SESSION: { response_url: responseUrl, session_id: "101" },
    UNLOCK_CONNECTOR: {
      response_url: responseUrl,
      location_id: "LOC1",
      evse_uid: "3256",
      connector_id: "1",
    },
  };

  it("COMMAND_SCHEMAS maps every CommandType to its body schema", () => {
    expect(CommandType.options).toEqual([
      "CANCEL_RESERVATION",
      "RESERVE_NOW",
      "START_SESSION",
      "STOP_SESSION",
      "UNLOCK_CONNECTOR",
    ]);
    expect(COMMAND_SCHEMAS).toEqual({
      CANCEL_RESERVATION: CancelReservationSchema,
      RESERVE_NOW: ReserveNowSchema,
      START_SESSION: StartSessionSchema,
      STOP_SESSION: StopSessionSchema,
      UNLOCK_CONNECTOR: UnlockConnectorSchema,
    });
  });

  it.each(CommandType.options)(
    "%s accepts a valid body and refuses one without response_url",
    (command) => {
      const schema = COMMAND_SCHEMAS[command];
      accepts(schema, bodies[command]);
      const { response_url: _, ...withoutUrl } = bodies[command];
      refusesAt(schema, withoutUrl, "response_url");
      expect(refusalOf(schema, withoutUrl, command).message).toContain("response_url");
      refusesAt(schema, { ...bodies[command], response_url: "not a url" }, "response_url");
    },
  );

  it("bodies check the embedded Token and the optional fields' rules", () => {
    refusesAt(
      ReserveNowSchema,
      { ...bodies.RESERVE_NOW, token: { ...token(), type: "CARD" } },
      "token.type",
    );
    refusesAt(StartSessionSchema, { ...bodies.START_SESSION, evse_uid: undefined }, "evse_uid");
    accepts(StartSessionSchema, {
      ...bodies.START_SESSION,
      evse_uid: undefined,
      connector_id: undefined,
    });
    refusesAt(
      UnlockConnectorSchema,
      { ...bodies.UNLOCK_CONNECTOR, connector_id: undefined },
      "connector_id",
    );
  });

  it("CommandResponse and CommandResult accept spec values and refuse unknown ones", () => {
    for (const result of ["NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"]) {
      accepts(CommandResponseSchema, { result, timeout: 30 });
    }
    accepts(CommandResponseSchema, {
      result: "REJECTED",
      timeout: 30,
      message: [{ language: "en", text: "Not your session" }],
    });
    refusesAt(CommandResponseSchema, { result: "OK", timeout: 30 }, "result");
    refusesAt(CommandResponseSchema, { result: "ACCEPTED", timeout: 1.5 }, "timeout");
    refusesAt(CommandResponseSchema, { result: "ACCEPTED" }, "timeout");
    for (const result of [
      "ACCEPTED",
      "CANCELED_RESERVATION",
      "EVSE_OCCUPIED",
      "EVSE_INOPERATIVE",
      "FAILED",
      "NOT_SUPPORTED",
      "REJECTED",
      "TIMEOUT",
      "UNKNOWN_RESERVATION",
    ]) {
      accepts(CommandResultSchema, { result });
    }
    refusesAt(CommandResultSchema, { result: "UNKNOWN_SESSION" }, "result");
    refusesAt(
      CommandResultSchema,
      { result: "ACCEPTED", message: [{ language: "en" }] },
      "message.0.text",
    );
  });
});

describe("charging profiles", () => {
  const profile = {
    start_date_time: "2020-01-01T12:00:00Z",
    duration: 3600,
    charging_rate_unit: "W",
    min_charging_rate: 1000.5,
    charging_profile_period: [
      { start_period: 0, limit: 11000 },
      { start_period: 1800, limit: 7400.1 },
    ],
  };

  it("SetChargingProfile and ActiveChargingProfile", () => {
    accepts(ChargingProfileSchema, { charging_rate_unit: "A" });
    accepts(SetChargingProfileSchema, {
      charging_profile: profile,
      response_url: "https://scsp.example.com/cp/1",
    });
    refusesAt(SetChargingProfileSchema, { charging_profile: profile }, "response_url");
    refusesAt(
      SetChargingProfileSchema,
      {
        charging_profile: { ...profile, charging_rate_unit: "kW" },
        response_url: "https://scsp.example.com/cp/1",
      },
      "charging_profile.charging_rate_unit",
    );
    refusesAt(ChargingProfileSchema, { ...profile, min_charging_rate: 8.15 }, "min_charging_rate");
    refusesAt(
      ChargingProfileSchema,
      { ...profile, charging_profile_period: [{ start_period: 0.5, limit: 16 }] },
      "charging_profile_period.0.start_period",
    );
    accepts(ActiveChargingProfileSchema, {
      start_date_time: "2020-01-01T12:00:00Z",
      charging_profile: profile,
    });
    refusesAt(ActiveChargingProfileSchema, { charging_profile: profile }, "start_date_time");
  });

  it("ChargingProfileResponse accepts spec values and refuses unknown ones", () => {
    for (const result of [
      "ACCEPTED",
      "NOT_SUPPORTED",
      "REJECTED",
      "TOO_OFTEN",
      "UNKNOWN_SESSION",
    ]) {
      accepts(ChargingProfileResponseSchema, { result, timeout: 60 });
    }
    refusesAt(ChargingProfileResponseSchema, { result: "UNKNOWN", timeout: 60 }, "result");
    refusesAt(ChargingProfileResponseSchema, { result: "ACCEPTED" }, "timeout");
  });

  it.each([
    ["ActiveChargingProfileResult", ActiveChargingProfileResultSchema],
    ["ChargingProfileResult", ChargingProfileResultSchema],
    ["ClearProfileResult", ClearProfileResultSchema],
  ] as const)("%s accepts ACCEPTED, REJECTED, UNKNOWN and refuses others", (_name, schema) => {
    for (const result of ["ACCEPTED", "REJECTED", "UNKNOWN"]) accepts(schema, { result });
    refusesAt(schema, { result: "TOO_OFTEN" }, "result");
    refusesAt(schema, {}, "result");
  });

  it("ActiveChargingProfileResult carries a complete profile when given", () => {
    accepts(ActiveChargingProfileResultSchema, {
      result: "ACCEPTED",
      profile: { start_date_time: "2020-01-01T12:00:00Z", charging_profile: profile },
    });
    refusesAt(
      ActiveChargingProfileResultSchema,
      { result: "ACCEPTED", profile: { charging_profile: profile } },
      "profile.start_date_time",
    );
  });
});

describe("real-time authorization", () => {
  it("LocationReferences", () => {
    accepts(LocationReferencesSchema, { location_id: "LOC1" });
    accepts(LocationReferencesSchema, { location_id: "LOC1", evse_uids: ["3256", "3257"] });
    refusesAt(LocationReferencesSchema, { evse_uids: ["3256"] }, "location_id");
    refusesAt(
      LocationReferencesSchema,
      { location_id: "LOC1", evse_uids: ["X".repeat(37)] },
      "evse_uids.0",
    );
    refusesAt(LocationReferencesSchema, { location_id: "LOC1", evse_uids: "3256" }, "evse_uids");
  });

  it("AuthorizationInfo", () => {
    const info = {
      allowed: "ALLOWED",
      token: token(),
      location: { location_id: "LOC1", evse_uids: ["3256"] },
      authorization_reference: "AUTH-1",
      info: { language: "en", text: "Enjoy charging" },
    };
    accepts(AuthorizationInfoSchema, info);
    for (const allowed of ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]) {
      accepts(AuthorizationInfoSchema, { allowed, token: token() });
    }
    refusesAt(AuthorizationInfoSchema, { ...info, allowed: "DENIED" }, "allowed");
    refusesAt(AuthorizationInfoSchema, { ...info, token: undefined }, "token");
    refusesAt(
      AuthorizationInfoSchema,
      { ...info, token: { ...token(), uid: undefined } },
      "token.uid",
    );
    refusesAt(
      AuthorizationInfoSchema,
      { ...info, authorization_reference: "X".repeat(37) },
      "authorization_reference",
    );
  });

  it("TokenType lists the spec's four values", () => {
    expect(TokenType.options).toEqual(["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]);
  });
});
