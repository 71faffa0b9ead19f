import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { messageBatches } from "../../src/db/schema/messages.js";
import { entriesOf, writeBatch } from "../../src/messages/batch.js";
import { createMessageLog } from "../../src/messages/log.js";
import { pruneMessages } from "../../src/messages/retention.js";
import { forEmsp } from "../support/examples.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { forwardedEntry } from "../support/message-entries.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/** What the message log keeps: handshakes, bodies when asked for, retention, the drop policy. */

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const session = forEmsp("session_example_1_simple_start.json", cpoRole, emspRole);

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** The stored batch rows as they are in the database. */
async function storedBatches() {
  await hub.deps.messages.flush();
  return rowsOf<typeof messageBatches.$inferSelect>(
    await hub.deps.db.db.select().from(messageBatches),
  );
}

/** Every stored entry, decoded. */
async function allRows(): Promise<Record<string, unknown>[]> {
  return (await storedBatches()).flatMap((b) => entriesOf(Number(b.seq), b.entries)) as never;
}

function putSession(cpo: FakePlatform, id: string, request = randomUUID()) {
  return cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/sessions/receiver/NL/CPO/${id}`, {
    to: "DE/EMS",
    body: { ...session, id },
    headers: { "x-request-id": request },
  });
}

describe("a credentials handshake", () => {
  it("is the platform's POST as a message, the hub's calls to its versions as legs", async () => {
    hub = await startHub();
    const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
    await hub.deps.messages.flush();
    const list = await hub.admin("GET", `/messages?module=credentials&platform=${cpo.id}`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const message = list.body.data[0];
    expect(message).toMatchObject({
      method: "POST",
      module: "credentials",
      from: { platform_id: cpo.id },
      http_status: 200,
      status_code: 1000,
      outcome: "success",
    });
    const trace = await hub.admin("GET", `/messages/${message.request_id}`);
    const legs = trace.body.legs as any[];
    const versionCalls = cpo.platform.requests.filter((r) => r.path.startsWith("/ocpi/"));
    expect(legs.length).toBeGreaterThanOrEqual(2);
    expect(legs.map((l) => [l.method, l.path])).toEqual(
      expect.arrayContaining([
        ["GET", "/ocpi/versions"],
        ["GET", "/ocpi/2.2.1"],
      ]),
    );
    for (const leg of legs) {
      expect(leg).toMatchObject({
        module: "credentials",
        to: { platform_id: cpo.id },
        outcome: "success",
      });
    }
    expect(versionCalls.map((r) => r.headers["x-request-id"])).toEqual(
      expect.arrayContaining(legs.map((l) => l.request_id)),
    );
  });

  it("started by the operator is a message with the hub as its sender", async () => {
    hub = await startHub();
    const platform = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole], "CPO");
    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: `${platform.url}/ocpi/versions`,
      token: platform.tokenA,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await hub.deps.messages.flush();
    const list = await hub.admin("GET", `/messages?module=credentials&platform=${invited.id}`);
    expect(list.body.data).toHaveLength(1);
    const message = list.body.data[0];
    expect(message).toMatchObject({
      from: { country_code: "NL", party_id: "HUB", platform_id: null },
      to: { platform_id: invited.id },
      outcome: "success",
    });
    const trace = await hub.admin("GET", `/messages/${message.request_id}`);
    expect((trace.body.legs as any[]).map((l) => l.method)).toContain("POST");
  });
});

describe("a cache sync", () => {
  it("is a message with the hub as its sender and each page it asked for as a leg", async () => {
    hub = await startHub();
    const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
    await hub.settled();
    await hub.deps.messages.flush();
    const list = await hub.admin("GET", `/messages?module=sync&platform=${cpo.id}`);
    expect(list.body.data).toHaveLength(1);
    const message = list.body.data[0];
    expect(message).toMatchObject({
      method: "GET",
      from: { country_code: "NL", party_id: "HUB", platform_id: null },
      to: { platform_id: cpo.id },
    });
    const trace = await hub.admin("GET", `/messages/${message.request_id}`);
    const pages = cpo.platform.moduleRequests("locations", "SENDER");
    expect(pages.length).toBeGreaterThan(0);
    const legs = (trace.body.legs as any[]).filter((l) => l.module === "locations");
    expect(legs.map((l) => l.request_id)).toEqual(pages.map((p) => p.headers["x-request-id"]));
    for (const leg of trace.body.legs) {
      expect(leg).toMatchObject({
        correlation_id: message.correlation_id,
        to: { platform_id: cpo.id },
      });
    }
  });
});

describe("bodies", () => {
  it("are not kept by default", async () => {
    hub = await startHub();
    const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
    await hub.connect([emspRole], { modules: EMSP_MODULES, name: "EMSP" });
    expect((await putSession(cpo.platform, "S1")).status).toBe(200);
    const rows = await allRows();
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) {
      expect(row.request_body ?? row.requestBody ?? null).toBeNull();
      expect(row.response_body ?? row.responseBody ?? null).toBeNull();
    }
  });

  it("are kept with MESSAGE_LOG_BODIES=true, with no token anywhere in the stored rows", async () => {
    hub = await startHub({ env: { MESSAGE_LOG_BODIES: "true" } });
    const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
    const emsp = await hub.connect([emspRole], { modules: EMSP_MODULES, name: "EMSP" });
    const request = randomUUID();
    expect((await putSession(cpo.platform, "S7", request)).status).toBe(200);
    await hub.deps.messages.flush();
    const trace = await hub.admin("GET", `/messages/${request}`);
    expect(JSON.parse(trace.body.request_body).id).toBe("S7");
    expect(JSON.parse(trace.body.response_body).status_code).toBe(1000);
    expect(JSON.parse(trace.body.legs[0].request_body).id).toBe("S7");

    const stored = JSON.stringify(await storedBatches());
    expect(stored).toContain("[redacted]");
    for (const f of [cpo.platform, emsp.platform]) {
      for (const secret of [f.tokenA, f.tokenForHub, f.hubToken as string]) {
        expect(secret.length).toBeGreaterThan(8);
        expect(stored).not.toContain(secret);
        expect(stored).not.toContain(Buffer.from(secret).toString("base64"));
      }
    }
  });
});

describe("retention", () => {
  it("deletes, a few batches per statement, the entries older than MESSAGE_LOG_DAYS and nothing newer", async () => {
    hub = await startHub({ env: { MESSAGE_LOG_DAYS: "14" } });
    const now = new Date();
    const day = 86_400_000;
    const old = [15, 20, 30, 40, 50].map((d) =>
      forwardedEntry({ at: new Date(now.getTime() - d * day) }),
    );
    const kept = [13, 1].map((d) => forwardedEntry({ at: new Date(now.getTime() - d * day) }));
    // One batch each: a batch goes when its newest entry is past the retention.
    for (const e of [...old, ...kept]) await writeBatch(hub.deps.db.db, [e]);
    const deleted = await pruneMessages(hub.deps.db.db, hub.deps.config.messageLog.days, now, 2);
    expect(deleted).toBe(5);
    const left = (await allRows()).map((r) => r.request_id ?? r.requestId);
    expect(left.sort()).toEqual(kept.map((e) => e.request_id).sort());
  });
});

describe("a full buffer", () => {
  it("drops and counts new entries while every request is answered", async () => {
    hub = await startHub();
    const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
    await hub.connect([emspRole], { modules: EMSP_MODULES, name: "EMSP" });
    // A log whose database never answers and whose buffer holds two entries.
    const stuck = createMessageLog({
      db: { execute: () => new Promise(() => {}) } as never,
      logger: hub.deps.logger,
      enabled: true,
      bodies: false,
      capacity: 2,
      batch: 100,
      intervalMs: 3_600_000,
    });
    const real = hub.deps.messages;
    hub.deps.messages = stuck;
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await putSession(cpo.platform, `F${i}`);
        expect(answer.status).toBe(200);
        expect(answer.body.status_code).toBe(1000);
      }
      expect(stuck.stats()).toMatchObject({ buffered: 2, capacity: 2, dropped: 3 });
    } finally {
      hub.deps.messages = real;
    }
  });
});
