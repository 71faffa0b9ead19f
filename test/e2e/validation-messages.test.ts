import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectRefused } from "../support/expect.js";
import type { FakePlatform, FakeRole } from "../support/fake-platform.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const CPO: FakeRole = { role: "CPO", country_code: "CH", party_id: "ZUG" };
const EMSP: FakeRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };

let hub: TestHub;
let cpo: FakePlatform;
let emsp: FakePlatform;

beforeAll(async () => {
  hub = await startHub();
  ({ platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES }));
  ({ platform: emsp } = await hub.connect([EMSP], { modules: EMSP_MODULES }));
});

afterAll(async () => {
  await hub?.close();
});

/**
 * A connector as a CPO backend writes it before reading the spec's enums:
 * its own names for the plug and the power type, the voltage as a string.
 */
const connector = (id: string) => ({
  id,
  standard: "TYPE2",
  format: "SOCKET",
  power_type: "AC",
  max_voltage: "230",
  max_amperage: 32,
  last_updated: "2026-03-01T09:58:12Z",
});

/** An EVSE with its own status and capability names and no last_updated. */
const evse = (uid: string) => ({
  uid,
  evse_id: `CH*ZUG*E${uid}`,
  status: "FREE",
  capabilities: ["REMOTE_START"],
  connectors: [connector("1"), connector("2")],
});

/** The fields each EVSE above gets wrong, by path. */
const evseProblems = (i: number) => [
  `evses[${i}].status`,
  `evses[${i}].capabilities[0]`,
  `evses[${i}].last_updated`,
  ...[0, 1].flatMap((j) => [
    `evses[${i}].connectors[${j}].standard`,
    `evses[${i}].connectors[${j}].power_type`,
    `evses[${i}].connectors[${j}].max_voltage`,
  ]),
];

const location = {
  country_code: "CH",
  party_id: "ZUG",
  id: "LOC-BROKEN",
  publish: "yes",
  name: "Parkhaus Bahnhof Zug",
  address: "Bahnhofstrasse 12",
  city: "Zug",
  country: "CH",
  coordinates: { latitude: "47,17342", longitude: "east" },
  parking_type: "GARAGE",
  evses: [evse("1001"), evse("1002"), evse("1003")],
  facilities: ["PARKING", "WIFI"],
  opening_times: {
    twentyfourseven: false,
    regular_hours: [{ weekday: 0, period_begin: "6:00", period_end: "22:00" }],
  },
  images: [{ url: "https://cdn.example.ch/zug.jpg", category: "PHOTO", type: "jpg" }],
  operator: { name: "" },
  energy_mix: {
    is_green_energy: "true",
    energy_sources: [{ source: "SOLAR", percentage: 120 }],
  },
  last_updated: "01.03.2026 10:00",
};

const LOCATION_PROBLEMS = [
  "publish",
  "country",
  "coordinates.latitude",
  "coordinates.longitude",
  "parking_type",
  "time_zone",
  "facilities[0]",
  "opening_times.regular_hours[0].weekday",
  "opening_times.regular_hours[0].period_begin",
  "images[0].category",
  "operator.name",
  "energy_mix.is_green_energy",
  "energy_mix.energy_sources[0].percentage",
  "last_updated",
  ...[0, 1, 2].flatMap(evseProblems),
];

describe("a 2001 names every problem of a body", () => {
  it("lists each of the 41 problems of a location PUT with its JSON path, and forwards nothing", async () => {
    expect(LOCATION_PROBLEMS.length).toBeGreaterThanOrEqual(30);
    const answer = await expectRefused(
      () =>
        cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/CH/ZUG/LOC-BROKEN`, {
          to: "DE/EMS",
          body: location,
        }),
      200,
      2001,
      { unforwarded: [emsp] },
    );
    const message: string = answer.body.status_message;
    const prefix = "invalid locations PUT body: ";
    expect(message.startsWith(prefix), message).toBe(true);
    const named = message
      .slice(prefix.length)
      .split("; ")
      .map((problem) => problem.slice(0, problem.indexOf(": ")));
    expect([...named].sort()).toEqual([...LOCATION_PROBLEMS].sort());
  });
});
