import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { CdrSchema } from "../../src/ocpi/schemas/cdrs.js";
import { CommandResultSchema } from "../../src/ocpi/schemas/commands.js";
import { HoursSchema } from "../../src/ocpi/schemas/common.js";
import { CredentialsSchema } from "../../src/ocpi/schemas/credentials.js";
import { EvseSchema, LocationSchema } from "../../src/ocpi/schemas/locations.js";
import { parseDateTime } from "../../src/ocpi/schemas/primitives.js";
import { TokenSchema } from "../../src/ocpi/schemas/tokens.js";
import { TOLERANCE, TOLERANCE_RULES } from "../../src/ocpi/tolerance.js";
import { check, type ValidationMode } from "../../src/ocpi/validate.js";
import { example } from "../support/examples.js";
import { refusalOf } from "../support/expect.js";

const MODES: ValidationMode[] = ["tolerant", "strict"];

const location = () => example("location_example.json");
const token = () => example("token_example_2_full_rfid.json");
const cdr = () => example("cdr_example.json");
const weekdays = (periodEnd: string) => ({
  twentyfourseven: false,
  regular_hours: [{ weekday: 1, period_begin: "08:00", period_end: periodEnd }],
});

/** `value` is accepted under `mode`. */
function expectAccepted(schema: z.ZodType, value: unknown, mode: ValidationMode) {
  const checked = check(schema, value, mode);
  expect(checked.ok ? "accepted" : JSON.stringify(checked.problems), mode).toBe("accepted");
}

/** `value` is refused under `mode` with 2001 naming `path`; returns the message. */
function expectRefusedAt(
  schema: z.ZodType,
  value: unknown,
  mode: ValidationMode,
  path: string,
): string {
  const err = refusalOf(schema, value, "body", mode);
  expect(err.statusCode).toBe(2001);
  expect(err.httpStatus).toBe(200);
  expect(err.message, mode).toContain(`${path}: `);
  return err.message;
}

/** One tolerated deviation: accepted by default, refused naming its rule under strict. */
const TOLERATED: [string, z.ZodType, () => unknown, string, string][] = [
  [
    "+00:00 with microseconds (Python's isoformat())",
    LocationSchema,
    () => ({ ...location(), last_updated: "2026-03-01T10:00:00.123456+00:00" }),
    "last_updated",
    TOLERANCE.utcOffset.id,
  ],
  [
    "+00:00 without fractions",
    TokenSchema,
    () => ({ ...token(), last_updated: "2026-03-01T10:00:00+00:00" }),
    "last_updated",
    TOLERANCE.utcOffset.id,
  ],
  [
    'latitude "47.179"',
    LocationSchema,
    () => ({ ...location(), coordinates: { latitude: "47.179", longitude: "8.51502" } }),
    "coordinates.latitude",
    TOLERANCE.coordinatePrecision.id,
  ],
  [
    'longitude "0.0"',
    EvseSchema,
    () => ({ ...location().evses[0], coordinates: { latitude: "51.04759", longitude: "0.0" } }),
    "coordinates.longitude",
    TOLERANCE.coordinatePrecision.id,
  ],
  [
    'whole degrees "52" and "-4" in a CDR location',
    CdrSchema,
    () => {
      const c = cdr();
      c.cdr_location.coordinates = { latitude: "52", longitude: "-4" };
      return c;
    },
    "cdr_location.coordinates.latitude",
    TOLERANCE.coordinatePrecision.id,
  ],
  [
    'period_end "24:00"',
    HoursSchema,
    () => weekdays("24:00"),
    "regular_hours[0].period_end",
    TOLERANCE.midnightEnd.id,
  ],
  [
    'image type "image/svg+xml"',
    LocationSchema,
    () => ({
      ...location(),
      images: [{ url: "https://example.com/a.svg", category: "OWNER", type: "image/svg+xml" }],
    }),
    "images[0].type",
    TOLERANCE.imageType.id,
  ],
  [
    'DisplayText language "en_GB" (Java) in a CommandResult',
    CommandResultSchema,
    () => ({ result: "ACCEPTED", message: [{ language: "en_GB", text: "started" }] }),
    "message[0].language",
    TOLERANCE.displayTextLanguage.id,
  ],
];

describe("each tolerated deviation", () => {
  it.each(TOLERATED)(
    "%s: accepted by default, refused under strict naming the rule",
    (_what, schema, value, path, rule) => {
      expectAccepted(schema, value(), "tolerant");
      const message = expectRefusedAt(schema, value(), "strict", path);
      expect(message).toContain(rule);
      expect(message).toContain("VALIDATION=strict");
    },
  );
});

describe("what the policy does not tolerate stays refused in both modes", () => {
  const refused: [string, z.ZodType, () => unknown, string][] = [
    [
      "a +01:00 offset",
      LocationSchema,
      () => ({ ...location(), last_updated: "2026-03-01T11:00:00+01:00" }),
      "last_updated",
    ],
    [
      "a -00:00 offset (RFC 3339: offset unknown)",
      TokenSchema,
      () => ({ ...token(), last_updated: "2026-03-01T10:00:00-00:00" }),
      "last_updated",
    ],
    [
      "a space instead of T",
      TokenSchema,
      () => ({ ...token(), last_updated: "2026-03-01 10:00:00+00:00" }),
      "last_updated",
    ],
    [
      'a Token.language of "en-GB"',
      TokenSchema,
      () => ({ ...token(), language: "en-GB" }),
      "language",
    ],
    [
      'a latitude "47,179" (decimal comma)',
      LocationSchema,
      () => ({ ...location(), coordinates: { latitude: "47,179", longitude: "8.51502" } }),
      "coordinates.latitude",
    ],
    [
      'a longitude "east"',
      LocationSchema,
      () => ({ ...location(), coordinates: { latitude: "47.17342", longitude: "east" } }),
      "coordinates.longitude",
    ],
    [
      'a latitude "95.5" (out of range)',
      LocationSchema,
      () => ({ ...location(), coordinates: { latitude: "95.5", longitude: "8.51502" } }),
      "coordinates.latitude",
    ],
    ["a period_end of 25:00", HoursSchema, () => weekdays("25:00"), "regular_hours[0].period_end"],
    [
      'a period_begin of "24:00"',
      HoursSchema,
      () => ({
        ...weekdays("24:00"),
        regular_hours: [{ weekday: 1, period_begin: "24:00", period_end: "20:00" }],
      }),
      "regular_hours[0].period_begin",
    ],
    [
      "an image type with a space",
      LocationSchema,
      () => ({
        ...location(),
        images: [{ url: "https://example.com/a.png", category: "OWNER", type: "png image" }],
      }),
      "images[0].type",
    ],
    [
      'a DisplayText language "English"',
      CommandResultSchema,
      () => ({ result: "ACCEPTED", message: [{ language: "English", text: "started" }] }),
      "message[0].language",
    ],
  ];

  for (const mode of MODES) {
    it.each(refused)(`%s is refused (${mode})`, (_what, schema, value, path) => {
      const message = expectRefusedAt(schema, value(), mode, path);
      for (const rule of TOLERANCE_RULES) expect(message).not.toContain(rule.id);
    });
  }
});

describe("tolerated fields and the rest of the object", () => {
  it("an object's own rule still runs beside a tolerated field: publish_allowed_to on a published location", () => {
    const loc = {
      ...location(),
      coordinates: { latitude: "47.179", longitude: "8.5" },
      publish: true,
      publish_allowed_to: [{ group_id: "FLEET-1" }],
    };
    const message = expectRefusedAt(LocationSchema, loc, "tolerant", "publish_allowed_to");
    expect(message).not.toContain("coordinates");
  });

  it("the parsed value keeps the tolerated value as given, and z.object still drops unknown keys", () => {
    const credentials = example("credentials_example.json");
    credentials.roles[0].business_details.logo = {
      url: "https://example.com/logo.png",
      category: "OPERATOR",
      type: "image/png",
      x_checksum: "abc",
    };
    const checked = check(CredentialsSchema, credentials, "tolerant");
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.data.roles[0]?.business_details.logo).toEqual({
      url: "https://example.com/logo.png",
      category: "OPERATOR",
      type: "image/png",
    });
  });

  it("a DateTime with +00:00 stands for the instant it names", () => {
    expect(parseDateTime("2026-03-01T10:00:00.5+00:00").toISOString()).toBe(
      "2026-03-01T10:00:00.500Z",
    );
    expect(parseDateTime("2026-03-01T10:00:00").toISOString()).toBe("2026-03-01T10:00:00.000Z");
  });
});

describe("the table", () => {
  it("gives every rule an id, what it tolerates, why, a spec section and a stand-in of the spec's form", () => {
    const ids = TOLERANCE_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of TOLERANCE_RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(rule.tolerates.length, rule.id).toBeGreaterThan(10);
      expect(rule.why.length, rule.id).toBeGreaterThan(10);
      expect(rule.spec, rule.id).toMatch(/^(types|mod_[a-z_]+)\.asciidoc › /);
    }
  });
});
