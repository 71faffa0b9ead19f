import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../support/examples.js";
import { expectRefused } from "../support/expect.js";
import type { FakePlatform, FakeRole, HubAnswer } from "../support/fake-platform.js";
import { sendUntilAnswered } from "../support/raw-http.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { ADMIN_TOKEN, startHub, type TestHub } from "../support/test-hub.js";

/**
 * MAX_BODY_BYTES holds for every body, admin API included, while it is
 * read: a larger Content-Length is refused before the body is read, a
 * chunked body once it passes the limit; the answer is 413 (an OCPI
 * envelope with 2001, or the admin API's JSON error) and the connection
 * closes, so the rest is never read. Per platform, a request rate and a
 * number of requests at a time: past them 429 with Retry-After, while the
 * other platforms go on.
 */

const CPO: FakeRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP: FakeRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const LIMIT = 2 * 1024 * 1024;
const HUGE = 300 * 1024 * 1024;

describe("request bodies past MAX_BODY_BYTES (2 MiB by default)", () => {
  let hub: TestHub;
  let cpo: FakePlatform;
  let emsp: FakePlatform;
  let tokenA: string;

  beforeAll(async () => {
    hub = await startHub();
    ({ platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES }));
    ({ platform: emsp } = await hub.connect([EMSP], { modules: EMSP_MODULES }));
    ({ token_a: tokenA } = await hub.invite([
      { role: "EMSP", country_code: "BE", party_id: "NEW" },
    ]));
  });

  afterAll(async () => {
    await hub?.close();
  });

  const ocpiToken = (token: string) => `Token ${Buffer.from(token).toString("base64")}`;

  /** A request line and headers; the body follows with Content-Length or chunked. */
  function head(method: string, path: string, headers: Record<string, string>, length?: number) {
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${new URL(hub.url).host}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    lines.push(
      "Content-Type: application/json",
      length === undefined ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`,
    );
    return `${lines.join("\r\n")}\r\n\r\n`;
  }

  const routes = (): {
    name: string;
    path: string;
    method: string;
    headers: Record<string, string>;
  }[] => [
    {
      name: "a routed push",
      path: "/ocpi/2.2.1/locations/receiver/NL/CPO/BIG",
      method: "PUT",
      headers: {
        Authorization: ocpiToken(cpo.hubToken as string),
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "CPO",
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "EMS",
      },
    },
    {
      name: "the hub's credentials endpoint",
      path: "/ocpi/2.2.1/credentials",
      method: "POST",
      headers: { Authorization: ocpiToken(tokenA) },
    },
  ];

  for (const framing of ["Content-Length", "chunked"] as const) {
    it(`refuses an OCPI body past the limit (${framing}) with 413 and 2001, reading no further`, async () => {
      for (const route of routes()) {
        const before = emsp.requests.length;
        const length = framing === "chunked" ? undefined : HUGE;
        const answer = await sendUntilAnswered(
          hub.url,
          head(route.method, route.path, route.headers, length),
          {
            chunked: framing === "chunked",
            maxBytes: 64 * 1024 * 1024,
          },
        );
        expect(answer.status, route.name).toBe(413);
        const body = JSON.parse(answer.body);
        expect(body.status_code, route.name).toBe(2001);
        expect(body.status_message, route.name).toMatch(/2097152 bytes .*MAX_BODY_BYTES/);
        expect(answer.closed, `${route.name}: the hub closed the connection`).toBe(true);
        // Refused at once on the declared length; a chunked body a little past the limit.
        expect(answer.written, route.name).toBeLessThan(framing === "chunked" ? 16 * LIMIT : LIMIT);
        expect(emsp.requests.slice(before), `${route.name}: forwarded`).toEqual([]);
      }
      const cached = await hub.deps.cache.currentDoc(
        "locations",
        { countryCode: "NL", partyId: "CPO" },
        "BIG",
      );
      expect(cached).toBeUndefined();
    });

    it(`refuses an admin body past the limit (${framing}) with 413 PAYLOAD_TOO_LARGE`, async () => {
      const length = framing === "chunked" ? undefined : HUGE;
      const answer = await sendUntilAnswered(
        hub.url,
        head("POST", "/admin/platforms", { Authorization: `Bearer ${ADMIN_TOKEN}` }, length),
        { chunked: framing === "chunked", maxBytes: 64 * 1024 * 1024 },
      );
      expect(answer.status).toBe(413);
      const body = JSON.parse(answer.body);
      expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(body.error.message).toMatch(/2097152 bytes/);
      expect(answer.closed).toBe(true);
      expect(answer.written).toBeLessThan(framing === "chunked" ? 16 * LIMIT : LIMIT);
      const listed = await hub.admin("GET", "/platforms");
      expect(listed.body.data.map((p: { name: string }) => p.name)).not.toContain("x");
    });
  }

  it("takes bodies up to the limit, chunked or not: their own checks answer them", async () => {
    const name = "n".repeat(LIMIT - 100);
    const json = JSON.stringify({ name, roles: [] });
    expect(json.length).toBeLessThanOrEqual(LIMIT);
    const declared = await fetch(`${hub.url}/admin/platforms`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: json,
    });
    expect(declared.status).toBe(400);
    expect(((await declared.json()) as any).error.code).toBe("INVALID_REQUEST");
    const streamed = await fetch(`${hub.url}/admin/platforms`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: new Blob([json]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(400);
    expect(((await streamed.json()) as any).error.code).toBe("INVALID_REQUEST");

    const location = {
      ...example("location_example.json"),
      country_code: "NL",
      party_id: "CPO",
      id: "NEAR",
    };
    location.name = "n".repeat(LIMIT - 10_000);
    const push = await cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/NEAR`, {
      to: "DE/EMS",
      body: location,
    });
    expectRefused(push, 200, 2001, { message: /name/ });
  });
});

describe("per-platform limits", () => {
  let hub: TestHub;
  let cpo: FakePlatform;
  let emsp: FakePlatform;
  let other: FakePlatform;

  beforeAll(async () => {
    hub = await startHub({
      env: { PLATFORM_RATE_LIMIT: "5", FORWARD_TIMEOUT_MS: "20000" },
      guards: { platforms: { maxInFlight: 4 } },
    });
    ({ platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES }));
    ({ platform: emsp } = await hub.connect([EMSP], { modules: EMSP_MODULES }));
    ({ platform: other } = await hub.connect(
      [{ role: "EMSP", country_code: "BE", party_id: "OTH" }],
      {
        modules: EMSP_MODULES,
      },
    ));
  });

  afterAll(async () => {
    await hub?.close();
  });

  const versions = (p: FakePlatform) => p.hubCall("GET", `${hub.url}/ocpi/2.2.1`);

  function expectTooMany(answer: HubAnswer, message: RegExp) {
    expectRefused(answer, 429, 2000, { message });
    const wait = Number(answer.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
  }

  it("refuses a platform past PLATFORM_RATE_LIMIT with 429 and Retry-After, not the others", async () => {
    // Wait until the bucket is full again after the handshakes.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 30 }, () => versions(emsp)));
    const seconds = (Date.now() - started) / 1000;
    const admitted = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    // A burst of one second's worth (5), plus what the rate refills meanwhile.
    expect(admitted).toBeGreaterThanOrEqual(5);
    expect(admitted).toBeLessThanOrEqual(5 + Math.ceil(seconds * 5) + 1);
    expect(refused.length).toBe(30 - admitted);
    expectTooMany(refused[0] as HubAnswer, /more than 5 requests per second/);
    // Another platform has a rate of its own.
    expect((await versions(other)).status).toBe(200);
  });

  it("refuses a platform with too many requests in flight, while another still gets through", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    cpo.on(async (req) => {
      if (req.module !== "locations" || !req.tail.startsWith("/HOLD")) return undefined;
      await held;
      return {};
    });
    const url = (n: number) => `${hub.url}/ocpi/2.2.1/locations/sender/HOLD${n}`;
    const inFlight = [1, 2, 3, 4].map((n) => emsp.hubRoute("GET", url(n), { to: "NL/CPO" }));
    try {
      // All four wait at the CPO.
      await waitFor(
        () =>
          cpo.moduleRequests("locations").filter((r) => r.tail.startsWith("/HOLD")).length === 4,
      );
      const fifth = await emsp.hubRoute("GET", url(5), { to: "NL/CPO" });
      expectTooMany(fifth, /more than 4 requests at a time/);
      const others = await other.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/sender/FREE`, {
        to: "NL/CPO",
      });
      expect(others.status).toBe(200);
    } finally {
      release();
    }
    for (const answer of await Promise.all(inFlight)) expect(answer.status).toBe(200);
    // Answered, they leave room again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await emsp.hubRoute("GET", url(7), { to: "NL/CPO" })).status).toBe(200);
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
