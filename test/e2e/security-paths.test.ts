import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../support/examples.js";
import { expectOk, expectRefused } from "../support/expect.js";
import { eventually, type FakePlatform, type FakeRole } from "../support/fake-platform.js";
import { rawRequest } from "../support/raw-http.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * Path ids are checked against their OCPI type once decoded, dot segments
 * are refused in the raw request target, and the receiver's URL is built
 * from the checked ids, each encoded again: nothing a sender writes in the
 * path can make the hub, with its own token, read another endpoint of a
 * receiver (an eMSP read /locations/sender/..;/..;/credentials of a CPO
 * behind a Tomcat that way).
 */

const CPO: FakeRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
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

const SENDER = "/ocpi/2.2.1/locations/sender";

/** Headers of the eMSP's request to the CPO through the hub. */
function emspHeaders(): Record<string, string> {
  return {
    authorization: `Token ${Buffer.from(emsp.hubToken as string).toString("base64")}`,
    "ocpi-from-country-code": "DE",
    "ocpi-from-party-id": "EMS",
    "ocpi-to-country-code": "NL",
    "ocpi-to-party-id": "CPO",
  };
}

/** The eMSP's GET of `tail` below the locations Sender, sent byte for byte as written. */
const emspGet = (tail: string) =>
  rawRequest(hub.url, `${SENDER}${tail}`, { headers: emspHeaders() });

describe("a path that climbs or escapes out of its segment", () => {
  const cases: { name: string; tail: string; names: RegExp }[] = [
    {
      name: "..; segments (Tomcat path parameters)",
      tail: "/..;/..;/credentials",
      names: /dot segment/,
    },
    { name: "plain .. segments", tail: "/../../credentials", names: /dot segment/ },
    { name: "a single . segment", tail: "/./LOC1", names: /dot segment/ },
    { name: "%2e%2e segments", tail: "/%2e%2e/%2E%2e/credentials", names: /dot segment/ },
    { name: "mixed .%2e segments", tail: "/.%2E/x/y", names: /dot segment/ },
    { name: "..;jsessionid path parameters", tail: "/..;jsessionid=1/x/y", names: /dot segment/ },
    {
      name: "%252e (encoded twice: a receiver that decodes again sees ..)",
      tail: "/%252e%252e/%252e%252e/credentials",
      names: /location_id \("%2e%2e"\) may not hold/,
    },
    {
      name: "%2f inside an id",
      tail: "/LOC1%2f..%2f..%2fcredentials",
      names: /location_id \("LOC1\/\.\.\/.*may not hold/,
    },
    {
      name: "%5c inside an id",
      tail: "/LOC1%5c..%5c..%5ccredentials",
      names: /location_id \("LOC1\\\\\.\..*may not hold/,
    },
    {
      name: "%3b inside an id",
      tail: "/LOC1/..%3b/C1",
      names: /evse_uid \("\.\.;"\) may not hold/,
    },
    { name: "%2e%2e%3b as an id", tail: "/LOC1/%2e%2e%3b/C1", names: /evse_uid \("\.\.;"\)/ },
    { name: "a control character", tail: "/LOC1%00", names: /location_id .*printable ASCII/ },
    { name: "a line break", tail: "/LOC1%0d%0aX-Injected:%201", names: /location_id .*printable/ },
    { name: "a non-ASCII character", tail: "/LOC%C3%A91", names: /location_id .*printable ASCII/ },
    { name: "an id past CiString(36)", tail: `/${"L".repeat(37)}`, names: /location_id .*36/ },
  ];

  it.each(cases)("refuses $name with 2001 and forwards nothing", async ({ tail, names }) => {
    const before = cpo.requests.length;
    const answer = await expectRefused(() => emspGet(tail), 200, 2001, {
      unforwarded: [cpo],
      message: names,
      context: tail,
    });
    expect(answer.body.status_message).not.toMatch(/credentials"? *$/);
    expect(cpo.requests.slice(before), "requests the CPO received").toEqual([]);
  });

  it("refuses a dot segment in front of another route (the parsed URL would land there)", async () => {
    const before = cpo.requests.length;
    const answer = await rawRequest(hub.url, `${SENDER}/../../credentials`, {
      headers: emspHeaders(),
    });
    expectRefused(answer, 200, 2001, { message: /dot segment "\.\."/ });
    const admin = await rawRequest(hub.url, "/admin/x/../platforms", {
      headers: { authorization: "Bearer test-admin-token-0123456789" },
    });
    expect(admin.status).toBe(400);
    expect(admin.body.error.message).toMatch(/dot segment/);
    expect(cpo.requests.slice(before)).toEqual([]);
  });

  it("refuses a country code longer than CiString(2) in a push, naming it", async () => {
    await expectRefused(
      () =>
        cpo.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/receiver/NLD/CPO/LOC1`, {
          to: "DE/EMS",
        }),
      200,
      2001,
      { unforwarded: [emsp], message: /country_code .*at most 2|longer than 2/ },
    );
  });

  it("refuses a callback id that the hub cannot have handed out", async () => {
    const answer = await rawRequest(hub.url, "/ocpi/2.2.1/commands/sender/abc;def", {
      method: "POST",
      headers: { ...emspHeaders(), "content-type": "application/json" },
      body: "{}",
    });
    expectRefused(answer, 200, 2001, { message: /callback_id/ });
  });
});

describe("a valid id with characters a URL must encode", () => {
  it("reaches the receiver encoded once, whatever encoding the sender used", async () => {
    const cases = [
      // A space, a plus and parentheses: CiString allows them.
      { tail: "/LOC%201+2/EVSE(1)/C*1", forwarded: "/LOC%201%2B2/EVSE(1)/C*1" },
      // Over-encoded letters arrive plainly; a '?' in an id stays in the path.
      { tail: "/LOC%2D%41/A%3FB/C%231", forwarded: "/LOC-A/A%3FB/C%231" },
    ];
    for (const { tail, forwarded } of cases) {
      const answer = await emspGet(tail);
      expectOk(answer, tail);
      const got = cpo.moduleRequests("locations", "SENDER").at(-1);
      expect(got?.target, tail).toBe(`${SENDER}${forwarded}`);
    }
  });

  it("delivers a broadcast push to the path of the checked id, encoded", async () => {
    const id = "LOC 7+(x)";
    const location = {
      ...example("location_example.json"),
      country_code: "NL",
      party_id: "CPO",
      id,
    };
    const answer = await cpo.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC%207%2b(x)`,
      { to: `${hub.deps.config.hubCountryCode}/${hub.deps.config.hubPartyId}`, body: location },
    );
    expectOk(answer);
    const delivered = await eventually(() =>
      emsp.moduleRequests("locations", "RECEIVER").find((r) => r.method === "PUT"),
    );
    expect(delivered.target).toBe("/ocpi/2.2.1/locations/receiver/NL/CPO/LOC%207%2B(x)");
    expect((delivered.body as { id: string }).id).toBe(id);
  });
});
