import { afterEach, describe, expect, it } from "vitest";
import { DATE_TIME } from "../support/expect.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const CPO = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP = { role: "EMSP", country_code: "DE", party_id: "EMS" };

let hub: TestHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

interface Entry {
  at: string;
  actor: string;
  address: string | null;
  action: string;
  target: string;
  result: string;
  detail: Record<string, unknown> | null;
}

/** Every audit entry, oldest first, read page by page through the cursor. */
async function wholeAudit(on: TestHub, query = ""): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page = await on.admin(
      "GET",
      `/audit?limit=4${query}${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.data);
    cursor = page.body.next;
  } while (cursor !== null);
  return entries.reverse();
}

/** A hub where two named tokens, alice and bob, each did a share of every admin action. */
async function hubWithHistory() {
  const on = await startHub();
  const alice = (await on.admin("POST", "/tokens", { name: "alice" })).body;
  const bob = (await on.admin("POST", "/tokens", { name: "bob" }, alice.token)).body;
  const asAlice = (method: string, path: string, body?: unknown) =>
    on.admin(method, path, body, alice.token);
  const asBob = (method: string, path: string, body?: unknown) =>
    on.admin(method, path, body, bob.token);

  const cpo = await on.fake({
    roles: [CPO],
    modules: [{ identifier: "locations", role: "SENDER" }],
  });
  const emsp = await on.fake({
    roles: [EMSP],
    modules: [{ identifier: "locations", role: "RECEIVER" }],
  });
  const cpoId = (await asAlice("POST", "/platforms", { name: "CPO", roles: [CPO] })).body.id;
  const emspId = (await asBob("POST", "/platforms", { name: "eMSP", roles: [EMSP] })).body.id;
  const statuses = [
    await asBob("POST", `/platforms/${cpoId}/register`, {
      versions_url: cpo.versionsUrl,
      token: cpo.tokenA,
    }),
    await asAlice("POST", `/platforms/${emspId}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    }),
    // A failed action: the eMSP is registered already.
    await asBob("POST", `/platforms/${emspId}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    }),
    await asAlice("POST", `/platforms/${cpoId}/suspend`),
    await asBob("POST", `/platforms/${cpoId}/resume`),
  ].map((r) => r.status);
  await on.settled();
  statuses.push(
    (await asAlice("POST", `/platforms/${cpoId}/sync`)).status,
    (await asBob("POST", `/platforms/${emspId}/resync`)).status,
    (await asAlice("POST", `/platforms/${cpoId}/rotate`)).status,
  );
  await on.settled();
  const agreement = await asAlice("POST", "/agreements", {
    cpo: { country_code: "NL", party_id: "CPO" },
    emsp: { country_code: "DE", party_id: "EMS" },
  });
  const agreementId = agreement.body.id;
  statuses.push(
    agreement.status,
    (await asBob("POST", `/agreements/${agreementId}/suspend`)).status,
    (await asAlice("POST", `/agreements/${agreementId}/resume`)).status,
    (await asBob("POST", `/agreements/${agreementId}/end`)).status,
    (await asAlice("POST", `/agreements/${agreementId}/resume`)).status,
  );
  const carol = await asAlice("POST", "/tokens", { name: "carol" });
  statuses.push(
    carol.status,
    (await asBob("DELETE", `/tokens/${carol.body.id}`)).status,
    (await asBob("DELETE", `/platforms/${emspId}`)).status,
  );
  await on.settled();
  expect(statuses).toEqual(
    // register ×3, suspend, resume, sync, resync, rotate; agreement ×5; token ×2; delete
    [200, 200, 409, 200, 200, 202, 202, 200, 201, 200, 200, 200, 409, 201, 204, 204],
  );
  return { on, alice, bob, carol: carol.body, cpoId, emspId, agreementId };
}

describe("the audit log of admin actions", () => {
  it("records every action of two named tokens, failed ones too, with actor, address, target and result", async () => {
    const h = await hubWithHistory();
    hub = h.on;
    const entries = await wholeAudit(hub);
    const platform = (id: string) => `platform/${id}`;
    const agreement = `agreement/${h.agreementId}`;
    expect(entries.map((e) => [e.actor, e.action, e.target, e.result])).toEqual([
      ["admin", "token.issue", `token/${h.alice.id}`, "ok"],
      ["alice", "token.issue", `token/${h.bob.id}`, "ok"],
      ["alice", "platform.invite", platform(h.cpoId), "ok"],
      ["bob", "platform.invite", platform(h.emspId), "ok"],
      ["bob", "platform.register", platform(h.cpoId), "ok"],
      ["alice", "platform.register", platform(h.emspId), "ok"],
      ["bob", "platform.register", platform(h.emspId), "409 CONFLICT"],
      ["alice", "platform.suspend", platform(h.cpoId), "ok"],
      ["bob", "platform.resume", platform(h.cpoId), "ok"],
      ["alice", "platform.sync", platform(h.cpoId), "ok"],
      ["bob", "platform.resync", platform(h.emspId), "ok"],
      ["alice", "platform.rotate", platform(h.cpoId), "ok"],
      ["alice", "agreement.create", agreement, "ok"],
      ["bob", "agreement.suspend", agreement, "ok"],
      ["alice", "agreement.resume", agreement, "ok"],
      ["bob", "agreement.end", agreement, "ok"],
      ["alice", "agreement.resume", agreement, "409 CONFLICT"],
      ["alice", "token.issue", `token/${h.carol.id}`, "ok"],
      ["bob", "token.revoke", `token/${h.carol.id}`, "ok"],
      ["bob", "platform.delete", platform(h.emspId), "ok"],
    ]);
    for (const e of entries) {
      expect(e.at).toMatch(DATE_TIME);
      expect(e.address).toBe("127.0.0.1");
    }
    const refused = entries.find((e) => e.result === "409 CONFLICT");
    expect(refused?.detail?.message).toMatch(/only a PENDING platform can be registered/);
    expect(entries.find((e) => e.action === "platform.invite")?.detail).toEqual({
      name: "CPO",
      roles: [CPO],
    });
    // The agreement's own entry, written in its transaction, names the token too.
    const changed = (await hub.admin("GET", `/agreements/${h.agreementId}`)).body;
    expect(changed.changed_by).toBe("bob");
    // Read-only calls leave no entry; no token value is ever in the log.
    const text = JSON.stringify(entries);
    for (const token of [h.alice.token, h.bob.token, h.carol.token]) {
      expect(text).not.toContain(token);
      expect(hub.logText()).not.toContain(token);
    }
    expect(entries.some((e) => e.action.startsWith("GET"))).toBe(false);
  });

  it("filters by since, action and target, and pages newest first through the cursor", async () => {
    const h = await hubWithHistory();
    hub = h.on;
    const all = await wholeAudit(hub);
    const cut = all[8]?.at as string;
    const since = await wholeAudit(hub, `&since=${encodeURIComponent(cut)}`);
    expect(since).toEqual(all.filter((e) => e.at >= cut));
    expect(since.length).toBeLessThan(all.length);

    const resumes = await hub.admin("GET", "/audit?action=agreement.resume");
    expect(resumes.body.data.map((e: Entry) => e.result)).toEqual(["409 CONFLICT", "ok"]);
    expect(resumes.body.next).toBeNull();

    const target = `platform/${h.cpoId}`;
    const ofCpo = await wholeAudit(hub, `&target=${encodeURIComponent(target)}`);
    expect(ofCpo.map((e) => e.action)).toEqual([
      "platform.invite",
      "platform.register",
      "platform.suspend",
      "platform.resume",
      "platform.sync",
      "platform.rotate",
    ]);
    const both = await hub.admin(
      "GET",
      `/audit?action=platform.suspend&target=${encodeURIComponent(target)}&since=${encodeURIComponent(cut)}`,
    );
    expect(both.body.data).toEqual([]);

    const first = await hub.admin("GET", "/audit?limit=2");
    expect(first.body.data.map((e: Entry) => e.action)).toEqual([
      "platform.delete",
      "token.revoke",
    ]);
    const second = await hub.admin("GET", `/audit?limit=2&cursor=${first.body.next}`);
    expect(second.body.data.map((e: Entry) => e.action)).toEqual([
      "token.issue",
      "agreement.resume",
    ]);
  });

  it.each([
    ["since=yesterday", /^since: /],
    ["since=2026-13-01T00:00:00Z", /^since: /],
    ["limit=0", /^limit: /],
    ["limit=501", /^limit: /],
    ["cursor=abc", /^cursor: /],
  ])("refuses ?%s with 400 naming the field", async (query, message) => {
    hub = await startHub();
    const res = await hub.admin("GET", `/audit?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_REQUEST");
    expect(res.body.error.message).toMatch(message);
  });
});
