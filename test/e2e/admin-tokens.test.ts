import { afterEach, describe, expect, it } from "vitest";
import { adminTokens } from "../../src/db/schema/index.js";
import { hashToken } from "../../src/ocpi/tokens.js";
import { DATE_TIME } from "../support/expect.js";
import { eventually } from "../support/fake-platform.js";
import { closeInstances, startHub, startTwoInstances, type TestHub } from "../support/test-hub.js";

let hub: TestHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await closeInstances();
});

/** The status of a read-only admin call with `token`. */
const statusWith = async (on: TestHub, token: string) =>
  (await on.admin("GET", "/platforms", undefined, token)).status;

describe("named admin tokens", () => {
  it("issues a token shown once, which then opens the admin API; the list never shows a token or hash", async () => {
    hub = await startHub();
    const issued = await hub.admin("POST", "/tokens", { name: "ops: Jane Doe" });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      id: expect.any(String),
      name: "ops: Jane Doe",
      token: expect.any(String),
      created_at: expect.stringMatching(DATE_TIME),
    });
    expect(await statusWith(hub, issued.body.token)).toBe(200);

    const list = await hub.admin("GET", "/tokens");
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      {
        id: "admin",
        name: "admin",
        created_at: null,
        created_by: null,
        revoked_at: null,
        revocable: false,
      },
      {
        id: issued.body.id,
        name: "ops: Jane Doe",
        created_at: issued.body.created_at,
        created_by: "admin",
        revoked_at: null,
        revocable: true,
      },
    ]);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(issued.body.token);
    expect(text).not.toContain(hashToken(issued.body.token));
    expect(hub.logText()).not.toContain(issued.body.token);
    // Only the hash is stored.
    const [row] = await hub.deps.db.db.select().from(adminTokens);
    expect(row?.tokenHash).toBe(hashToken(issued.body.token));
    expect(JSON.stringify(row)).not.toContain(issued.body.token);
  });

  it("revokes a token: 401 at once, 409 a second time, 404 for an unknown id; the name is free again", async () => {
    hub = await startHub();
    const issued = (await hub.admin("POST", "/tokens", { name: "ci" })).body;
    const other = (await hub.admin("POST", "/tokens", { name: "other" })).body;
    // A token may revoke another one, or itself.
    expect((await hub.admin("DELETE", `/tokens/${issued.id}`, undefined, other.token)).status).toBe(
      204,
    );
    const refused = await hub.admin("GET", "/platforms", undefined, issued.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("UNAUTHORIZED");

    const again = await hub.admin("DELETE", `/tokens/${issued.id}`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already revoked/);
    const unknown = await hub.admin("DELETE", "/tokens/no-such-token");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");

    const listed = (await hub.admin("GET", "/tokens")).body.data;
    expect(listed.find((t: { id: string }) => t.id === issued.id)).toMatchObject({
      revoked_at: expect.stringMatching(DATE_TIME),
      revocable: false,
    });
    const reissued = await hub.admin("POST", "/tokens", { name: "ci" });
    expect(reissued.status).toBe(201);
    expect(await statusWith(hub, reissued.body.token)).toBe(200);
    expect(await statusWith(hub, issued.token)).toBe(401);

    const self = await hub.admin("DELETE", `/tokens/${other.id}`, undefined, other.token);
    expect(self.status).toBe(204);
    expect(await statusWith(hub, other.token)).toBe(401);
    const audit = (await hub.admin("GET", "/audit?action=token.revoke")).body.data;
    expect(audit.map((e: { actor: string; target: string; result: string }) => e)).toMatchObject([
      { actor: "other", target: `token/${other.id}`, result: "ok" },
      { actor: "admin", target: "token/no-such-token", result: "404 NOT_FOUND" },
      { actor: "admin", target: `token/${issued.id}`, result: "409 CONFLICT" },
      { actor: "other", target: `token/${issued.id}`, result: "ok", detail: { name: "ci" } },
    ]);
  });

  it("keeps the bootstrap token working and refuses to revoke it with 409", async () => {
    hub = await startHub();
    const issued = (await hub.admin("POST", "/tokens", { name: "ops" })).body;
    const res = await hub.admin("DELETE", "/tokens/admin", undefined, issued.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    expect(res.body.error.message).toMatch(/bootstrap admin token .* cannot be revoked/);
    expect((await hub.admin("GET", "/platforms")).status).toBe(200);
    const [entry] = (await hub.admin("GET", "/audit?target=token/admin")).body.data;
    expect(entry).toMatchObject({ actor: "ops", action: "token.revoke", result: "409 CONFLICT" });
  });

  it("counts a revoked token as a failed authentication in the lockout", async () => {
    hub = await startHub({ guards: { lockout: { threshold: 1 } } });
    const issued = (await hub.admin("POST", "/tokens", { name: "gone" })).body;
    await hub.admin("DELETE", `/tokens/${issued.id}`);
    expect(await statusWith(hub, issued.token)).toBe(401);
    expect(await statusWith(hub, issued.token)).toBe(429);
  });

  it.each([
    [{}, /^name: /],
    [{ name: "" }, /^name: must not be empty/],
    [{ name: "x".repeat(65) }, /^name: must be at most 64 characters/],
    [{ name: "tab\there" }, /^name: must be printable/],
    [{ name: " padded" }, /^name: must be printable/],
    [{ name: 42 }, /^name: /],
    ["not json", /not valid JSON/],
  ])("refuses %j with 400 naming the field", async (body, message) => {
    hub = await startHub();
    const res = await hub.admin("POST", "/tokens", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_REQUEST");
    expect(res.body.error.message).toMatch(message);
    expect((await hub.admin("GET", "/tokens")).body.data).toHaveLength(1);
    const [entry] = (await hub.admin("GET", "/audit?action=token.issue")).body.data;
    expect(entry).toMatchObject({ actor: "admin", target: "token", result: "400 INVALID_REQUEST" });
  });

  it("refuses a name an unrevoked token has, and the bootstrap token's name, with 409", async () => {
    hub = await startHub();
    expect((await hub.admin("POST", "/tokens", { name: "ops" })).status).toBe(201);
    const twice = await hub.admin("POST", "/tokens", { name: "ops" });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/^name: an unrevoked admin token is already named/);
    const reserved = await hub.admin("POST", "/tokens", { name: "admin" });
    expect(reserved.status).toBe(409);
    expect(reserved.body.error.message).toMatch(/^name: /);
  });
});

describe("named admin tokens on two hub instances", () => {
  it("a token issued on A works on B, and revoked on A is refused on B at once", async () => {
    const [a, b] = await startTwoInstances();
    const issued = (await a.admin("POST", "/tokens", { name: "ops" })).body;
    await eventually(async () => (await statusWith(b, issued.token)) === 200, 1000);
    const action = await b.admin(
      "POST",
      "/platforms",
      {
        name: "CPO",
        roles: [{ role: "CPO", country_code: "NL", party_id: "CPO" }],
      },
      issued.token,
    );
    expect(action.status).toBe(201);

    expect((await a.admin("DELETE", `/tokens/${issued.id}`)).status).toBe(204);
    expect(await statusWith(a, issued.token)).toBe(401);
    await eventually(async () => (await statusWith(b, issued.token)) === 401, 1000);
    const [entry] = (await a.admin("GET", "/audit?action=platform.invite")).body.data;
    expect(entry).toMatchObject({ actor: "ops", address: "127.0.0.1", result: "ok" });
  });
});
