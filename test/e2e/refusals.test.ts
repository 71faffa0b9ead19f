import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { DATE_TIME, expectOk, expectRefused } from "../support/expect.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { freePort } from "../support/net.js";
import { ADMIN_TOKEN, startHub, type TestHub } from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPA" };
const secondCpoRole = { role: "CPO", country_code: "NL", party_id: "CPB" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "MSP" };
/** A role no platform in these tests was invited with. */
const strayRole = { role: "EMSP", country_code: "BE", party_id: "ZZZ" };

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** A versions URL on 127.0.0.1 where nothing listens. */
async function deadVersionsUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/ocpi/versions`;
}

/** The platform is still waiting for its registration: nothing of a refused attempt was kept. */
async function expectPending(id: string) {
  const shown = await hub.admin("GET", `/platforms/${id}`);
  expect(shown.status).toBe(200);
  expect(shown.body.status).toBe("PENDING");
  expect(shown.body.version).toBeNull();
  expect(shown.body.endpoints).toEqual([]);
  return shown.body;
}

/** Token A still opens the versions endpoint and its details. */
async function expectTokenAWorks(f: FakePlatform, tokenA: string) {
  expectOk(await f.hubCall("GET", hub.versionsUrl, { token: tokenA }), "versions with Token A");
  expectOk(
    await f.hubCall("GET", `${hub.url}/ocpi/2.2.1`, { token: tokenA }),
    "details with Token A",
  );
}

/** After the refusals, a correct registration with the same Token A succeeds. */
async function expectRegisters(
  f: FakePlatform,
  invited: { id: string; token_a: string; versions_url: string },
) {
  const answer = await f.register(invited.versions_url, invited.token_a);
  expectOk(answer, "registration after the refusals");
  const shown = await hub.admin("GET", `/platforms/${invited.id}`);
  expect(shown.body.status).toBe("CONNECTED");
}

describe("authentication refusals", () => {
  it("answers a request without Authorization with 401 and 2000, echoing or making the request ids", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const urls = [
      hub.versionsUrl,
      `${hub.url}/ocpi/2.2.1`,
      `${hub.url}/ocpi/2.2.1/credentials`,
      `${hub.url}/ocpi/2.2.1/hubclientinfo`,
    ];

    for (const url of urls) {
      const res = await cpo.hubCall("GET", url, {
        headers: { "X-Request-ID": "request-1234", "X-Correlation-ID": "correlation-5678" },
      });
      expectRefused(res, 401, 2000, { context: url });
      expect(res.headers.get("x-request-id"), url).toBe("request-1234");
      expect(res.headers.get("x-correlation-id"), url).toBe("correlation-5678");
    }

    const first = await cpo.hubCall("GET", hub.versionsUrl);
    const second = await cpo.hubCall("GET", hub.versionsUrl);
    for (const res of [first, second]) {
      expectRefused(res, 401, 2000);
      expect(res.headers.get("x-request-id")).toMatch(/\S/);
      expect(res.headers.get("x-correlation-id")).toMatch(/\S/);
    }
    expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"));

    const post = await cpo.hubCall("POST", `${hub.url}/ocpi/2.2.1/credentials`, {
      body: { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles },
    });
    expectRefused(post, 401, 2000);

    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    expect(cpo.requests).toEqual([]);
  });

  it("answers an unknown token, Base64-encoded or raw, with 401", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const stranger = `stranger-${randomUUID()}`;

    for (const encoding of ["base64", "raw"] as const) {
      for (const url of [
        hub.versionsUrl,
        `${hub.url}/ocpi/2.2.1`,
        `${hub.url}/ocpi/2.2.1/hubclientinfo`,
      ]) {
        const res = await cpo.hubCall("GET", url, { token: stranger, encoding });
        expectRefused(res, 401, 2000, { context: `${encoding} ${url}` });
      }
      const post = await cpo.hubCall("POST", `${hub.url}/ocpi/2.2.1/credentials`, {
        token: stranger,
        encoding,
        body: { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles },
      });
      expectRefused(post, 401, 2000, { context: `${encoding} POST credentials` });
    }

    // Headers that carry no token at all.
    for (const authorization of [
      `Bearer ${invited.token_a}`,
      "Token",
      "Token  ",
      `Basic ${stranger}`,
    ]) {
      const res = await cpo.hubCall("GET", hub.versionsUrl, { headers: { authorization } });
      expectRefused(res, 401, 2000, { context: authorization });
    }

    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    await expectRegisters(cpo, invited);
  });

  it("answers Token A on a module other than versions and credentials with 401", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);

    for (const encoding of ["base64", "raw"] as const) {
      const res = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`, {
        token: invited.token_a,
        encoding,
      });
      expectRefused(res, 401, 2000, { context: encoding });
    }

    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    await expectRegisters(cpo, invited);
  });
});

describe("party-initiated registration refused", () => {
  it("refuses roles that were not invited, and invited roles that are missing, with 2001", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole, secondCpoRole] });
    const invited = await hub.invite([cpoRole, secondCpoRole]);
    const stray = { ...strayRole, business_details: { name: "Stray eMSP" } };

    const extra = await cpo.register(invited.versions_url, invited.token_a, {
      roles: [...cpo.credentialsRoles, stray],
    });
    expectRefused(extra, 200, 2001, { context: "role not invited" });
    expect(extra.body.status_message).toContain("EMSP");
    expect(extra.body.status_message).toContain("ZZZ");
    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);

    const [first] = cpo.credentialsRoles;
    const missing = await cpo.register(invited.versions_url, invited.token_a, { roles: [first] });
    expectRefused(missing, 200, 2001, { context: "invited role missing" });
    expect(missing.body.status_message).toContain("CPB");
    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);

    const swapped = await cpo.register(invited.versions_url, invited.token_a, {
      roles: [first, stray],
    });
    expectRefused(swapped, 200, 2001, { context: "one role swapped for another" });
    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);

    await expectRegisters(cpo, invited);
  });

  it("answers 3001 when the platform's versions URL cannot be reached", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);

    const answer = await cpo.register(invited.versions_url, invited.token_a, {
      url: await deadVersionsUrl(),
    });

    expectRefused(answer, 200, 3001);
    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    await expectRegisters(cpo, invited);
  });

  it("answers 3001, 3002 or 3003 for a broken versions endpoint and keeps nothing", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const cases = [
      ["http-500", 3001],
      ["not-json", 3001],
      ["no-2.2.1", 3002],
      ["no-credentials", 3003],
    ] as const;

    for (const [mode, statusCode] of cases) {
      cpo.versionsMode = mode;
      const answer = await cpo.register(invited.versions_url, invited.token_a);
      expectRefused(answer, 200, statusCode, { context: mode });
      await expectPending(invited.id);
      await expectTokenAWorks(cpo, invited.token_a);
    }
    // The hub did try the platform's versions endpoint each time.
    const tried = cpo.requests.filter((r) => r.method === "GET" && r.path === "/ocpi/versions");
    expect(tried.length).toBeGreaterThanOrEqual(cases.length);

    cpo.versionsMode = "ok";
    await expectRegisters(cpo, invited);
  });

  it("answers 3001 within the forward timeout when the platform's versions endpoint hangs", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole], versions: "hang" });
    const invited = await hub.invite([cpoRole]);

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expectRefused(answer, 200, 3001);
    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    cpo.versionsMode = "ok";
    await expectRegisters(cpo, invited);
  });
});

describe("malformed and invalid credentials", () => {
  it("answers a body that is not JSON, or no body, with HTTP 400 and 2001", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const credentialsUrl = `${hub.url}/ocpi/2.2.1/credentials`;

    for (const rawBody of ['{"token": "abc", "url": ', "not json at all", "", "   "]) {
      const res = await cpo.hubCall("POST", credentialsUrl, { token: invited.token_a, rawBody });
      expectRefused(res, 400, 2001, { context: JSON.stringify(rawBody) });
    }

    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    expect(cpo.requests).toEqual([]);
    await expectRegisters(cpo, invited);
  });

  it("answers JSON that is not a valid Credentials object with 2001 naming the field", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const credentialsUrl = `${hub.url}/ocpi/2.2.1/credentials`;
    const valid = { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles };
    const [role] = cpo.credentialsRoles;
    const cases: [string, unknown, string][] = [
      ["missing url", { token: valid.token, roles: valid.roles }, "url"],
      ["relative url", { ...valid, url: "ocpi/versions" }, "url"],
      ["token of 65 characters", { ...valid, token: "t".repeat(65) }, "token"],
      ["token with a space", { ...valid, token: "two words" }, "token"],
      ["unknown role", { ...valid, roles: [{ ...role, role: "BOSS" }] }, "roles[0].role"],
      [
        "party_id of 4 characters",
        { ...valid, roles: [{ ...role, party_id: "CPAX" }] },
        "roles[0].party_id",
      ],
      ["no roles", { ...valid, roles: [] }, "roles"],
      ["an array", [valid], "credentials"],
    ];

    for (const [what, body, field] of cases) {
      const res = await cpo.hubCall("POST", credentialsUrl, { token: invited.token_a, body });
      expectRefused(res, 200, 2001, { context: what });
      expect(res.body.status_message, what).toContain(field);
    }

    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    expect(cpo.requests).toEqual([]);
    await expectRegisters(cpo, invited);
  });
});

describe("suspended platforms", () => {
  it("refuses every call of a suspended platform with 403 and lets it back in on resume", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);
    const calls = [
      hub.versionsUrl,
      `${hub.url}/ocpi/2.2.1`,
      `${hub.url}/ocpi/2.2.1/credentials`,
      `${hub.url}/ocpi/2.2.1/hubclientinfo`,
    ];

    const suspended = await hub.admin("POST", `/platforms/${invited.id}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("SUSPENDED");

    for (const url of calls) {
      const res = await cpo.hubCall("GET", url);
      expectRefused(res, 403, 2000, { context: url });
      expect(res.body.status_message, url).toContain("suspended");
    }
    // Nor may it change or end its registration meanwhile.
    const put = await cpo.hubCall("PUT", `${hub.url}/ocpi/2.2.1/credentials`, {
      body: { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles },
    });
    expectRefused(put, 403, 2000, { context: "PUT credentials" });
    const del = await cpo.hubCall("DELETE", `${hub.url}/ocpi/2.2.1/credentials`);
    expectRefused(del, 403, 2000, { context: "DELETE credentials" });

    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("SUSPENDED");
    expect(shown.body.version).toBe("2.2.1");
    expect(shown.body.endpoints.length).toBe(2);

    const resumed = await hub.admin("POST", `/platforms/${invited.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe("CONNECTED");
    for (const url of calls) expectOk(await cpo.hubCall("GET", url), url);
    const again = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(again.body.endpoints).toEqual(shown.body.endpoints);
  });

  it("refuses the Token A of a suspended pending platform until it is resumed", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);

    const suspended = await hub.admin("POST", `/platforms/${invited.id}/suspend`);
    expect(suspended.body.status).toBe("SUSPENDED");

    for (const url of [hub.versionsUrl, `${hub.url}/ocpi/2.2.1`]) {
      const res = await cpo.hubCall("GET", url, { token: invited.token_a });
      expectRefused(res, 403, 2000, { context: url });
      expect(res.body.status_message, url).toContain("suspended");
    }
    const post = await cpo.hubCall("POST", `${hub.url}/ocpi/2.2.1/credentials`, {
      token: invited.token_a,
      body: { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles },
    });
    expectRefused(post, 403, 2000, { context: "POST credentials" });
    expect(post.body.status_message).toContain("suspended");
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("SUSPENDED");
    expect(cpo.requests).toEqual([]);

    const resumed = await hub.admin("POST", `/platforms/${invited.id}/resume`);
    expect(resumed.body.status).toBe("PENDING");
    await expectPending(invited.id);
    await expectTokenAWorks(cpo, invited.token_a);
    await expectRegisters(cpo, invited);
  });
});

describe("hub-initiated registration refused", () => {
  it("answers 502 REGISTRATION_FAILED with the OCPI status code, and keeps the platform pending", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole] });
    const invited = await hub.invite([emspRole], "eMSP");
    const register = (versions_url: string, token: string) =>
      hub.admin("POST", `/platforms/${invited.id}/register`, { versions_url, token });

    const attempts: [string, () => ReturnType<TestHub["admin"]>, number][] = [
      ["unreachable", async () => register(await deadVersionsUrl(), emsp.tokenA), 3001],
      ["wrong token", () => register(emsp.versionsUrl, `stranger-${randomUUID()}`), 3001],
      [
        "no-mutual",
        () => {
          emsp.versionsMode = "no-mutual";
          return register(emsp.versionsUrl, emsp.tokenA);
        },
        3002,
      ],
      [
        "no-credentials",
        () => {
          emsp.versionsMode = "no-credentials";
          return register(emsp.versionsUrl, emsp.tokenA);
        },
        3003,
      ],
    ];

    for (const [what, attempt, statusCode] of attempts) {
      const res = await attempt();
      expect(res.status, what).toBe(502);
      expect(res.body.error.code, what).toBe("REGISTRATION_FAILED");
      expect(res.body.error.ocpi_status_code, what).toBe(statusCode);
      expect(typeof res.body.error.message, what).toBe("string");
      expect(res.body.error.message.length, what).toBeGreaterThan(0);
      const shown = await expectPending(invited.id);
      expect(typeof shown.last_error, what).toBe("string");
      expect(shown.last_error.length, what).toBeGreaterThan(0);
      await expectTokenAWorks(emsp, invited.token_a);
    }
    // The hub never got as far as posting its credentials.
    expect(emsp.requests.filter((r) => r.method === "POST")).toEqual([]);

    emsp.versionsMode = "ok";
    const res = await register(emsp.versionsUrl, emsp.tokenA);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("CONNECTED");
  });

  it("answers 502 with 3001 within the forward timeout when the platform hangs", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole], versions: "hang" });
    const invited = await hub.invite([emspRole], "eMSP");

    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("REGISTRATION_FAILED");
    expect(res.body.error.ocpi_status_code).toBe(3001);
    await expectPending(invited.id);
    await expectTokenAWorks(emsp, invited.token_a);
  });
});

describe("unknown OCPI paths", () => {
  it("answers a path the hub does not serve with 404 and an OCPI envelope", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);

    for (const path of ["/ocpi/2.2.1/nope", "/ocpi/2.2.1/nope/NL/CPA", "/ocpi/2.0"]) {
      const res = await cpo.hubCall("GET", `${hub.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(res.body.status_code, path).toBeGreaterThanOrEqual(2000);
      expect(res.body.status_code, path).toBeLessThan(3000);
      expect(res.body.timestamp, path).toMatch(DATE_TIME);
      expect(typeof res.body.status_message, path).toBe("string");
    }
    expectOk(await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`));
  });
});

/**
 * Both registrations, then refused calls of every kind: unknown tokens,
 * Token A once dead, bad bodies, an unreachable platform, a suspension.
 */
async function registrationsAndRefusals() {
  const cpo = await hub.fake({ roles: [cpoRole] });
  const cpoInvite = await hub.invite([cpoRole], "CPO");
  expectOk(await cpo.register(cpoInvite.versions_url, cpoInvite.token_a));

  const emsp = await hub.fake({ roles: [emspRole] });
  const emspInvite = await hub.invite([emspRole], "eMSP");
  const registered = await hub.admin("POST", `/platforms/${emspInvite.id}/register`, {
    versions_url: emsp.versionsUrl,
    token: emsp.tokenA,
  });
  expect(registered.status).toBe(200);

  const other = await hub.fake({ roles: [secondCpoRole] });
  const otherInvite = await hub.invite([secondCpoRole], "Other CPO");
  const failed = await hub.admin("POST", `/platforms/${otherInvite.id}/register`, {
    versions_url: await deadVersionsUrl(),
    token: other.tokenA,
  });
  expect(failed.status).toBe(502);
  const unreachable = await other.register(otherInvite.versions_url, otherInvite.token_a, {
    url: await deadVersionsUrl(),
  });
  expectRefused(unreachable, 200, 3001);
  const malformed = await other.hubCall("POST", `${hub.url}/ocpi/2.2.1/credentials`, {
    token: otherInvite.token_a,
    rawBody: "{not json",
  });
  expectRefused(malformed, 400, 2001);
  const invalid = await other.hubCall("POST", `${hub.url}/ocpi/2.2.1/credentials`, {
    token: otherInvite.token_a,
    body: { token: "t".repeat(65), url: other.versionsUrl, roles: other.credentialsRoles },
  });
  expectRefused(invalid, 200, 2001);

  const stranger = `stranger-${randomUUID()}`;
  expectRefused(await cpo.hubCall("GET", hub.versionsUrl, { token: stranger }), 401, 2000);
  expectRefused(
    await cpo.hubCall("GET", hub.versionsUrl, { token: stranger, encoding: "raw" }),
    401,
    2000,
  );
  expectRefused(await cpo.hubCall("GET", hub.versionsUrl, { token: cpoInvite.token_a }), 401, 2000);
  expectRefused(
    await cpo.hubCall("POST", `${hub.url}/ocpi/2.2.1/credentials`, {
      body: { token: cpo.tokenForHub, url: cpo.versionsUrl, roles: cpo.credentialsRoles },
    }),
    405,
    2000,
  );
  await hub.admin("POST", `/platforms/${emspInvite.id}/suspend`);
  expectRefused(await emsp.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`), 403, 2000);
  await hub.admin("POST", `/platforms/${emspInvite.id}/resume`);

  return {
    cpo,
    emsp,
    other,
    secrets: [
      cpoInvite.token_a,
      cpo.tokenForHub,
      cpo.hubToken as string,
      emspInvite.token_a,
      emsp.tokenA,
      emsp.tokenForHub,
      emsp.hubToken as string,
      otherInvite.token_a,
      other.tokenA,
      other.tokenForHub,
      stranger,
      ADMIN_TOKEN,
    ],
  };
}

describe("after many refusals", () => {
  it("never writes a token to the logs", async () => {
    hub = await startHub();
    const { secrets } = await registrationsAndRefusals();
    for (const secret of secrets) expect(typeof secret).toBe("string");

    const text = hub.logText();
    expect(text).toContain("platform registered");
    expect(text).toContain("OCPI request refused");
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString("base64"));
    }
  });

  it("stays healthy and keeps serving", async () => {
    hub = await startHub();
    const { cpo, emsp } = await registrationsAndRefusals();

    const health = await fetch(`${hub.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);

    expectOk(await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`));
    expectOk(await emsp.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`));
    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.map((p: { status: string }) => p.status)).toEqual([
      "CONNECTED",
      "CONNECTED",
      "PENDING",
    ]);
  });
});
