import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../support/database.js";
import { example } from "../support/examples.js";
import { expectRefused } from "../support/expect.js";
import { eventually, type FakePlatform } from "../support/fake-platform.js";
import { type CountingListener, closeServer, countingListener, freePort } from "../support/net.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * URL_POLICY on every URL a platform gives the hub: versions and endpoint
 * URLs at registration, response_url of commands and charging profiles,
 * pagination Links of a sync. A refused URL gets an error naming the rule,
 * and no connection.
 */

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const STRICT = { URL_POLICY: "strict" };

const hubs: TestHub[] = [];
const listeners: CountingListener[] = [];
const servers: Server[] = [];
let database: TestDatabase | undefined;

afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const listener of listeners.splice(0)) await listener.close();
  for (const server of servers.splice(0)) await closeServer(server);
  await database?.dispose();
  database = undefined;
});

async function hubWith(env: Record<string, string> = {}, db?: TestDatabase): Promise<TestHub> {
  const hub = await startHub({ env, ...(db === undefined ? {} : { database: db }) });
  hubs.push(hub);
  return hub;
}

async function listening(options: { reset?: boolean } = {}): Promise<CountingListener> {
  const listener = await countingListener(options);
  listeners.push(listener);
  return listener;
}

/** An HTTP server on 127.0.0.1 that answers every request with `body` (not OCPI). */
async function plainServer(body: string): Promise<string> {
  const server = createServer((_req, res) => res.end(body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const expectPending = async (hub: TestHub, id: string) =>
  expect((await hub.admin("GET", `/platforms/${id}`)).body.status).toBe("PENDING");

/** Requests the hub sent to a fake platform (it records every one). */
const hubRequests = (fake: FakePlatform) => fake.requests.length;

describe("URL_POLICY at start", () => {
  it("is open with an http HUB_URL and says so once in the log; strict says nothing", async () => {
    const warning = (hub: TestHub) =>
      hub.logs.filter((l) => l.level === "warn" && String(l.msg).startsWith("URL_POLICY=open"));
    const open = await hubWith();
    expect(open.deps.config.urlPolicy).toBe("open");
    expect(warning(open)).toHaveLength(1);
    const strict = await hubWith(STRICT);
    expect(warning(strict)).toHaveLength(0);
  });
});

describe("URL_POLICY=strict at registration", () => {
  it("refuses an http versions URL with 2001 naming url and the rule, and never calls it", async () => {
    const hub = await hubWith(STRICT);
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expectRefused(answer, 200, 2001, {
      message: [`url ${cpo.versionsUrl} cannot be used: URL_POLICY=strict admits only https URLs`],
    });
    expect(hubRequests(cpo)).toBe(0);
    await expectPending(hub, invited.id);
  });

  it("refuses an https URL at a loopback address with 2001 naming the address, and never connects", async () => {
    const hub = await hubWith(STRICT);
    const cpo = await hub.fake({ roles: [cpoRole] });
    const target = await listening();
    const invited = await hub.invite([cpoRole]);

    const url = `https://127.0.0.1:${target.port}/ocpi/versions`;
    const answer = await cpo.register(invited.versions_url, invited.token_a, { url });

    expectRefused(answer, 200, 2001, {
      message: [
        `url ${url} cannot be used: URL_POLICY=strict admits only public addresses: 127.0.0.1 is a loopback address`,
      ],
    });
    expect(target.connections()).toBe(0);
    await expectPending(hub, invited.id);
  });

  it("checks the address a name resolves to when connecting: localhost is refused, the address stays in the log", async () => {
    const hub = await hubWith(STRICT);
    const target = await listening();
    const invited = await hub.invite([emspRole]);

    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: `https://localhost:${target.port}/ocpi/versions`,
      token: "token-a-of-the-platform",
    });

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("REGISTRATION_FAILED");
    expect(res.body.error.ocpi_status_code).toBe(3001);
    expect(res.body.error.message).toBe(
      "could not use the platform's versions endpoint (URL_POLICY=strict admits only public addresses: localhost resolves to a loopback address)",
    );
    expect(target.connections()).toBe(0);
    const logged = hub.logs.find(
      (l) => l.msg === "registration: the platform's versions endpoint could not be used",
    );
    expect(String(logged?.reason)).toMatch(
      /localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
    );
    await expectPending(hub, invited.id);
  });

  it("lets URL_ALLOW exempt an address from the address rule but not from https; failures name only their kind", async () => {
    const hub = await hubWith({ ...STRICT, URL_ALLOW: "127.0.0.1" });
    const target = await listening({ reset: true });
    const invited = await hub.invite([emspRole]);
    const register = (versions_url: string) =>
      hub.admin("POST", `/platforms/${invited.id}/register`, {
        versions_url,
        token: "token-a-of-the-platform",
      });

    const plainUrl = `http://127.0.0.1:${target.port}/ocpi/versions`;
    const plain = await register(plainUrl);
    expect(plain.status).toBe(502);
    expect(plain.body.error.ocpi_status_code).toBe(2001);
    expect(plain.body.error.message).toBe(
      `versions_url ${plainUrl} cannot be used: URL_POLICY=strict admits only https URLs`,
    );
    expect(target.connections()).toBe(0);

    const allowed = await register(`https://127.0.0.1:${target.port}/ocpi/versions`);
    expect(allowed.status).toBe(502);
    expect(allowed.body.error.ocpi_status_code).toBe(3001);
    // Allowed, so connected to; the connection dropped, and the message says no more than that.
    expect(target.connections()).toBeGreaterThan(0);
    expect(allowed.body.error.message).toBe(
      "could not use the platform's versions endpoint (unreachable)",
    );
  });
});

describe("registration error messages under URL_POLICY=open", () => {
  it("name the kind of failure only: no socket error codes, HTTP statuses or bodies of what answered", async () => {
    const hub = await hubWith();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const internal = await plainServer("<html>router admin, firmware 1.2.3</html>");
    const cases: [string, string][] = [
      [`http://127.0.0.1:${await freePort()}/`, "unreachable"],
      [`${internal}/`, "invalid response"],
    ];
    for (const [url, kind] of cases) {
      const answer = await cpo.register(invited.versions_url, invited.token_a, { url });
      expectRefused(answer, 200, 3001, { context: url });
      expect(answer.body.status_message, url).toBe(
        `could not use the platform's versions endpoint (${kind})`,
      );
    }
    await expectPending(hub, invited.id);
  });

  it("refuses a URL with a user name, even under open", async () => {
    const hub = await hubWith();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const answer = await cpo.register(invited.versions_url, invited.token_a, {
      url: cpo.versionsUrl.replace("http://", "http://scan@"),
    });
    expectRefused(answer, 200, 2001, {
      message:
        /^url http:\/\/scan@127\.0\.0\.1:\d+\/ocpi\/versions cannot be used: a URL may not carry a user name or password$/,
    });
    expect(hubRequests(cpo)).toBe(0);
  });
});

/** A START_SESSION for the CPO NL/CPO with the eMSP's `response_url`. */
function startSession(responseUrl: string) {
  return {
    response_url: responseUrl,
    token: { ...example("token_example_2_full_rfid.json"), country_code: "DE", party_id: "EMS" },
    location_id: "LOC1",
    evse_uid: "3256",
    connector_id: "1",
  };
}

describe("response_url", () => {
  it("is refused with 2001 naming response_url and the rule when it has a user name or points at the hub; nothing is forwarded", async () => {
    const hub = await hubWith();
    const { platform: cpo } = await hub.connect([cpoRole], { modules: CPO_MODULES });
    const { platform: emsp } = await hub.connect([emspRole], { modules: EMSP_MODULES });
    const ocpi = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;
    const own = emsp.endpointUrl("commands", "SENDER");
    const refused: [string, string][] = [
      [own.replace("http://", "http://user:pw@"), "a URL may not carry a user name or password"],
      [`${hub.url}/ocpi/2.2.1/commands/sender/x`, "the URL points at the hub itself (HUB_URL)"],
    ];
    for (const [url, reason] of refused) {
      await expectRefused(
        () =>
          emsp.hubRoute("POST", ocpi("commands/receiver/START_SESSION"), {
            to: "NL/CPO",
            body: startSession(url),
          }),
        200,
        2001,
        {
          message: [`response_url ${url} cannot be used: ${reason}`],
          unforwarded: [cpo],
          context: url,
        },
      );
      const query = `response_url=${encodeURIComponent(url)}`;
      await expectRefused(
        () =>
          emsp.hubRoute("DELETE", ocpi(`chargingprofiles/receiver/101?${query}`), {
            to: "NL/CPO",
          }),
        200,
        2001,
        {
          message: [`response_url ${url} cannot be used: ${reason}`],
          unforwarded: [cpo],
          context: url,
        },
      );
    }
    // The eMSP's own endpoint is fine.
    const accepted = await emsp.hubRoute("POST", ocpi("commands/receiver/START_SESSION"), {
      to: "NL/CPO",
      body: startSession(`${own}/START_SESSION/1`),
    });
    expect(accepted.body.status_code).toBe(1000);
  });

  it("under strict is refused at internal addresses and over http; stored http endpoints are not called either", async () => {
    // Registered under open (as before an upgrade), then served by a strict instance.
    database = await freshDatabase();
    const open = await hubWith({}, database);
    const { platform: cpo } = await open.connect([cpoRole], { modules: CPO_MODULES });
    const { platform: emsp } = await open.connect([emspRole], { modules: EMSP_MODULES });
    const strict = await hubWith(STRICT, database);
    const internal = await listening();
    const send = (responseUrl: string) =>
      emsp.hubRoute("POST", `${strict.url}/ocpi/2.2.1/commands/receiver/START_SESSION`, {
        to: "NL/CPO",
        body: startSession(responseUrl),
      });

    await expectRefused(() => send(`https://127.0.0.1:${internal.port}/cb`), 200, 2001, {
      message: [
        `response_url https://127.0.0.1:${internal.port}/cb cannot be used: URL_POLICY=strict admits only public addresses: 127.0.0.1 is a loopback address`,
      ],
      unforwarded: [cpo],
    });
    await expectRefused(() => send("https://169.254.169.254/latest/meta-data"), 200, 2001, {
      message: ["169.254.169.254 is a cloud metadata address"],
      unforwarded: [cpo],
    });
    await expectRefused(() => send(`${emsp.endpointUrl("commands", "SENDER")}/x`), 200, 2001, {
      message: [": URL_POLICY=strict admits only https URLs", "response_url http://"],
      unforwarded: [cpo],
    });
    expect(internal.connections()).toBe(0);

    // An acceptable response_url; the CPO's stored endpoint is http, which strict does not call.
    await expectRefused(() => send("https://emsp.example.com/results/1"), 200, 4003, {
      message: ["URL_POLICY=strict admits only https URLs"],
      unforwarded: [cpo],
    });
  });
});

describe("pagination Links of a sync", () => {
  it("a Link with a user name ends the sync FAILED naming it and the rule; it is not followed", async () => {
    const hub = await hubWith();
    const cpo = await hub.fake({
      roles: [cpoRole],
      modules: [{ identifier: "locations", role: "SENDER" }],
    });
    const location = (id: string) => ({
      ...example("location_example.json"),
      country_code: "NL",
      party_id: "CPO",
      id,
    });
    let page = 0;
    cpo.on((req) => {
      if (req.method !== "GET" || req.module !== "locations") return undefined;
      page++;
      const next = `${cpo.endpointUrl("locations", "SENDER").replace("http://", `http://page${page}@`)}?offset=${page}&limit=1`;
      return {
        body: cpo.envelope([location(`LOC${page}`)]),
        headers: { Link: `<${next}>; rel="next"`, "X-Total-Count": "1000", "X-Limit": "1" },
      };
    });
    const invited = await hub.invite([cpoRole]);
    expect((await cpo.register(invited.versions_url, invited.token_a)).body.status_code).toBe(1000);

    const sync = await eventually(async () => {
      const s = (await hub.admin("GET", `/platforms/${invited.id}`)).body.sync;
      return s && s.status !== "RUNNING" ? s : undefined;
    }, 10_000);
    expect(sync.status).toBe("FAILED");
    expect(sync.error).toContain("locations");
    // The admin view masks the user name (the URL as the log and last_error show any URL).
    expect(sync.error).toMatch(
      /a Link to http:\/\/\*\*\*@127\.0\.0\.1:\d+\/ocpi\/2\.2\.1\/locations\/sender\?offset=1/,
    );
    expect(sync.error).toContain("a URL may not carry a user name or password");
    expect(cpo.moduleRequests("locations", "SENDER")).toHaveLength(1);
    expect(hub.deps.client.stats().pools).toBeLessThanOrEqual(2);
  });
});
