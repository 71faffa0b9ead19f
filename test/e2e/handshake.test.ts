import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPA" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "MSP" };

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

describe("party-initiated registration (the hub is the credentials receiver)", () => {
  it("completes the handshake, stores the endpoints and answers with the hub's credentials", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole], "CPO A");
    expect(invited.status).toBe("PENDING");
    expect(invited.versions_url).toBe(hub.versionsUrl);

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(1000);
    expect(answer.body.data.url).toBe(hub.versionsUrl);
    expect(answer.body.data.roles).toEqual([
      { role: "HUB", business_details: { name: "OCPI Hub" }, party_id: "HUB", country_code: "NL" },
    ]);
    const token: string = answer.body.data.token;
    expect(token).not.toBe(invited.token_a);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/-/); // outside the Base64 alphabet

    // Before answering, the hub called the platform back with the token it was given.
    const calls = cpo.requests.filter((r) => r.token === cpo.tokenForHub);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /ocpi/versions",
      "GET /ocpi/2.2.1",
    ]);
    expect(calls[0]?.headers.authorization).toBe(
      `Token ${Buffer.from(cpo.tokenForHub).toString("base64")}`,
    );

    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("CONNECTED");
    expect(shown.body.version).toBe("2.2.1");
    expect(shown.body.roles).toEqual([{ ...cpoRole, business_details: { name: "CPO NLCPA" } }]);
    expect(shown.body.endpoints.map((e: { identifier: string }) => e.identifier)).toEqual([
      "credentials",
      "hubclientinfo",
    ]);
  });

  it("kills Token A once registered and lets the new token open every module", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);

    const withA = await cpo.hubCall("GET", hub.versionsUrl, { token: invited.token_a });
    expect(withA.status).toBe(401);
    expect(withA.body.status_code).toBe(2000);

    const clientInfo = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`);
    expect(clientInfo.status).toBe(200);
    expect(clientInfo.body.status_code).toBe(1000);

    const again = await cpo.register(invited.versions_url, invited.token_a).catch(() => undefined);
    expect(again).toBeUndefined(); // Token A no longer opens even the versions endpoint
  });

  it("accepts the raw token form of older peers as well as the Base64 form", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);
    const raw = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`, { encoding: "raw" });
    expect(raw.status).toBe(200);
    expect(raw.body.data.token).toBe(cpo.hubToken);
    const encoded = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`, {
      encoding: "base64",
    });
    expect(encoded.status).toBe(200);
  });

  it("refuses a second POST with 405 and PUT or DELETE before registration with 405", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const credentialsUrl = `${hub.url}/ocpi/2.2.1/credentials`;
    const body = { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles };

    const put = await cpo.hubCall("PUT", credentialsUrl, { token: invited.token_a, body });
    expect(put.status).toBe(405);
    const del = await cpo.hubCall("DELETE", credentialsUrl, { token: invited.token_a });
    expect(del.status).toBe(405);

    await cpo.register(invited.versions_url, invited.token_a);
    const post = await cpo.hubCall("POST", credentialsUrl, { body });
    expect(post.status).toBe(405);
    expect(post.body.status_code).toBe(2000);
  });
});

describe("hub-initiated registration (POST /admin/platforms/:id/register)", () => {
  it("fetches the platform's endpoints with its Token A, posts the hub's credentials and keeps its answer", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole] });
    const invited = await hub.invite([emspRole], "eMSP");

    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });

    expect(res.status).toBe(200);
    expect(res.body.status).toBe("CONNECTED");
    expect(res.body.endpoints.length).toBe(2);
    // The platform could call the hub with the token the hub gave it before answering.
    expect(emsp.hubVersionsCheck?.status).toBe(200);
    expect(emsp.hubCredentials.roles[0].role).toBe("HUB");
    const posted = emsp.requests.find((r) => r.method === "POST");
    expect(posted?.token).toBe(emsp.tokenA);

    // The platform's token for the hub now opens every module.
    const list = await emsp.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`);
    expect(list.status).toBe(200);
    expect(list.body.status_code).toBe(1000);
  });

  it("talks to a raw-token peer in raw form after its Base64 attempt was refused", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole], tokenEncoding: "raw" });
    const invited = await hub.invite([emspRole]);
    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("CONNECTED");
    expect(emsp.requests[0]?.headers.authorization).toBe(
      `Token ${Buffer.from(emsp.tokenA).toString("base64")}`,
    );
    expect(emsp.requests[1]?.headers.authorization).toBe(`Token ${emsp.tokenA}`);

    // Removing the platform tells it so, with the token it issued, in raw form.
    const removed = await hub.admin("DELETE", `/platforms/${invited.id}`);
    expect(removed.status).toBe(204);
    const del = emsp.requests.find((r) => r.method === "DELETE");
    expect(del?.headers.authorization).toBe(`Token ${emsp.tokenForHub}`);
  });
});

describe("credentials PUT and DELETE", () => {
  it("rotates tokens: re-fetches the endpoints, issues a new token, and the old one dies", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole], modules: [] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);
    const oldToken = cpo.hubToken as string;
    const before = cpo.requests.length;

    cpo.modules = [{ identifier: "hubclientinfo", role: "RECEIVER" }];
    const newForHub = cpo.newTokenForHub();
    const put = await cpo.hubCall("PUT", `${hub.url}/ocpi/2.2.1/credentials`, {
      body: { token: newForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles },
    });

    expect(put.status).toBe(200);
    expect(put.body.status_code).toBe(1000);
    const newToken: string = put.body.data.token;
    expect(newToken).not.toBe(oldToken);
    const refetched = cpo.requests.slice(before).filter((r) => r.method === "GET");
    expect(refetched.map((r) => r.token)).toEqual([newForHub, newForHub]);

    const withOld = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`, {
      token: oldToken,
    });
    expect(withOld.status).toBe(401);
    const withNew = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`, {
      token: newToken,
    });
    expect(withNew.status).toBe(200);
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.endpoints.map((e: { identifier: string }) => e.identifier)).toEqual([
      "credentials",
      "hubclientinfo",
    ]);
  });

  it("unregisters on DELETE: the token dies and the platform is PENDING again", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);

    const del = await cpo.hubCall("DELETE", `${hub.url}/ocpi/2.2.1/credentials`);
    expect(del.status).toBe(200);
    expect(del.body.status_code).toBe(1000);

    const after = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`);
    expect(after.status).toBe(401);
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("PENDING");
    expect(shown.body.endpoints).toEqual([]);
  });
});

describe("admin removal", () => {
  it("tells the platform, removes it, and its token stops working", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);

    const res = await hub.admin("DELETE", `/platforms/${invited.id}`);
    expect(res.status).toBe(204);
    const told = cpo.requests.find(
      (r) => r.method === "DELETE" && r.path === "/ocpi/2.2.1/credentials",
    );
    expect(told?.token).toBe(cpo.tokenForHub);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).status).toBe(404);
    expect((await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`)).status).toBe(401);
    await eventually(async () => (await hub.admin("GET", "/platforms")).body.data.length === 0);
  });
});

describe("a new Token A (POST /admin/platforms/:id/token-a)", () => {
  it("lets a platform that unregistered register again, and kills the previous Token A", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);
    await cpo.hubCall("DELETE", `${hub.url}/ocpi/2.2.1/credentials`);

    const first = await hub.admin("POST", `/platforms/${invited.id}/token-a`);
    expect(first.status).toBe(200);
    const second = await hub.admin("POST", `/platforms/${invited.id}/token-a`);
    expect(second.body.token_a).not.toBe(first.body.token_a);
    expect((await cpo.hubCall("GET", hub.versionsUrl, { token: first.body.token_a })).status).toBe(
      401,
    );

    const answer = await cpo.register(second.body.versions_url, second.body.token_a);
    expect(answer.body.status_code).toBe(1000);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("CONNECTED");
    // A registered platform gets no Token A.
    expect((await hub.admin("POST", `/platforms/${invited.id}/token-a`)).status).toBe(409);
  });
});

describe("concurrent hub-initiated registrations", () => {
  it("lets one run and refuses the other with 409", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole] });
    const invited = await hub.invite([emspRole]);
    const body = { versions_url: emsp.versionsUrl, token: emsp.tokenA };
    const [a, b] = await Promise.all([
      hub.admin("POST", `/platforms/${invited.id}/register`, body),
      hub.admin("POST", `/platforms/${invited.id}/register`, body),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(emsp.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("CONNECTED");
  });
});
