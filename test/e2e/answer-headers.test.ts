import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import { expectRefused } from "../support/expect.js";
import type { FakePlatform, FakeRole, HubAnswer, Reply } from "../support/fake-platform.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * The answers the hub writes itself on a functional module (refusals,
 * failures of a receiver, answers from its cache) name the hub in OCPI-from
 * and the requesting party in OCPI-to (transport_and_format: Message
 * Routing Headers, "Broadcast response: Hub to requesting platform").
 * Configuration modules carry no routing headers.
 */

const HUB = "NL/HUB";
const CPO: FakeRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
/** The eMSP platform hosts two eMSP parties. */
const EMSP: FakeRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const EMSP_TWO: FakeRole = { role: "EMSP", country_code: "DE", party_id: "EM2" };

let hub: TestHub;
let cpo: FakePlatform;
let emsp: FakePlatform;
/** What the CPO answers instead of its default, while set. */
let fault: Reply | undefined;

beforeAll(async () => {
  hub = await startHub();
  ({ platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES, name: "Charge Co" }));
  ({ platform: emsp } = await hub.connect([EMSP, EMSP_TWO], {
    modules: EMSP_MODULES,
    name: "Drive App",
  }));
  cpo.on(() => fault);
  const push = await cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
    to: HUB,
    body: locationOf("NL/CPO", "LOC1"),
  });
  expect(push.body.status_code, JSON.stringify(push.body)).toBe(1000);
  await hub.settled();
});

afterEach(() => {
  fault = undefined;
});

afterAll(async () => {
  await hub?.close();
});

const ocpi = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

/** The four routing headers of an answer, as "CC/PID" pairs. */
function routing(answer: HubAnswer): { to: string; from: string } {
  const h = answer.headers;
  return {
    to: `${h.get("ocpi-to-country-code")}/${h.get("ocpi-to-party-id")}`,
    from: `${h.get("ocpi-from-country-code")}/${h.get("ocpi-from-party-id")}`,
  };
}

const ROUTING_HEADERS = [
  "ocpi-to-country-code",
  "ocpi-to-party-id",
  "ocpi-from-country-code",
  "ocpi-from-party-id",
];

function expectNoRouting(answer: HubAnswer): void {
  for (const name of ROUTING_HEADERS) expect(answer.headers.get(name), name).toBeNull();
}

describe("answers the hub writes on a functional module", () => {
  it("2003 for a location the hub does not know, through the hub", async () => {
    const answer = await emsp.hubRoute("GET", ocpi("locations/sender/NOPE"), { to: HUB });
    expectRefused(answer, 404, 2003, { message: ["NOPE"] });
    expect(routing(answer)).toEqual({ to: "DE/EMS", from: HUB });
  });

  it("2001 for a push whose body misses a required field", async () => {
    const { address: _address, ...body } = locationOf("NL/CPO", "LOC2");
    const answer = await cpo.hubRoute("PUT", ocpi("locations/receiver/NL/CPO/LOC2"), {
      to: HUB,
      body,
    });
    expectRefused(answer, 200, 2001, { message: ["address"] });
    expect(routing(answer)).toEqual({ to: "NL/CPO", from: HUB });
  });

  it("2001 for OCPI-from that is not the caller's: OCPI-to names the caller's first party", async () => {
    const answer = await emsp.hubRoute("GET", ocpi("locations/sender"), {
      to: HUB,
      from: "NL/CPO",
    });
    expectRefused(answer, 200, 2001, { message: ["NL/CPO"] });
    expect(routing(answer)).toEqual({ to: "DE/EMS", from: HUB });
  });

  it("the list from the hub's cache, to the eMSP party that asked", async () => {
    const answer = await emsp.hubRoute("GET", ocpi("locations/sender"), {
      to: HUB,
      from: "DE/EM2",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(1000);
    expect(answer.body.data.map((l: { id: string }) => l.id)).toEqual(["LOC1"]);
    expect(routing(answer)).toEqual({ to: "DE/EM2", from: HUB });
  });

  it("3000 when the receiver answers with something that is not OCPI", async () => {
    fault = { raw: "<html>502 Bad Gateway</html>", headers: { "content-type": "text/html" } };
    const answer = await emsp.hubRoute(
      "GET",
      ocpi("sessions/sender?date_from=2024-01-01T00:00:00Z"),
      {
        to: "NL/CPO",
        from: "DE/EM2",
      },
    );
    expectRefused(answer, 200, 3000, { message: ["NL/CPO"] });
    expect(routing(answer)).toEqual({ to: "DE/EM2", from: HUB });
  });

  it("4003 when the receiver drops the connection", async () => {
    fault = { reset: true };
    const answer = await emsp.hubRoute(
      "GET",
      ocpi("sessions/sender?date_from=2024-01-01T00:00:00Z"),
      { to: "NL/CPO" },
    );
    expectRefused(answer, 200, 4003, { message: ["NL/CPO"] });
    expect(routing(answer)).toEqual({ to: "DE/EMS", from: HUB });
  });

  it("404 for a path the interface does not have", async () => {
    const answer = await emsp.hubRoute("GET", ocpi("locations/sender/A/B/C/D"), { to: HUB });
    expect(answer.status).toBe(404);
    expect(routing(answer)).toEqual({ to: "DE/EMS", from: HUB });
  });

  it("none when the token is unknown: there is no requester to name", async () => {
    const answer = await emsp.hubCall("GET", ocpi("locations/sender"), {
      token: "not-a-token-of-anybody",
      headers: { "ocpi-from-country-code": "DE", "ocpi-from-party-id": "EMS" },
    });
    expectRefused(answer, 401, 2000, { message: ["unknown token"] });
    expectNoRouting(answer);
  });
});

describe("answers of configuration modules", () => {
  it("carry no routing headers: versions, credentials, hubclientinfo", async () => {
    for (const url of [`${hub.url}/ocpi/versions`, ocpi("credentials"), ocpi("hubclientinfo")]) {
      const answer = await emsp.hubRoute("GET", url, { to: HUB });
      expect(answer.body.status_code, url).toBe(1000);
      expectNoRouting(answer);
    }
  });
});
