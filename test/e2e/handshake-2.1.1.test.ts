import { afterEach, describe, expect, it } from "vitest";
import { Credentials211Schema } from "../../src/versions/v2_1_1/schemas/credentials.js";
import { VersionDetails211Schema } from "../../src/versions/v2_1_1/schemas/version.js";
import { eventually, type FakePlatform } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "BE", party_id: "OLD" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "ELD" };

/** The hub's own party, as its 2.1.1 credentials name it. */
const HUB_211 = { business_details: { name: "OCPI Hub" }, party_id: "HUB", country_code: "NL" };

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

const endpointsOf = (shown: { body: any }) =>
  shown.body.endpoints.map(
    (e: { identifier: string; role: string }) => `${e.identifier} ${e.role}`,
  );

/**
 * The handshake requests the platform got from the hub (versions, version
 * details, credentials), as "METHOD path"; a cache sync of a CPO may follow.
 */
const handshakeCalls = (platform: FakePlatform, from = 0) =>
  platform.requests
    .slice(from)
    .filter((r) => /^\/ocpi\/(versions|2\.1\.1|2\.2\.1)(\/credentials)?$/.test(r.path))
    .map((r) => ({ call: `${r.method} ${r.path}`, authorization: r.headers.authorization }));

/** A 2.1.1-only CPO (locations, tariffs, sessions, cdrs; a hubclientinfo 2.1.1 lacks) invited and registered. */
async function registered211Cpo() {
  const cpo = await hub.fake({
    roles: [cpoRole],
    ocpiVersions: ["2.1.1"],
    modules: [
      { identifier: "locations", role: "SENDER" },
      { identifier: "tokens", role: "RECEIVER" },
      { identifier: "commands", role: "RECEIVER" },
      { identifier: "hubclientinfo", role: "RECEIVER" },
    ],
  });
  const invited = await hub.invite([cpoRole], "CPO on 2.1.1");
  const answer = await cpo.register211(invited.versions_url, invited.token_a);
  return { cpo, invited, answer };
}

describe("versions for 2.1.1 platforms", () => {
  it("lists 2.1.1 and 2.2.1, and 2.1.1 details without roles listing what is served", async () => {
    hub = await startHub();
    const invited = await hub.invite([cpoRole]);
    const cpo = await hub.fake({ roles: [cpoRole], ocpiVersions: ["2.1.1"] });

    const versions = await cpo.hubCall("GET", hub.versionsUrl, { token: invited.token_a });
    expect(versions.status).toBe(200);
    expect(versions.body.data).toEqual([
      { version: "2.1.1", url: `${hub.url}/ocpi/2.1.1` },
      { version: "2.2.1", url: `${hub.url}/ocpi/2.2.1` },
    ]);

    const details = await cpo.hubCall("GET", `${hub.url}/ocpi/2.1.1`, { token: invited.token_a });
    expect(details.status).toBe(200);
    expect(details.body.status_code).toBe(1000);
    expect(VersionDetails211Schema.safeParse(details.body.data).success).toBe(true);
    expect(details.body.data).toEqual({
      version: "2.1.1",
      endpoints: [
        "credentials",
        "locations",
        "sessions",
        "cdrs",
        "tariffs",
        "tokens",
        "commands",
      ].map((identifier) => ({
        identifier,
        url: `${hub.url}/ocpi/2.1.1/${identifier}`,
      })),
    });
  });

  it("refuses an unknown token with HTTP 401 on the 2.1.1 paths", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole], ocpiVersions: ["2.1.1"] });
    await hub.invite([cpoRole]);
    for (const path of ["/ocpi/versions", "/ocpi/2.1.1", "/ocpi/2.1.1/credentials"]) {
      const res = await cpo.hubCall("GET", `${hub.url}${path}`, {
        token: "not-a-token-of-the-hub",
      });
      expect(res.status, path).toBe(401);
      expect(res.body.status_code, path).toBe(2000);
    }
    const post = await cpo.hubCall("POST", `${hub.url}/ocpi/2.1.1/credentials`, {
      token: "not-a-token-of-the-hub",
      body: cpo.credentials211,
    });
    expect(post.status).toBe(401);
    expect(cpo.requests).toEqual([]);
  });
});

describe("a 2.1.1 platform registers itself (POST /ocpi/2.1.1/credentials with Token A)", () => {
  it("fetches its 2.1.1 endpoints with the raw token and answers with the hub's 2.1.1 credentials", async () => {
    hub = await startHub();
    const { cpo, invited, answer } = await registered211Cpo();

    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(1000);
    expect(Credentials211Schema.safeParse(answer.body.data).success).toBe(true);
    const { token, ...rest } = answer.body.data;
    expect(rest).toEqual({ url: hub.versionsUrl, ...HUB_211 });
    expect(token).not.toBe(invited.token_a);

    // Before answering, the hub read the platform's 2.1.1 endpoints, with its token as it is.
    const authorization = `Token ${cpo.tokenForHub}`;
    expect(handshakeCalls(cpo)).toEqual([
      { call: "GET /ocpi/versions", authorization },
      { call: "GET /ocpi/2.1.1", authorization },
    ]);

    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body).toMatchObject({ status: "CONNECTED", version: "2.1.1" });
    expect(shown.body.roles).toEqual([{ ...cpoRole, business_details: { name: "CPO BEOLD" } }]);
    // A CPO's endpoints serve the CPO's interfaces; 2.1.1 has no hubclientinfo.
    expect(endpointsOf(shown)).toEqual([
      "credentials SENDER",
      "locations SENDER",
      "tokens RECEIVER",
      "commands RECEIVER",
    ]);
    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.map((p: { version: string }) => p.version)).toEqual(["2.1.1"]);

    // The hub's later calls (here the pull of its locations) carry the raw token and no routing headers.
    const pull = await eventually(() =>
      cpo.requests.find((r) => r.path === "/ocpi/2.1.1/locations"),
    );
    expect(pull.headers.authorization).toBe(authorization);
    expect(Object.keys(pull.headers).filter((h) => h.startsWith("ocpi-"))).toEqual([]);
  });

  it("opens the hub to the new token in raw form and closes it to Token A", async () => {
    hub = await startHub();
    const { cpo, invited } = await registered211Cpo();

    const mine = await cpo.hubCall("GET", `${hub.url}/ocpi/2.1.1/credentials`);
    expect(mine.headers.get("content-type")).toMatch(/^application\/json/);
    expect(mine.status).toBe(200);
    expect(mine.body.data).toEqual({ token: cpo.hubToken, url: hub.versionsUrl, ...HUB_211 });
    const withA = await cpo.hubCall("GET", `${hub.url}/ocpi/2.1.1`, { token: invited.token_a });
    expect(withA.status).toBe(401);
    const again = await cpo.hubCall("POST", `${hub.url}/ocpi/2.1.1/credentials`, {
      body: cpo.credentials211,
    });
    expect(again.status).toBe(405);
  });

  it("refuses invalid 2.1.1 credentials with 2001 naming the field, and keeps the platform PENDING", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole], ocpiVersions: ["2.1.1"] });
    const invited = await hub.invite([cpoRole]);
    const { party_id: _party, ...noParty } = cpo.credentials211;
    const cases: [string, unknown, string][] = [
      ["no party_id", noParty, "party_id"],
      ["a bad url", { ...cpo.credentials211, url: "not a url" }, "url"],
      [
        "no business name",
        { ...cpo.credentials211, business_details: {} },
        "business_details.name",
      ],
      ["another party", { ...cpo.credentials211, party_id: "XYZ" }, "party_id"],
      ["another country", { ...cpo.credentials211, country_code: "FR" }, "country_code"],
    ];
    for (const [what, body, field] of cases) {
      const res = await cpo.hubCall("POST", `${hub.url}/ocpi/2.1.1/credentials`, {
        token: invited.token_a,
        body,
      });
      expect(res.status, what).toBe(200);
      expect(res.body.status_code, what).toBe(2001);
      expect(res.body.status_message, what).toMatch(new RegExp(`(^|[ :])${field}: `));
    }
    expect(cpo.requests).toEqual([]);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("PENDING");
    expect((await cpo.register211(invited.versions_url, invited.token_a)).body.status_code).toBe(
      1000,
    );
  });

  it("refuses with 3002 a platform invited with more than one party, which 2.1.1 cannot carry", async () => {
    hub = await startHub();
    const both = [cpoRole, { ...emspRole, country_code: "BE", party_id: "OLD" }];
    const platform = await hub.fake({ roles: both, ocpiVersions: ["2.1.1"] });
    const invited = await hub.invite(both);

    const res = await platform.register211(invited.versions_url, invited.token_a);
    expect(res.body.status_code).toBe(3002);
    expect(res.body.status_message).toMatch(/2\.1\.1 connects one CPO or eMSP/);

    const byHub = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: platform.versionsUrl,
      token: platform.tokenA,
    });
    expect(byHub.status).toBe(502);
    expect(byHub.body.error.ocpi_status_code).toBe(3002);
    expect(platform.requests.some((r) => r.method === "POST")).toBe(false);
  });
});

describe("the hub registers a 2.1.1 platform (POST /admin/platforms/:id/register)", () => {
  it("posts the hub's 2.1.1 credentials with the raw Token A and keeps the platform's answer", async () => {
    hub = await startHub();
    const emsp = await hub.fake({
      roles: [emspRole],
      ocpiVersions: ["2.1.1"],
      modules: [{ identifier: "tokens", role: "SENDER" }],
    });
    const invited = await hub.invite([emspRole], "eMSP on 2.1.1");

    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "CONNECTED", version: "2.1.1" });
    expect(endpointsOf(res)).toEqual(["credentials SENDER", "tokens SENDER"]);
    const posted = emsp.requests.find((r) => r.method === "POST");
    expect(posted?.path).toBe("/ocpi/2.1.1/credentials");
    expect(posted?.headers.authorization).toBe(`Token ${emsp.tokenA}`);
    const { token, ...rest } = (posted?.body ?? {}) as Record<string, unknown>;
    expect(rest).toEqual({ url: hub.versionsUrl, ...HUB_211 });
    // The platform checked the token it was given, raw, before it answered.
    expect(emsp.hubVersionsCheck?.status).toBe(200);
    expect(emsp.hubToken).toBe(token);
    const mine = await emsp.hubCall("GET", `${hub.url}/ocpi/2.1.1/credentials`);
    expect(mine.status).toBe(200);
    expect(mine.body.data.token).toBe(token);
  });

  it("picks 2.2.1 for a platform offering both versions, whoever starts", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole], ocpiVersions: ["2.1.1", "2.2.1"] });
    const invited = await hub.invite([emspRole]);
    const byHub = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });
    expect(byHub.body).toMatchObject({ status: "CONNECTED", version: "2.2.1" });
    const posted = emsp.requests.find((r) => r.method === "POST");
    expect(posted?.path).toBe("/ocpi/2.2.1/credentials");
    expect((posted?.body as { roles?: { role: string }[] } | undefined)?.roles?.[0]?.role).toBe(
      "HUB",
    );

    const cpo = await hub.fake({ roles: [cpoRole], ocpiVersions: ["2.1.1", "2.2.1"] });
    const cpoInvited = await hub.invite([cpoRole]);
    expect((await cpo.register(cpoInvited.versions_url, cpoInvited.token_a)).body.status_code).toBe(
      1000,
    );
    const shown = await hub.admin("GET", `/platforms/${cpoInvited.id}`);
    expect(shown.body.version).toBe("2.2.1");
    expect(handshakeCalls(cpo).map((r) => r.call)).toEqual([
      "GET /ocpi/versions",
      "GET /ocpi/2.2.1",
    ]);
  });
});

describe("2.1.1 rotation and unregistration", () => {
  it("rotates on the platform's PUT: re-reads its 2.1.1 endpoints and the old token dies", async () => {
    hub = await startHub();
    const { cpo, invited } = await registered211Cpo();
    const oldToken = cpo.hubToken as string;
    const before = cpo.requests.length;
    cpo.modules = [{ identifier: "cdrs", role: "SENDER" }];
    cpo.newTokenForHub();

    const put = await cpo.hubCall("PUT", `${hub.url}/ocpi/2.1.1/credentials`, {
      body: cpo.credentials211,
    });

    expect(put.status).toBe(200);
    expect(put.body.status_code).toBe(1000);
    const { token, ...rest } = put.body.data;
    expect(rest).toEqual({ url: hub.versionsUrl, ...HUB_211 });
    expect(token).not.toBe(oldToken);
    const authorization = `Token ${cpo.tokenForHub}`;
    expect(handshakeCalls(cpo, before)).toEqual([
      { call: "GET /ocpi/versions", authorization },
      { call: "GET /ocpi/2.1.1", authorization },
    ]);
    const path = `${hub.url}/ocpi/2.1.1/credentials`;
    expect((await cpo.hubCall("GET", path, { token: oldToken })).status).toBe(401);
    expect((await cpo.hubCall("GET", path, { token })).status).toBe(200);
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(endpointsOf(shown)).toEqual(["credentials SENDER", "cdrs SENDER"]);
  });

  it("rotates on the operator's request with a 2.1.1 PUT under the platform's raw token", async () => {
    hub = await startHub();
    const { cpo, invited } = await registered211Cpo();
    const oldHubToken = cpo.hubToken as string;
    const oldTokenForHub = cpo.tokenForHub;

    const res = await hub.admin("POST", `/platforms/${invited.id}/rotate`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "CONNECTED", version: "2.1.1", last_error: null });
    const put = cpo.requests.find((r) => r.method === "PUT");
    expect(put?.path).toBe("/ocpi/2.1.1/credentials");
    expect(put?.headers.authorization).toBe(`Token ${oldTokenForHub}`);
    const { token, ...rest } = (put?.body ?? {}) as Record<string, unknown>;
    expect(rest).toEqual({ url: hub.versionsUrl, ...HUB_211 });
    expect(cpo.hubToken).toBe(token);
    expect(cpo.tokenForHub).not.toBe(oldTokenForHub);
    const path = `${hub.url}/ocpi/2.1.1/credentials`;
    expect((await cpo.hubCall("GET", path, { token: oldHubToken })).status).toBe(401);
    expect((await cpo.hubCall("GET", path)).status).toBe(200);

    // The hub now presents the platform's new token, raw: removal tells the platform with it.
    expect((await hub.admin("DELETE", `/platforms/${invited.id}`)).status).toBe(204);
    const told = cpo.requests.find((r) => r.method === "DELETE");
    expect(told?.path).toBe("/ocpi/2.1.1/credentials");
    expect(told?.headers.authorization).toBe(`Token ${cpo.tokenForHub}`);
  });

  it("unregisters on the platform's DELETE: PENDING, no version, and the token dies", async () => {
    hub = await startHub();
    const { cpo, invited } = await registered211Cpo();

    const del = await cpo.hubCall("DELETE", `${hub.url}/ocpi/2.1.1/credentials`);
    expect(del.status).toBe(200);
    expect(del.body.status_code).toBe(1000);

    expect((await cpo.hubCall("GET", `${hub.url}/ocpi/2.1.1/credentials`)).status).toBe(401);
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body).toMatchObject({ status: "PENDING", version: null, endpoints: [] });
  });

  it("switches a 2.2.1 registration to 2.1.1 on a PUT to the 2.1.1 credentials endpoint", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole], ocpiVersions: ["2.1.1", "2.2.1"] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.version).toBe("2.2.1");

    const put = await cpo.hubCall("PUT", `${hub.url}/ocpi/2.1.1/credentials`, {
      body: cpo.credentials211,
      encoding: "raw",
    });

    expect(put.body.status_code).toBe(1000);
    expect(put.body.data.roles).toBeUndefined();
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.version).toBe("2.1.1");
    expect(endpointsOf(shown)).toEqual(["credentials SENDER"]);
  });
});
