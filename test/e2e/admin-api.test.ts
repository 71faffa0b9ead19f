import { createHash, randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { DATE_TIME } from "../support/expect.js";
import {
  ADMIN_TOKEN,
  type Invited,
  startHub,
  type TestHub,
  usingNats,
} from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPA" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "MSP" };

let hub: TestHub;

/** An admin call with exactly the headers given (or none). */
async function adminRaw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await fetch(`${hub.url}/admin${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
  }
  return [];
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

afterEach(async () => {
  await hub?.close();
});

describe("admin authentication", () => {
  it("answers 401 UNAUTHORIZED on every route without the right bearer token, and changes nothing", async () => {
    hub = await startHub();
    const invited = await hub.invite([cpoRole], "CPO");
    const id = invited.id;
    const routes: [string, string, unknown?][] = [
      ["POST", "/platforms", { name: "Intruder", roles: [emspRole] }],
      ["GET", "/platforms"],
      ["GET", `/platforms/${id}`],
      [
        "POST",
        `/platforms/${id}/register`,
        { versions_url: "http://127.0.0.1:9/ocpi/versions", token: "abc" },
      ],
      ["POST", `/platforms/${id}/token-a`],
      ["POST", `/platforms/${id}/rotate`],
      ["POST", `/platforms/${id}/suspend`],
      ["POST", `/platforms/${id}/resume`],
      ["DELETE", `/platforms/${id}`],
    ];
    const authorizations: (string | undefined)[] = [
      undefined,
      "Bearer wrong-admin-token-0123456789",
      `Bearer ${ADMIN_TOKEN}-and-more`,
      `Token ${ADMIN_TOKEN}`,
      `Bearer ${invited.token_a}`,
      "Bearer",
    ];

    for (const [method, path, body] of routes) {
      for (const authorization of authorizations) {
        const what = `${method} ${path} with ${authorization ?? "no Authorization"}`;
        const res = await adminRaw(method, path, authorization ? { authorization } : {}, body);
        expect(res.status, what).toBe(401);
        expect(res.headers.get("content-type"), what).toMatch(/^application\/json/);
        expect(res.body.error.code, what).toBe("UNAUTHORIZED");
        expect(typeof res.body.error.message, what).toBe("string");
      }
    }

    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([id]);
    const shown = await hub.admin("GET", `/platforms/${id}`);
    expect(shown.body.status).toBe("PENDING");
    expect(shown.body.last_error ?? null).toBeNull();
    // Its Token A was not replaced either.
    const versions = await fetch(hub.versionsUrl, {
      headers: { authorization: `Token ${Buffer.from(invited.token_a).toString("base64")}` },
    });
    expect(versions.status).toBe(200);
  });
});

describe("invitations", () => {
  it("refuses invalid invitations with 400 INVALID_REQUEST naming the field", async () => {
    hub = await startHub();
    const cases: [string, unknown, string][] = [
      ["empty name", { name: "", roles: [cpoRole] }, "name"],
      ["no name", { roles: [cpoRole] }, "name"],
      ["empty roles", { name: "P", roles: [] }, "roles"],
      ["no roles", { name: "P" }, "roles"],
      ["role HUB", { name: "P", roles: [{ ...cpoRole, role: "HUB" }] }, "roles.0.role"],
      ["unknown role", { name: "P", roles: [{ ...cpoRole, role: "BOSS" }] }, "roles.0.role"],
      [
        "country_code NLD",
        { name: "P", roles: [{ ...cpoRole, country_code: "NLD" }] },
        "roles.0.country_code",
      ],
      ["party_id AB", { name: "P", roles: [{ ...cpoRole, party_id: "AB" }] }, "roles.0.party_id"],
      [
        "second role bad",
        { name: "P", roles: [cpoRole, { ...emspRole, party_id: "ABCD" }] },
        "roles.1.party_id",
      ],
      ["body not JSON", '{"name": "P", "roles": [', "JSON"],
      ["role listed twice", { name: "P", roles: [cpoRole, cpoRole] }, "roles"],
      [
        "role listed twice in another case",
        { name: "P", roles: [cpoRole, { ...cpoRole, country_code: "nl", party_id: "cpa" }] },
        "roles",
      ],
    ];

    for (const [what, body, field] of cases) {
      const res = await hub.admin("POST", "/platforms", body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe("INVALID_REQUEST");
      expect(res.body.error.message, what).toContain(field);
    }

    expect((await hub.admin("GET", "/platforms")).body.data).toEqual([]);
    // None of the refused roles is taken: a valid invitation of them succeeds.
    await hub.invite([cpoRole, emspRole]);
  });

  it("refuses a party already invited with 409 CONFLICT, case-insensitively, but allows another role", async () => {
    hub = await startHub();
    const first = await hub.invite([cpoRole], "CPO");

    const cases: [string, object[]][] = [
      ["same codes", [cpoRole]],
      ["codes in lower case", [{ ...cpoRole, country_code: "nl", party_id: "cpa" }]],
      ["among other roles", [emspRole, { ...cpoRole, party_id: "cpa" }]],
    ];
    for (const [what, roles] of cases) {
      const res = await hub.admin("POST", "/platforms", { name: "Copy", roles });
      expect(res.status, what).toBe(409);
      expect(res.body.error.code, what).toBe("CONFLICT");
      expect(typeof res.body.error.message, what).toBe("string");
    }
    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([first.id]);

    const emspSameCodes = await hub.admin("POST", "/platforms", {
      name: "eMSP of the same company",
      roles: [{ role: "EMSP", country_code: "nl", party_id: "cpa" }],
    });
    expect(emspSameCodes.status).toBe(201);
    expect(emspSameCodes.body.roles).toEqual([
      { role: "EMSP", country_code: "NL", party_id: "CPA" },
    ]);
    // The eMSP role refused above in a mixed invitation was not taken either.
    await hub.invite([emspRole], "eMSP");
  });

  it("answers 201 with the platform, its Token A and the hub's versions URL", async () => {
    hub = await startHub();
    const res = await hub.admin("POST", "/platforms", {
      name: "CPO A",
      roles: [
        { role: "CPO", country_code: "nl", party_id: "cpa" },
        { role: "EMSP", country_code: "De", party_id: "mSp" },
      ],
    });

    expect(res.status).toBe(201);
    const body = res.body as Invited;
    expect(typeof body.id).toBe("string");
    expect(body.id.length).toBeGreaterThan(0);
    expect(body.name).toBe("CPO A");
    expect(body.status).toBe("PENDING");
    expect(body.roles).toEqual([
      { role: "CPO", country_code: "NL", party_id: "CPA" },
      { role: "EMSP", country_code: "DE", party_id: "MSP" },
    ]);
    expect(typeof body.token_a).toBe("string");
    expect(body.token_a.length).toBeGreaterThanOrEqual(32);
    expect(body.token_a.length).toBeLessThanOrEqual(64);
    expect(body.token_a).toContain("-");
    expect(body.token_a).toMatch(/^[\x21-\x7e]+$/);
    expect(body.versions_url).toBe(hub.versionsUrl);

    const other = await hub.invite([{ role: "CPO", country_code: "BE", party_id: "CPB" }]);
    expect(other.id).not.toBe(body.id);
    expect(other.token_a).not.toBe(body.token_a);

    // Token A opens the hub's versions endpoint.
    const versions = await fetch(body.versions_url, {
      headers: { authorization: `Token ${Buffer.from(body.token_a).toString("base64")}` },
    });
    expect(versions.status).toBe(200);
    expect(((await versions.json()) as { status_code: number }).status_code).toBe(1000);
  });
});

describe("listing and showing platforms", () => {
  it("lists platforms in creation order and never shows a token or a token hash", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invites: Invited[] = [];
    for (const [i, code] of ["CPA", "CPB", "CPC", "CPD", "CPE", "CPF"].entries()) {
      invites.push(
        await hub.invite([{ role: "CPO", country_code: "NL", party_id: code }], `CPO ${i}`),
      );
    }
    const first = invites[0] as Invited;
    expect((await cpo.register(first.versions_url, first.token_a)).body.status_code).toBe(1000);
    const emsp = await hub.fake({ roles: [emspRole] });
    const last = await hub.invite([emspRole], "eMSP");
    invites.push(last);
    const registered = await hub.admin("POST", `/platforms/${last.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });
    expect(registered.status).toBe(200);

    const list = await hub.admin("GET", "/platforms");
    expect(list.status).toBe(200);
    expect(Object.keys(list.body)).toEqual(["data"]);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual(invites.map((p) => p.id));
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(invites.map((p) => p.name));
    expect(list.body.data[0].status).toBe("CONNECTED");
    expect(list.body.data.at(-1).status).toBe("CONNECTED");

    const secrets = [
      ...invites.map((p) => p.token_a),
      cpo.tokenForHub,
      cpo.hubToken as string,
      emsp.tokenA,
      emsp.tokenForHub,
      emsp.hubToken as string,
      ADMIN_TOKEN,
    ];
    const shown = await Promise.all(invites.map((p) => hub.admin("GET", `/platforms/${p.id}`)));
    for (const [what, body] of [
      ["list", list.body],
      ...shown.map((s, i) => [`platform ${i}`, s.body]),
    ]) {
      const text = JSON.stringify(body);
      for (const secret of secrets) {
        expect(typeof secret, what).toBe("string");
        expect(text, what).not.toContain(secret);
        expect(text, what).not.toContain(sha256(secret));
        expect(text, what).not.toContain(Buffer.from(secret).toString("base64"));
      }
      expect(
        keysOf(body).filter((key) => /token|hash|secret/i.test(key)),
        what,
      ).toEqual([]);
    }
  });

  it("keeps creation order for platforms invited within the same millisecond", async () => {
    // A clock that stands still: every invitation gets the same created_at.
    const now = new Date("2025-06-01T12:00:00.000Z");
    hub = await startHub({ clock: { now: () => now } });
    const ids: string[] = [];
    for (const code of ["CPA", "CPB", "CPC", "CPD", "CPE", "CPF", "CPG", "CPH"]) {
      ids.push((await hub.invite([{ role: "CPO", country_code: "NL", party_id: code }], code)).id);
    }

    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.map((p: { created_at: string }) => p.created_at)).toEqual(
      ids.map(() => now.toISOString()),
    );
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual(ids);
  });

  it("shows a platform with the contract's fields, and 404 NOT_FOUND for an unknown id", async () => {
    hub = await startHub();
    const invited = await hub.invite([cpoRole], "CPO A");

    const res = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(res.status).toBe(200);
    for (const field of [
      "id",
      "name",
      "status",
      "roles",
      "version",
      "endpoints",
      "created_at",
      "updated_at",
    ]) {
      expect(Object.keys(res.body), field).toContain(field);
    }
    expect(res.body.id).toBe(invited.id);
    expect(res.body.name).toBe("CPO A");
    expect(res.body.status).toBe("PENDING");
    expect(res.body.roles).toEqual([cpoRole]);
    expect(res.body.version).toBeNull();
    expect(res.body.endpoints).toEqual([]);
    for (const field of ["created_at", "updated_at"]) {
      expect(res.body[field], field).toMatch(DATE_TIME);
    }
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(res.body.created_at));

    for (const id of [randomUUID(), "not-a-platform-id"]) {
      const unknown = await hub.admin("GET", `/platforms/${id}`);
      expect(unknown.status, id).toBe(404);
      expect(unknown.body.error.code, id).toBe("NOT_FOUND");
      expect(typeof unknown.body.error.message, id).toBe("string");
    }
  });
});

describe("suspend, resume and register", () => {
  it("suspends and resumes a pending platform back to PENDING, idempotently", async () => {
    hub = await startHub();
    const invited = await hub.invite([cpoRole]);
    const path = `/platforms/${invited.id}`;

    const suspended = await hub.admin("POST", `${path}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("SUSPENDED");
    const twice = await hub.admin("POST", `${path}/suspend`);
    expect(twice.status).toBe(200);
    expect(twice.body.status).toBe("SUSPENDED");
    expect((await hub.admin("GET", path)).body.status).toBe("SUSPENDED");

    const resumed = await hub.admin("POST", `${path}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe("PENDING");
    expect((await hub.admin("GET", path)).body.status).toBe("PENDING");

    for (const action of ["suspend", "resume", "register"]) {
      const unknown = await hub.admin("POST", `/platforms/${randomUUID()}/${action}`, {
        versions_url: "http://127.0.0.1:9/ocpi/versions",
        token: "abc",
      });
      expect(unknown.status, action).toBe(404);
      expect(unknown.body.error.code, action).toBe("NOT_FOUND");
    }
  });

  it("suspends and resumes a connected platform back to CONNECTED, and refuses to register it with 409", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    await cpo.register(invited.versions_url, invited.token_a);
    const path = `/platforms/${invited.id}`;
    const before = (await hub.admin("GET", path)).body;
    expect(before.status).toBe("CONNECTED");
    const other = await hub.fake({ roles: [cpoRole] });
    const registerBody = { versions_url: other.versionsUrl, token: other.tokenA };

    const connected = await hub.admin("POST", `${path}/register`, registerBody);
    expect(connected.status).toBe(409);
    expect(connected.body.error.code).toBe("CONFLICT");

    const suspended = await hub.admin("POST", `${path}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("SUSPENDED");
    const twice = await hub.admin("POST", `${path}/suspend`);
    expect(twice.status).toBe(200);
    expect(twice.body.status).toBe("SUSPENDED");

    const whileSuspended = await hub.admin("POST", `${path}/register`, registerBody);
    expect(whileSuspended.status).toBe(409);
    expect(whileSuspended.body.error.code).toBe("CONFLICT");

    const resumed = await hub.admin("POST", `${path}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe("CONNECTED");
    const after = (await hub.admin("GET", path)).body;
    expect(after.status).toBe("CONNECTED");
    expect(after.version).toBe("2.2.1");
    expect(after.endpoints).toEqual(before.endpoints);
    expect(after.roles).toEqual(before.roles);

    // The refused registrations never reached the other platform.
    expect(other.requests).toEqual([]);
  });
});

describe("removal", () => {
  it("answers 404 for an unknown platform, 204 on removal, and the party may be invited again", async () => {
    hub = await startHub();
    const unknown = await hub.admin("DELETE", `/platforms/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");

    const invited = await hub.invite([cpoRole], "CPO");
    const kept = await hub.invite([emspRole], "eMSP");
    const removed = await hub.admin("DELETE", `/platforms/${invited.id}`);
    expect(removed.status).toBe(204);
    expect(removed.body).toBeUndefined();

    const gone = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("NOT_FOUND");
    const again = await hub.admin("DELETE", `/platforms/${invited.id}`);
    expect(again.status).toBe(404);
    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([kept.id]);

    // Its Token A died with it.
    const versions = await fetch(hub.versionsUrl, {
      headers: { authorization: `Token ${Buffer.from(invited.token_a).toString("base64")}` },
    });
    expect(versions.status).toBe(401);

    const reinvited = await hub.invite([{ ...cpoRole, country_code: "nl" }], "CPO again");
    expect(reinvited.id).not.toBe(invited.id);
    expect(reinvited.status).toBe("PENDING");
    expect(reinvited.roles).toEqual([cpoRole]);
  });
});

describe("probes", () => {
  it("answers /healthz and /readyz without authentication", async () => {
    hub = await startHub();

    const health = await fetch(`${hub.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      database: "up",
      nats: usingNats ? "up" : "in-process",
      durable: usingNats,
    });
  });
});
