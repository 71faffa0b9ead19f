import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { locationOf, tariffOf } from "../support/cache-fixtures.js";
import { example, forEmsp } from "../support/examples.js";
import { expectRouting } from "../support/expect.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type ModuleRequest,
} from "../support/fake-platform.js";
import { code, type Modules, type Party } from "../support/parties.js";
import { deliveryRow, platformStatus, startHub, type TestHub } from "../support/test-hub.js";

/**
 * Broadcast push: a party sends a location, tariff or token update with
 * OCPI-to = the hub, hears 1000 from the hub at once, and the hub delivers
 * the update to every connected platform on the receiving side.
 */

const HUB = "NL/HUB";
const hubParty = { country_code: "NL", party_id: "HUB" };

const cpoRole: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole: Party = { role: "EMSP", country_code: "DE", party_id: "EMS" };

const CACHED_RECEIVERS: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
];

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

const at = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

async function connect(roles: Party[], modules: Modules, name = code(roles[0] as Party)) {
  return (await hub.connect(roles, { modules, name })).platform;
}

/** A push with OCPI-to = the hub, its body pretty-printed so that a re-serialized copy would differ in length. */
function push(
  from: FakePlatform,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<HubAnswer> {
  const rawBody = body === undefined ? undefined : JSON.stringify(body, null, 2);
  return from.hubRoute(method, at(path), { to: HUB, rawBody, headers });
}

/** The hub's own 1000 for a push it queued, addressed back to the sender's party. */
function expectQueued(answer: HubAnswer, platforms: number, sender: Party) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(1000);
  expect(answer.body.status_message).toBe(
    `queued for ${platforms} platform${platforms === 1 ? "" : "s"}`,
  );
  expectRouting(answer.headers, sender, hubParty);
}

/** A delivery as the hub sends it: OCPI-to = the recipient's party, OCPI-from = the hub, its token. */
function expectDelivered(
  req: ModuleRequest,
  recipient: FakePlatform,
  party: Party,
  expected: { method: string; tail: string; body?: unknown },
) {
  const context = `${party.role} ${code(party)}: ${req.method} ${req.path}`;
  expect(req.method, context).toBe(expected.method);
  expect(req.tail, context).toBe(expected.tail);
  expect(req.token, context).toBe(recipient.tokenForHub);
  expectRouting(req.headers, party, hubParty, context);
  if (expected.body === undefined) {
    expect(req.body, context).toBeUndefined();
  } else {
    expect(req.body, context).toEqual(expected.body);
    const raw = JSON.stringify(expected.body, null, 2);
    expect(req.headers["content-length"], context).toBe(String(Buffer.byteLength(raw)));
  }
}

describe("fan-out", () => {
  it("queues one location PUT for 12 eMSPs: each gets it once with the same path and bytes, its own party and token, the sender's correlation id and a request id of its own", async () => {
    hub = await startHub();
    const cpo = await connect([cpoRole], []);
    const emsps: { platform: FakePlatform; party: Party }[] = [];
    for (let i = 1; i <= 12; i++) {
      const party = {
        role: "EMSP",
        country_code: "DE",
        party_id: `E${String(i).padStart(2, "0")}`,
      };
      emsps.push({ platform: await connect([party], CACHED_RECEIVERS), party });
    }
    // The eMSPs hold their answers until the sender has heard back: the hub does not wait for them.
    let hold = true;
    for (const { platform } of emsps) {
      platform.on(async () => {
        await eventually(() => !hold, 10_000);
        return undefined;
      });
    }

    const location = locationOf("NL/CPO", "LOC1");
    const correlationId = randomUUID();
    const answer = await push(cpo, "PUT", "locations/receiver/NL/CPO/LOC1", location, {
      "x-correlation-id": correlationId,
    });
    hold = false;
    expectQueued(answer, 12, cpoRole);

    await eventually(() => emsps.every((e) => e.platform.moduleRequests().length > 0), 15_000);
    await hub.settled();
    const requestIds = new Set<string>();
    for (const { platform, party } of emsps) {
      const got = platform.moduleRequests();
      expect(got, code(party)).toHaveLength(1);
      const req = got[0] as ModuleRequest;
      expect([req.module, req.role]).toEqual(["locations", "RECEIVER"]);
      expectDelivered(req, platform, party, {
        method: "PUT",
        tail: "/NL/CPO/LOC1",
        body: location,
      });
      expect(req.headers["x-correlation-id"]).toBe(correlationId);
      expect(req.headers["x-request-id"]).toEqual(expect.any(String));
      requestIds.add(req.headers["x-request-id"] as string);
    }
    expect(requestIds.size).toBe(12);
    expect(cpo.moduleRequests()).toEqual([]);
  }, 60_000);

  it("reaches connected EMSP, NSP and OTHER platforms with the Receiver, and neither the sender, nor a CPO, nor one without the Receiver, nor a SUSPENDED or PENDING one", async () => {
    hub = await startHub();
    // The sender also holds an eMSP role and a Receiver: it would qualify but for being the sender.
    const sender = await connect(
      [cpoRole, { role: "EMSP", country_code: "NL", party_id: "EMZ" }],
      [{ identifier: "locations", role: "RECEIVER" }],
    );
    const otherCpo = await connect(
      [{ role: "CPO", country_code: "BE", party_id: "CPB" }],
      [{ identifier: "locations", role: "RECEIVER" }],
    );
    const emsp = await connect([emspRole], CACHED_RECEIVERS);
    const nspRole = { role: "NSP", country_code: "FR", party_id: "NSP" };
    const nsp = await connect([nspRole], [{ identifier: "locations", role: "RECEIVER" }]);
    const otherRole = { role: "OTHER", country_code: "IT", party_id: "OTH" };
    const other = await connect([otherRole], [{ identifier: "locations", role: "RECEIVER" }]);
    const noReceiver = await connect(
      [{ role: "EMSP", country_code: "DE", party_id: "NOR" }],
      [{ identifier: "tariffs", role: "RECEIVER" }],
    );
    const suspendedEmsp = await hub.connect(
      [{ role: "EMSP", country_code: "DE", party_id: "SUS" }],
      {
        modules: CACHED_RECEIVERS,
        name: "suspended",
      },
    );
    expect((await hub.admin("POST", `/platforms/${suspendedEmsp.id}/suspend`)).status).toBe(200);
    // Registered once, then unregistered itself: PENDING again.
    const unregistered = await hub.connect(
      [{ role: "EMSP", country_code: "DE", party_id: "UNR" }],
      {
        modules: CACHED_RECEIVERS,
        name: "unregistered",
      },
    );
    const gone = await unregistered.platform.hubCall("DELETE", at("credentials"));
    expect(gone.body.status_code).toBe(1000);
    expect(await platformStatus(hub, unregistered.id)).toBe("PENDING");
    const invited = await hub.invite([{ role: "EMSP", country_code: "DE", party_id: "INV" }]);
    expect(invited.status).toBe("PENDING");

    const location = locationOf("NL/CPO", "LOC1");
    const answer = await push(sender, "PUT", "locations/receiver/NL/CPO/LOC1", location);
    expectQueued(answer, 3, cpoRole);
    await eventually(() => [emsp, nsp, other].every((p) => p.moduleRequests().length > 0), 15_000);
    await hub.settled();

    const expected = { method: "PUT", tail: "/NL/CPO/LOC1", body: location };
    for (const [platform, party] of [
      [emsp, emspRole],
      [nsp, nspRole],
      [other, otherRole],
    ] as const) {
      expect(platform.moduleRequests(), code(party)).toHaveLength(1);
      expectDelivered(platform.moduleRequests()[0] as ModuleRequest, platform, party, expected);
    }
    for (const [name, platform] of Object.entries({
      sender,
      otherCpo,
      noReceiver,
      suspended: suspendedEmsp.platform,
      unregistered: unregistered.platform,
    })) {
      expect(
        platform.moduleRequests().map((r) => `${r.method} ${r.path}`),
        name,
      ).toEqual([]);
    }
    const invitedRow = await deliveryRow(hub, invited.id);
    expect(invitedRow).toMatchObject({ status: "PENDING", pending: 0, in_flight: 0, delivered: 0 });
    expect(await deliveryRow(hub, suspendedEmsp.id)).toMatchObject({ pending: 0, delivered: 0 });
  }, 60_000);
});

describe("tokens", () => {
  it("sends an eMSP's token PUT and PATCH to every CPO with a tokens Receiver, ?type= kept, and to no other eMSP", async () => {
    hub = await startHub();
    const tokensReceiver: Modules = [{ identifier: "tokens", role: "RECEIVER" }];
    const cpoA = { role: "CPO", country_code: "NL", party_id: "CPA" };
    const cpoB = { role: "CPO", country_code: "FR", party_id: "CPB" };
    const cpos = [
      { platform: await connect([cpoA], tokensReceiver), party: cpoA },
      { platform: await connect([cpoB], tokensReceiver), party: cpoB },
    ];
    const cpoWithout = await connect(
      [{ role: "CPO", country_code: "BE", party_id: "CPC" }],
      [{ identifier: "commands", role: "RECEIVER" }],
    );
    const emsp = await connect([emspRole], [{ identifier: "tokens", role: "SENDER" }]);
    const otherEmsp = await connect(
      [{ role: "EMSP", country_code: "BE", party_id: "MSB" }],
      [...tokensReceiver, ...CACHED_RECEIVERS],
    );

    const token = {
      ...example("token_put_example.json"),
      country_code: "DE",
      party_id: "EMS",
      uid: "UID-1",
      type: "APP_USER",
    };
    const correlationId = randomUUID();
    const put = await push(emsp, "PUT", "tokens/receiver/DE/EMS/UID-1?type=APP_USER", token, {
      "x-correlation-id": correlationId,
    });
    expectQueued(put, 2, emspRole);
    await eventually(() => cpos.every((c) => c.platform.moduleRequests().length === 1), 15_000);

    const patch = { valid: false, last_updated: "2026-01-02T00:00:00Z" };
    expectQueued(
      await push(emsp, "PATCH", "tokens/receiver/DE/EMS/UID-1?type=APP_USER", patch),
      2,
      emspRole,
    );
    await eventually(() => cpos.every((c) => c.platform.moduleRequests().length === 2), 15_000);
    await hub.settled();

    for (const { platform, party } of cpos) {
      const [first, second] = platform.moduleRequests() as [ModuleRequest, ModuleRequest];
      expect([first.module, first.role]).toEqual(["tokens", "RECEIVER"]);
      expectDelivered(first, platform, party, {
        method: "PUT",
        tail: "/DE/EMS/UID-1",
        body: token,
      });
      expect(first.query.get("type")).toBe("APP_USER");
      expect(first.headers["x-correlation-id"]).toBe(correlationId);
      expectDelivered(second, platform, party, {
        method: "PATCH",
        tail: "/DE/EMS/UID-1",
        body: patch,
      });
      expect(second.query.get("type")).toBe("APP_USER");
      expect(platform.moduleRequests()).toHaveLength(2);
    }
    expect(otherEmsp.moduleRequests()).toEqual([]);
    expect(emsp.moduleRequests()).toEqual([]);
    expect(cpoWithout.moduleRequests()).toEqual([]);
  }, 60_000);
});

describe("tariffs", () => {
  it("delivers a PUT and then a DELETE to the eMSP in that order; one sent right after the other never ends in the PUT", async () => {
    hub = await startHub();
    const cpo = await connect([cpoRole], []);
    const emsp = await connect([emspRole], CACHED_RECEIVERS);
    const tariffs = () => emsp.moduleRequests("tariffs", "RECEIVER");

    const t1 = tariffOf("NL/CPO", "T1", "2026-01-01T00:00:00Z");
    expectQueued(await push(cpo, "PUT", "tariffs/receiver/NL/CPO/T1", t1), 1, cpoRole);
    await eventually(() => tariffs().length === 1, 15_000);
    expectQueued(await push(cpo, "DELETE", "tariffs/receiver/NL/CPO/T1"), 1, cpoRole);
    await eventually(() => tariffs().length === 2, 15_000);
    await hub.settled();
    const [put, del] = tariffs() as [ModuleRequest, ModuleRequest];
    expectDelivered(put, emsp, emspRole, { method: "PUT", tail: "/NL/CPO/T1", body: t1 });
    expectDelivered(del, emsp, emspRole, { method: "DELETE", tail: "/NL/CPO/T1" });

    // Back to back: the PUT may be folded into the DELETE, but nothing comes after it.
    const t2 = tariffOf("NL/CPO", "T2", "2026-01-01T00:00:00Z");
    expectQueued(await push(cpo, "PUT", "tariffs/receiver/NL/CPO/T2", t2), 1, cpoRole);
    expectQueued(await push(cpo, "DELETE", "tariffs/receiver/NL/CPO/T2"), 1, cpoRole);
    await eventually(() => tariffs().some((r) => r.method === "DELETE" && r.tail === "/NL/CPO/T2"));
    await hub.settled();
    const forT2 = tariffs().slice(2);
    expect(forT2.every((r) => r.tail === "/NL/CPO/T2")).toBe(true);
    expect(forT2.map((r) => r.method).at(-1)).toBe("DELETE");
    expect(forT2.map((r) => r.method).filter((m) => m === "DELETE")).toHaveLength(1);
    for (const r of forT2.filter((x) => x.method === "PUT")) expect(r.body).toEqual(t2);
    const cached = await emsp.hubRoute("GET", at("tariffs/sender"), { to: HUB });
    expect(cached.body.data).toEqual([]);
  }, 60_000);
});

describe("recipients do not hold each other up", () => {
  it("delivers to the fast eMSPs while a slow one still holds its request", async () => {
    // A forward timeout well above the hold, so the held request is not retried.
    hub = await startHub({ env: { FORWARD_TIMEOUT_MS: "10000" } });
    const cpo = await connect([cpoRole], []);
    const slowRole = { role: "EMSP", country_code: "DE", party_id: "SLO" };
    const { platform: slow, id: slowId } = await hub.connect([slowRole], {
      modules: CACHED_RECEIVERS,
      name: "slow",
    });
    const fastRoles = ["FA1", "FA2"].map((pid) => ({
      role: "EMSP",
      country_code: "DE",
      party_id: pid,
    }));
    const fast: FakePlatform[] = [];
    const fastIds: string[] = [];
    for (const role of fastRoles) {
      const connected = await hub.connect([role], { modules: CACHED_RECEIVERS, name: "fast" });
      fast.push(connected.platform);
      fastIds.push(connected.id);
    }
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slowAnswered = 0;
    slow.on(async () => {
      await gate;
      slowAnswered++;
      return undefined;
    });

    try {
      const location = locationOf("NL/CPO", "LOC1");
      expectQueued(await push(cpo, "PUT", "locations/receiver/NL/CPO/LOC1", location), 3, cpoRole);
      await eventually(() => fast.every((f) => f.moduleRequests().length === 1), 15_000);
      await eventually(() => slow.moduleRequests().length === 1, 15_000);
      for (const id of fastIds) {
        await eventually(async () => (await deliveryRow(hub, id)).delivered === 1, 15_000);
      }
      // The fast ones are done; the slow one has its request and has not answered.
      expect(slowAnswered).toBe(0);
      expect(await deliveryRow(hub, slowId)).toMatchObject({ in_flight: 1, delivered: 0 });
      fast.forEach((f, i) => {
        expectDelivered(f.moduleRequests()[0] as ModuleRequest, f, fastRoles[i] as Party, {
          method: "PUT",
          tail: "/NL/CPO/LOC1",
          body: location,
        });
      });
    } finally {
      release();
    }
    await eventually(async () => (await deliveryRow(hub, slowId)).delivered === 1, 15_000);
    expect(slowAnswered).toBe(1);
    expect(slow.moduleRequests()).toHaveLength(1);
    expect(await deliveryRow(hub, slowId)).toMatchObject({ in_flight: 0, pending: 0 });
  }, 60_000);
});

describe("order and newest state", () => {
  /** EVSE 3256's statuses in the order the CPO sends them. */
  const STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER", "INOPERATIVE"];

  /** The status of EVSE 3256 a request to the eMSP carries: a whole location or the EVSE's PATCH. */
  function statusIn(req: ModuleRequest): string {
    const body = req.body as any;
    if (req.method === "PUT" && req.tail === "/NL/CPO/LOC1") {
      return body.evses.find((e: { uid: string }) => e.uid === "3256").status;
    }
    if (req.method === "PATCH" && req.tail === "/NL/CPO/LOC1/3256") return body.status;
    throw new Error(`unexpected ${req.method} ${req.tail}`);
  }

  it("brings an eMSP that answered 503 for a while to the newest EVSE status, never an older one after a newer, and keeps it CONNECTED", async () => {
    hub = await startHub({ env: { DELIVERY_WINDOW_MS: "20000" } });
    const cpo = await connect([cpoRole], []);
    const flakyRole = { role: "EMSP", country_code: "DE", party_id: "FLK" };
    const { platform: flaky, id: flakyId } = await hub.connect([flakyRole], {
      modules: CACHED_RECEIVERS,
      name: "flaky",
    });
    const steady = await connect([emspRole], CACHED_RECEIVERS);
    let failing = true;
    const outcomes: ("503" | "ok")[] = [];
    flaky.on(() => {
      outcomes.push(failing ? "503" : "ok");
      return failing ? { status: 503, raw: "Service Unavailable" } : undefined;
    });

    const location = locationOf("NL/CPO", "LOC1", "2026-01-01T00:00:00Z");
    expect(location.evses[0].uid).toBe("3256");
    expect(location.evses[0].status).toBe(STATUSES[0]);
    expectQueued(await push(cpo, "PUT", "locations/receiver/NL/CPO/LOC1", location), 2, cpoRole);
    // The first attempt fails before the updates pile up behind it.
    await eventually(() => outcomes.length > 0, 15_000);
    for (const [i, status] of STATUSES.entries()) {
      if (i === 0) continue;
      const patch = { status, last_updated: `2026-01-01T00:00:0${i}Z` };
      const answer = await push(cpo, "PATCH", "locations/receiver/NL/CPO/LOC1/3256", patch);
      expectQueued(answer, 2, cpoRole);
    }
    // One more failed attempt after the updates piled up; a failing recipient is tried once per
    // retry delay (doubling), not once per update.
    const failedBefore = outcomes.length;
    await eventually(() => outcomes.length >= failedBefore + 1, 15_000);
    failing = false;

    const last = STATUSES.at(-1);
    await eventually(() => {
      const got = flaky.moduleRequests();
      return outcomes.at(-1) === "ok" && statusIn(got.at(-1) as ModuleRequest) === last;
    }, 15_000);
    await hub.settled(15_000);

    for (const [name, platform] of Object.entries({ flaky, steady })) {
      const seen = platform.moduleRequests().map(statusIn);
      const ranks = seen.map((s) => STATUSES.indexOf(s));
      expect(
        ranks.every((r) => r >= 0),
        `${name}: ${seen}`,
      ).toBe(true);
      // Never an older status after a newer one.
      expect(ranks, `${name}: ${seen}`).toEqual([...ranks].sort((a, b) => a - b));
      expect(seen.at(-1), name).toBe(last);
    }
    expect(outcomes.filter((o) => o === "503").length).toBeGreaterThanOrEqual(2);
    expect(outcomes.at(-1)).toBe("ok");
    // A whole location it gets is the hub's current copy, its EVSE status included.
    const lastRequest = flaky.moduleRequests().at(-1) as ModuleRequest;
    if (lastRequest.method === "PUT") {
      const { evses } = lastRequest.body as any;
      expect(evses[0]).toMatchObject({
        status: last,
        last_updated: "2026-01-01T00:00:05Z",
      });
      expect(evses[1]).toEqual(location.evses[1]);
    }

    expect(await platformStatus(hub, flakyId)).toBe("CONNECTED");
    const row = await deliveryRow(hub, flakyId);
    expect(row).toMatchObject({
      status: "CONNECTED",
      pending: 0,
      in_flight: 0,
      retrying: 0,
      dropped: 0,
      failing_since: null,
      offline_since: null,
    });
    expect(row.last_error).toMatch(/503/);
    expect(row.last_success_at).toEqual(expect.any(String));
  }, 60_000);
});

describe("not fanned out", () => {
  const sessionsAndCdrs: Modules = [
    { identifier: "sessions", role: "RECEIVER" },
    { identifier: "cdrs", role: "RECEIVER" },
    ...CACHED_RECEIVERS,
  ];

  it("routes a session PUT and a CDR POST with OCPI-to = the hub to the eMSP of their cdr_token only", async () => {
    hub = await startHub();
    const cpo = await connect([cpoRole], []);
    const emspA = { role: "EMSP", country_code: "DE", party_id: "MSA" };
    const emspB = { role: "EMSP", country_code: "BE", party_id: "MSB" };
    const a = await connect([emspA], sessionsAndCdrs);
    const b = await connect([emspB], sessionsAndCdrs);
    b.on((req) => ({ body: b.envelope(undefined, 1000, `${req.module} taken by BE/MSB`) }));

    const session = forEmsp("session_example_1_simple_start.json", cpoRole, emspB, "SES1");
    const answer = await push(cpo, "PUT", "sessions/receiver/NL/CPO/SES1", session);
    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(1000);
    expect(answer.body.status_message).toBe("sessions taken by BE/MSB");
    expectRouting(answer.headers, cpoRole, emspB);
    const [forwarded] = b.moduleRequests() as [ModuleRequest];
    expect(b.moduleRequests()).toHaveLength(1);
    expect([forwarded.method, forwarded.module, forwarded.tail]).toEqual([
      "PUT",
      "sessions",
      "/NL/CPO/SES1",
    ]);
    expect(forwarded.body).toEqual(session);
    expect(forwarded.headers["ocpi-to-country-code"]).toBe("BE");
    expect(forwarded.headers["ocpi-to-party-id"]).toBe("MSB");
    expect(forwarded.headers["ocpi-from-country-code"]).toBe("NL");
    expect(forwarded.headers["ocpi-from-party-id"]).toBe("CPO");

    const cdr = forEmsp("cdr_example.json", cpoRole, emspB, "CDR1");
    const posted = await push(cpo, "POST", "cdrs/receiver", cdr);
    expect(posted.body.status_code).toBe(1000);
    expect(posted.body.status_message).toBe("cdrs taken by BE/MSB");
    expect(b.moduleRequests().map((r) => `${r.method} ${r.module}`)).toEqual([
      "PUT sessions",
      "POST cdrs",
    ]);
    expect((b.moduleRequests()[1] as ModuleRequest).body).toEqual(cdr);

    await hub.settled();
    expect(a.moduleRequests()).toEqual([]);
    expect(b.moduleRequests()).toHaveLength(2);
  }, 60_000);
});

describe("pushes delivered to nobody", () => {
  it("answers a push older than the hub's copy with 1000 and delivers it to nobody", async () => {
    hub = await startHub();
    const cpo = await connect([cpoRole], []);
    const emsp = await connect([emspRole], CACHED_RECEIVERS);
    const newer = locationOf("NL/CPO", "LOC1", "2026-02-01T00:00:00Z");
    expectQueued(await push(cpo, "PUT", "locations/receiver/NL/CPO/LOC1", newer), 1, cpoRole);
    await eventually(() => emsp.moduleRequests().length === 1, 15_000);
    await hub.settled();

    const stale = await push(
      cpo,
      "PUT",
      "locations/receiver/NL/CPO/LOC1",
      locationOf("NL/CPO", "LOC1", "2026-01-01T00:00:00Z"),
    );
    expect(stale.status).toBe(200);
    expect(stale.body.status_code).toBe(1000);
    expect(stale.body.status_message).toMatch(/^older than the hub's copy.*; delivered to nobody$/);
    expectRouting(stale.headers, cpoRole, hubParty);

    // An EVSE update older than the cached EVSE likewise.
    const staleEvse = await push(cpo, "PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "CHARGING",
      last_updated: "2010-01-01T00:00:00Z",
    });
    expect(staleEvse.body.status_code).toBe(1000);
    expect(staleEvse.body.status_message).toMatch(/delivered to nobody$/);

    await hub.settled();
    expect(emsp.moduleRequests()).toHaveLength(1);
    const cached = await emsp.hubRoute("GET", at("locations/sender/LOC1"), { to: HUB });
    expect(cached.body.data).toEqual(newer);
  }, 60_000);

  it("refuses an invalid body with 2001 naming the field, and a PATCH of an unknown location with 2003; nothing is delivered", async () => {
    hub = await startHub();
    const cpo = await connect([cpoRole], []);
    const emsp = await connect([emspRole], CACHED_RECEIVERS);
    const tokensCpo = await connect(
      [{ role: "CPO", country_code: "FR", party_id: "CPF" }],
      [{ identifier: "tokens", role: "RECEIVER" }],
    );

    const { address: _address, ...noAddress } = locationOf("NL/CPO", "LOC1");
    const missing = await push(cpo, "PUT", "locations/receiver/NL/CPO/LOC1", noAddress);
    expect(missing.body.status_code).toBe(2001);
    expect(missing.body.status_message).toMatch(/address/);

    const badLatitude = locationOf("NL/CPO", "LOC1");
    badLatitude.coordinates.latitude = "north";
    const bad = await push(cpo, "PUT", "locations/receiver/NL/CPO/LOC1", badLatitude);
    expect(bad.body.status_code).toBe(2001);
    expect(bad.body.status_message).toMatch(/coordinates\.latitude/);

    const badTariff = { ...tariffOf("NL/CPO", "T1"), currency: 42 };
    const tariff = await push(cpo, "PUT", "tariffs/receiver/NL/CPO/T1", badTariff);
    expect(tariff.body.status_code).toBe(2001);
    expect(tariff.body.status_message).toMatch(/currency/);

    const token = { ...example("token_put_example.json"), country_code: "DE", party_id: "EMS" };
    const badToken = await push(emsp, "PUT", "tokens/receiver/DE/EMS/012345678", {
      ...token,
      whitelist: "SOMETIMES",
    });
    expect(badToken.body.status_code).toBe(2001);
    expect(badToken.body.status_message).toMatch(/whitelist/);

    // The token's type in the query is a subject of its own queue: only OCPI's token types pass.
    for (const type of ["A%20B", "A.B", "%3E", "rfid2"]) {
      const odd = await push(emsp, "PUT", `tokens/receiver/DE/EMS/012345678?type=${type}`, token);
      expect(odd.body.status_code, type).toBe(2001);
      expect(odd.body.status_message, type).toMatch(/type must be one of/);
    }
    // A PUT's body is the token the URL names: RFID when the query says nothing.
    const otherType = await push(emsp, "PUT", "tokens/receiver/DE/EMS/012345678", {
      ...token,
      type: "APP_USER",
    });
    expect(otherType.body.status_code).toBe(2001);
    expect(otherType.body.status_message).toMatch(/type of the body \(APP_USER\) differs/);

    const unknown = await push(cpo, "PATCH", "locations/receiver/NL/CPO/NOWHERE", {
      name: "Renamed",
      last_updated: "2026-01-01T00:00:00Z",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.status_code).toBe(2003);

    await hub.settled();
    expect(emsp.moduleRequests()).toEqual([]);
    expect(tokensCpo.moduleRequests()).toEqual([]);
    const list = await emsp.hubRoute("GET", at("locations/sender"), { to: HUB });
    expect(list.body.data).toEqual([]);
  }, 60_000);
});
