import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createOcpiClient, type OcpiClient } from "../../src/egress/ocpi-client.js";
import { createUrlPolicy } from "../../src/egress/url-policy.js";
import { example } from "../support/examples.js";
import { expectOk, expectRefused } from "../support/expect.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { closeServer } from "../support/net.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { deliveryRow, startHub, type TestHub, type TestHubOptions } from "../support/test-hub.js";

/**
 * What the hub's outbound connections may cost it: the size of an answer it
 * reads, the time a request may wait for a socket, the number of pools.
 */

const CPO = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const token = { ...example("token_example_2_full_rfid.json"), country_code: "DE", party_id: "EMS" };

let hub: TestHub | undefined;
let client: OcpiClient | undefined;
const servers: Server[] = [];

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await client?.close();
  client = undefined;
  for (const server of servers.splice(0)) await closeServer(server);
});

/** A hub with a CPO and an eMSP; the CPO asks the eMSP to authorize a token. */
async function world(env: Record<string, string>, options: Omit<TestHubOptions, "env"> = {}) {
  hub = await startHub({ env, ...options });
  const { platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES, name: "Charge Co" });
  const { platform: emsp } = await hub.connect([EMSP], {
    modules: EMSP_MODULES,
    name: "Drive App",
  });
  const url = `${hub.url}/ocpi/2.2.1/tokens/sender/012345678/authorize`;
  const authorize = () => cpo.hubRoute("POST", url, { to: "DE/EMS" });
  return { cpo, emsp, authorize };
}

/** Lets the eMSP answer authorize requests with `reply`. */
function onAuthorize(emsp: FakePlatform, reply: () => object) {
  emsp.on((req) => (req.tail.endsWith("/authorize") ? reply() : undefined));
}

describe("MAX_RELAY_BYTES", () => {
  it("an answer past it gives the sender 3000 naming the receiver and the limit; one within it is relayed", async () => {
    const { emsp, authorize } = await world({ MAX_RELAY_BYTES: "4096" });
    let text = "";
    onAuthorize(emsp, () => ({
      body: emsp.envelope({ allowed: "ALLOWED", token, info: { language: "en", text } }),
    }));

    text = "x".repeat(100);
    expectOk(await authorize());

    text = "x".repeat(20_000);
    expectRefused(await authorize(), 200, 3000, {
      message: ["DE/EMS (Drive App)", "4096 bytes", "MAX_RELAY_BYTES"],
    });
  });
});

describe("a delivery whose answer is past MAX_RELAY_BYTES", () => {
  it("is not retried: a retry would be refused alike; the recipient stays CONNECTED with the reason as its last error", async () => {
    hub = await startHub({ env: { MAX_RELAY_BYTES: "4096" } });
    const { platform: cpo, id: cpoId } = await hub.connect([CPO], {
      modules: CPO_MODULES,
      name: "Charge Co",
    });
    const { platform: emsp } = await hub.connect([EMSP], { modules: EMSP_MODULES, name: "App" });
    cpo.on((req) =>
      req.module === "tokens"
        ? { body: cpo.envelope(undefined, 1000, "x".repeat(20_000)) }
        : undefined,
    );
    const put = await emsp.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/tokens/receiver/DE/EMS/${token.uid}`,
      { to: "NL/HUB", body: token },
    );
    expectOk(put);
    await hub.settled();
    expect(cpo.moduleRequests("tokens", "RECEIVER"), "one attempt, no retry").toHaveLength(1);
    const row = await deliveryRow(hub, cpoId);
    expect(row).toMatchObject({ status: "CONNECTED", retrying: 0, pending: 0 });
    expect(row.last_error).toMatch(/4096/);
  });
});

describe("a receiver that does not answer", () => {
  it("fails requests queued behind its busy sockets with 4002 about the forward timeout after they were sent", async () => {
    const timeoutMs = 1_000;
    // The CPO's own cap on requests in flight (200) stays out of the way of what is measured here.
    const { emsp, authorize } = await world(
      { FORWARD_TIMEOUT_MS: String(timeoutMs) },
      { guards: { platforms: { maxInFlight: 1_000 } } },
    );
    let reached = 0;
    onAuthorize(emsp, () => {
      reached++;
      return { delayMs: 5_000 };
    });

    // 64 sockets per pool: eight times as many requests wait for one in turn.
    const sent = 8 * 64;
    const answers = await Promise.all(
      Array.from({ length: sent }, async () => (await authorize()).body.status_code),
    );

    expect(new Set(answers)).toEqual(new Set([4002]));
    // Timed from its turn, every request would in the end get a socket and reach the eMSP (each
    // wave of 64 freeing the sockets for the next); timed from when it was sent, those still
    // waiting when their time is up fail where they wait and never reach it.
    expect(reached, "requests that reached the eMSP").toBeLessThan(sent);
    expect(reached, "requests that reached the eMSP").toBeGreaterThan(0);
  });
});

/** An OCPI platform stub that counts its open connections and keeps the headers it got. */
async function stub(): Promise<{ url: string; open: () => number; seen: IncomingHttpHeaders[] }> {
  let open = 0;
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ status_code: 1000, timestamp: new Date().toISOString() }));
  });
  server.on("connection", (socket) => {
    open++;
    socket.on("close", () => open--);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, open: () => open, seen };
}

/** The outbound client itself, under open, with a small pool bound. */
function outbound(maxPools: number): OcpiClient {
  client = createOcpiClient({
    timeoutMs: 2_000,
    policy: createUrlPolicy({ policy: "open", allow: [], hubUrl: "http://127.0.0.1:9" }),
    via: "1.1 ocpi-hub-test",
    maxResponseBytes: 1 << 20,
    maxPools,
  });
  return client;
}

const get = (c: OcpiClient, url: string, headers?: Record<string, string>) =>
  c.send({ method: "GET", url, token: "t", encoding: "base64", pool: "platform", headers });

describe("the outbound client's pools", () => {
  it("stay within their bound: a new origin closes the least recently used pool and its sockets", async () => {
    const stubs = await Promise.all(Array.from({ length: 7 }, () => stub()));
    const [a, b, c, d] = stubs as [
      (typeof stubs)[0],
      (typeof stubs)[0],
      (typeof stubs)[0],
      (typeof stubs)[0],
    ];
    const c3 = outbound(3);

    for (const s of [a, b, c, a]) await get(c3, `${s.url}/ocpi/versions`);
    expect(c3.stats().pools).toBe(3);
    await get(c3, `${d.url}/ocpi/versions`);

    expect(c3.stats().pools).toBe(3);
    // b was used least recently: its pool and socket went; a, used again, kept its own.
    await expect.poll(() => b.open()).toBe(0);
    expect(a.open()).toBe(1);
    for (const s of stubs.slice(4)) {
      await get(c3, `${s.url}/ocpi/versions`);
      expect(c3.stats().pools).toBeLessThanOrEqual(3);
    }
    await expect.poll(() => stubs.reduce((sum, s) => sum + s.open(), 0)).toBeLessThanOrEqual(3);
  });

  it("count spellings of one origin once, and refuse user names and the hub's own origin before connecting", async () => {
    const s = await stub();
    const c1 = outbound(8);
    const port = new URL(s.url).port;
    await get(c1, `${s.url}/a`);
    await get(c1, `HTTP://127.0.0.1:${port}/b`);
    expect(c1.stats().pools).toBe(1);

    for (const [url, reason] of [
      [`http://user@127.0.0.1:${port}/`, "a URL may not carry a user name or password"],
      ["http://127.0.0.1:9/ocpi/versions", "the URL points at the hub itself (HUB_URL)"],
      ["ftp://127.0.0.1/", "not an http(s) URL"],
    ] as const) {
      await expect(get(c1, url)).rejects.toMatchObject({ failure: "url-refused", reason });
    }
    expect(s.seen).toHaveLength(2);
    expect(c1.stats().pools).toBe(1);
  });

  it("mark every request with the hub's Via, after a Via it was given", async () => {
    const s = await stub();
    const c1 = outbound(8);
    await get(c1, `${s.url}/a`);
    await get(c1, `${s.url}/b`, { via: "1.0 upstream" });
    expect(s.seen.map((h) => h.via)).toEqual([
      "1.1 ocpi-hub-test",
      "1.0 upstream, 1.1 ocpi-hub-test",
    ]);
  });
});
