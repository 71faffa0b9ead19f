import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { hubPseudonym, viaValue } from "../../src/ocpi/loop-mark.js";
import { example } from "../support/examples.js";
import { expectRefused } from "../support/expect.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { closeServer } from "../support/net.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * Forwarding loops: a platform that lists the hub (or a proxy in front of
 * it) as its own endpoints. Such endpoints are refused at registration, and
 * every request the hub sends carries its Via mark, so one that comes back
 * through a proxy is refused after one hop.
 */

const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMX" };
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPY" };

let hub: TestHub | undefined;
let proxy: { server: Server; agent: Agent } | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  if (proxy !== undefined) {
    proxy.agent.destroy();
    await closeServer(proxy.server);
    proxy = undefined;
  }
});

/**
 * A plain forwarding proxy on 127.0.0.1 in front of `target`: it passes
 * every header on as it came, Via included, as header-preserving proxies do.
 */
async function startProxy(target: string): Promise<{ url: string; forwarded: () => number }> {
  let forwarded = 0;
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    forwarded++;
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  proxy = { server, agent };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded: () => forwarded,
  };
}

/** Makes a fake platform list its module endpoints at `base` (the hub, or a proxy of it). */
function endpointsAt(fake: FakePlatform, base: string): void {
  fake.endpointUrl = (identifier, role) => `${base}/ocpi/2.2.1/${identifier}/${role.toLowerCase()}`;
}

const tokenOf = () => ({
  ...example("token_example_2_full_rfid.json"),
  country_code: "DE",
  party_id: "EMX",
});

describe("endpoints at the hub's own origin", () => {
  it("are refused at registration with 3001 naming the endpoint and the rule", async () => {
    hub = await startHub();
    const cpo = await hub.fake({
      roles: [cpoRole],
      modules: [{ identifier: "tokens", role: "RECEIVER" }],
    });
    endpointsAt(cpo, hub.url);
    const invited = await hub.invite([cpoRole]);

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expectRefused(answer, 200, 3001, {
      message: [
        `the tokens RECEIVER endpoint ${hub.url}/ocpi/2.2.1/tokens/receiver cannot be used: the URL points at the hub itself (HUB_URL)`,
      ],
    });
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("PENDING");
  });
});

describe("the Via mark", () => {
  it("goes on every request the hub sends: handshake, ClientInfo push, forwarded request", async () => {
    hub = await startHub();
    const mark = viaValue(hubPseudonym(hub.url));
    const { platform: cpo } = await hub.connect([cpoRole], {
      modules: [
        { identifier: "tokens", role: "RECEIVER" },
        { identifier: "hubclientinfo", role: "RECEIVER" },
      ],
    });
    const { platform: emsp } = await hub.connect([emspRole], { modules: [] });
    const put = await emsp.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/tokens/receiver/DE/EMX/${tokenOf().uid}`,
      { to: "NL/CPY", body: tokenOf() },
    );
    expect(put.body.status_code).toBe(1000);
    await hub.settled();

    const sent = cpo.requests.filter((r) => r.token === cpo.tokenForHub);
    expect(sent.map((r) => `${r.method} ${r.path.split("/").slice(0, 5).join("/")}`)).toEqual(
      expect.arrayContaining([
        "GET /ocpi/versions",
        "GET /ocpi/2.2.1",
        "PUT /ocpi/2.2.1/clientinfo/DE",
        "PUT /ocpi/2.2.1/tokens/receiver",
      ]),
    );
    for (const r of sent) expect(r.headers.via, `${r.method} ${r.path}`).toBe(mark);
  });

  it("passes on the Via a forwarded request arrived with and appends its own, so a loop through another hub comes back marked", async () => {
    hub = await startHub();
    const mark = viaValue(hubPseudonym(hub.url));
    const { platform: cpo } = await hub.connect([cpoRole], {
      modules: [{ identifier: "tokens", role: "RECEIVER" }],
    });
    const { platform: emsp } = await hub.connect([emspRole], { modules: [] });
    const otherHub = viaValue(hubPseudonym("https://other-hub.example.com"));
    const put = await emsp.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/tokens/receiver/DE/EMX/${tokenOf().uid}`,
      { to: "NL/CPY", body: tokenOf(), headers: { via: otherHub } },
    );
    expect(put.body.status_code).toBe(1000);
    const [forwarded] = cpo.moduleRequests("tokens", "RECEIVER");
    expect(forwarded?.headers.via).toBe(`${otherHub}, ${mark}`);
  });

  it("refuses an inbound request carrying this hub's mark with 4000, before authentication; another hub's mark passes", async () => {
    hub = await startHub();
    const mark = viaValue(hubPseudonym(hub.url));
    const looped = await fetch(`${hub.url}/ocpi/versions`, {
      headers: { via: `1.1 edge-proxy, ${mark}` },
    });
    expect(looped.status).toBe(200);
    const body = (await looped.json()) as { status_code: number; status_message: string };
    expect(body.status_code).toBe(4000);
    expect(body.status_message).toMatch(/forwarding loop/);
    expect(
      hub.logs.some((l) => l.msg === "forwarding loop: a request the hub sent came back to it"),
    ).toBe(true);

    const other = await fetch(`${hub.url}/ocpi/versions`, {
      headers: { via: viaValue(hubPseudonym("https://other-hub.example.com")) },
    });
    expect(other.status).toBe(401);
  });

  it("stops a loop through a header-preserving proxy after one hop", async () => {
    hub = await startHub();
    const front = await startProxy(hub.url);
    // An eMSP platform registers as usual; the hub gives it a token.
    const emsp = await hub.fake({ roles: [emspRole], modules: [] });
    const emspInvite = await hub.invite([emspRole]);
    expect(
      (await emsp.register(emspInvite.versions_url, emspInvite.token_a)).body.status_code,
    ).toBe(1000);
    // A CPO platform lists the proxy as its tokens Receiver, and gives the hub the eMSP's token
    // for calling it: whatever the hub sends it comes back as the eMSP's request.
    const cpo = await hub.fake({
      roles: [cpoRole],
      modules: [{ identifier: "tokens", role: "RECEIVER" }],
    });
    endpointsAt(cpo, front.url);
    cpo.tokenForHub = emsp.hubToken as string;
    const cpoInvite = await hub.invite([cpoRole]);
    expect((await cpo.register(cpoInvite.versions_url, cpoInvite.token_a)).body.status_code).toBe(
      1000,
    );
    await hub.settled();
    expect(front.forwarded()).toBe(0);

    const answer = await emsp.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/tokens/receiver/DE/EMX/${tokenOf().uid}`,
      { to: "NL/CPY", body: tokenOf() },
    );

    // The hub's forward came back through the proxy, was refused, and that answer is relayed.
    expect(answer.body.status_code).toBe(4000);
    expect(answer.body.status_message).toMatch(/forwarding loop/);
    expect(front.forwarded()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(front.forwarded()).toBe(1);
  });
});
