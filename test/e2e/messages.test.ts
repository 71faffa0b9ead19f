import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import { forEmsp } from "../support/examples.js";
import { eventually, type FakePlatform, type ModuleRequest } from "../support/fake-platform.js";
import type { Modules } from "../support/parties.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * The message log: every OCPI request a sender makes to the hub is a
 * message, every attempt of the hub to pass it on a leg, searchable and
 * traceable through GET /admin/messages.
 */

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const session = forEmsp("session_example_1_simple_start.json", cpoRole, emspRole);

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

async function pair() {
  const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
  const emsp = await hub.connect([emspRole], { modules: EMSP_MODULES, name: "EMSP" });
  return { cpo, emsp };
}

/** A CPO's session PUT to the eMSP, with the ids the sender chose. */
async function putSession(
  cpo: FakePlatform,
  id: string,
  ids = { request: randomUUID(), correlation: randomUUID() },
) {
  const answer = await cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/sessions/receiver/NL/CPO/${id}`, {
    to: "DE/EMS",
    body: { ...session, id },
    headers: { "x-request-id": ids.request, "x-correlation-id": ids.correlation },
  });
  expect(answer.status).toBe(200);
  expect(Math.floor(answer.body.status_code / 1000)).toBe(1);
  return ids;
}

async function messages(query: string) {
  await hub.deps.messages.flush();
  const res = await hub.admin("GET", `/messages${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: any[]; next: string | null };
}

async function traced(requestId: string) {
  await hub.deps.messages.flush();
  const res = await hub.admin("GET", `/messages/${encodeURIComponent(requestId)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe("a routed request", () => {
  it("is one message with from and to and a leg carrying the receiver's answer, found by correlation id and by request id", async () => {
    hub = await startHub();
    const { cpo, emsp } = await pair();
    emsp.platform.on((req) =>
      req.module === "sessions"
        ? {
            status: 200,
            body: {
              status_code: 1001,
              status_message: "stored",
              timestamp: new Date().toISOString(),
            },
          }
        : undefined,
    );
    const ids = await putSession(cpo.platform, "S101");
    const got = emsp.platform.moduleRequests("sessions")[0] as ModuleRequest;

    const found = await messages(`?correlation_id=${ids.correlation}`);
    expect(found.data).toHaveLength(1);
    expect(found.next).toBeNull();
    const message = found.data[0];
    expect(message).toMatchObject({
      request_id: ids.request,
      correlation_id: ids.correlation,
      module: "sessions",
      interface: "receiver",
      method: "PUT",
      object_id: "S101",
      from: { country_code: "NL", party_id: "CPO", platform_id: cpo.id },
      to: { country_code: "DE", party_id: "EMS", platform_id: emsp.id },
      http_status: 200,
      status_code: 1001,
      outcome: "success",
    });
    expect(message.latency_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(message.at)).not.toBeNaN();
    expect(message.request_body).toBeUndefined();

    expect((await messages(`?request_id=${ids.request}`)).data).toEqual([message]);
    const trace = await traced(ids.request);
    expect(trace).toMatchObject({ request_id: ids.request, module: "sessions" });
    expect(trace.legs).toHaveLength(1);
    expect(trace.legs[0]).toMatchObject({
      request_id: got.headers["x-request-id"],
      correlation_id: ids.correlation,
      method: "PUT",
      module: "sessions",
      object_id: "S101",
      to: { country_code: "DE", party_id: "EMS", platform_id: emsp.id },
      http_status: 200,
      status_code: 1001,
      outcome: "success",
    });
    expect(trace.legs[0].request_id).not.toBe(ids.request);

    const unknown = await hub.admin("GET", `/messages/${randomUUID()}`);
    expect(unknown.status).toBe(404);
  });

  it("records a receiver that cannot be reached as a leg with its failure kind, and the hub's 4003 as the message's", async () => {
    hub = await startHub();
    const { cpo, emsp } = await pair();
    await emsp.platform.close();
    const request = randomUUID();
    const answer = await cpo.platform.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/sessions/receiver/NL/CPO/S9`,
      { to: "DE/EMS", body: { ...session, id: "S9" }, headers: { "x-request-id": request } },
    );
    expect(answer.body.status_code).toBe(4003);
    const trace = await traced(request);
    expect(trace).toMatchObject({ status_code: 4003, outcome: "hub-error" });
    expect(trace.legs).toHaveLength(1);
    expect(trace.legs[0]).toMatchObject({
      outcome: "unreachable",
      http_status: null,
      status_code: null,
    });
  });
});

describe("a broadcast", () => {
  it("is one message with a leg per recipient attempt, the failing recipient's retries included", async () => {
    hub = await startHub();
    const receivers: Modules = [{ identifier: "locations", role: "RECEIVER" }];
    const cpo = await hub.connect([cpoRole], { modules: CPO_MODULES, name: "CPO" });
    const good = await hub.connect([emspRole], { modules: receivers, name: "good" });
    const bad = await hub.connect([{ role: "EMSP", country_code: "DE", party_id: "BAD" }], {
      modules: receivers,
      name: "bad",
    });
    let failures = 2;
    bad.platform.on((req) => {
      if (req.module !== "locations" || failures === 0) return undefined;
      failures--;
      return { status: 500, body: { status_code: 3000, timestamp: new Date().toISOString() } };
    });
    const request = randomUUID();
    const answer = await cpo.platform.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`,
      { to: "NL/HUB", body: locationOf("NL/CPO", "LOC1"), headers: { "x-request-id": request } },
    );
    expect(answer.body.status_code).toBe(1000);
    await eventually(() => bad.platform.moduleRequests("locations").length === 3, 15_000);
    await hub.settled();

    const trace = await traced(request);
    expect(trace).toMatchObject({
      module: "locations",
      object_id: "LOC1",
      to: { country_code: "NL", party_id: "HUB" },
      status_code: 1000,
    });
    const legs = trace.legs as any[];
    const toGood = legs.filter((l) => l.to.platform_id === good.id);
    const toBad = legs.filter((l) => l.to.platform_id === bad.id);
    expect(legs).toHaveLength(4);
    expect(toGood.map((l) => [l.outcome, l.http_status])).toEqual([["success", 200]]);
    expect(toGood[0].to).toMatchObject({ country_code: "DE", party_id: "EMS" });
    expect(toBad.map((l) => [l.outcome, l.http_status, l.status_code])).toEqual([
      ["server-error", 500, 3000],
      ["server-error", 500, 3000],
      ["success", 200, 1000],
    ]);
    const sent = bad.platform.moduleRequests("locations").map((r) => r.headers["x-request-id"]);
    expect(toBad.map((l) => l.request_id)).toEqual(sent);
    // The platform filter finds the broadcast through its legs.
    const forBad = await messages(`?platform=${bad.id}&module=locations`);
    expect(forBad.data.map((m) => m.request_id)).toEqual([request]);

    // A later broadcast lists first; pages by cursor show each message once.
    const later = randomUUID();
    await cpo.platform.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC2`, {
      to: "NL/HUB",
      body: locationOf("NL/CPO", "LOC2"),
      headers: { "x-request-id": later },
    });
    await eventually(() => bad.platform.moduleRequests("locations").length === 4, 15_000);
    await hub.settled();
    const first = await messages(`?platform=${bad.id}&module=locations&limit=1`);
    expect(first.data.map((m) => m.request_id)).toEqual([later]);
    const second = await messages(
      `?platform=${bad.id}&module=locations&limit=1&cursor=${first.next}`,
    );
    expect(second.data.map((m) => m.request_id)).toEqual([request]);
    expect(second.next).toBeNull();
  }, 30_000);
});

describe("searching", () => {
  it("filters by object, party, platform, module, status_code and time, and pages newest first by cursor", async () => {
    hub = await startHub();
    const { cpo, emsp } = await pair();
    const sent = [];
    for (const id of ["S1", "S2", "S3"]) sent.push((await putSession(cpo.platform, id)).request);

    const first = await messages("?module=sessions&limit=2");
    expect(first.data.map((m) => m.request_id)).toEqual([sent[2], sent[1]]);
    expect(first.next).toEqual(expect.any(String));
    const second = await messages(`?module=sessions&limit=2&cursor=${first.next}`);
    expect(second.data.map((m) => m.request_id)).toEqual([sent[0]]);
    expect(second.next).toBeNull();

    expect((await messages("?object_id=S2")).data.map((m) => m.request_id)).toEqual([sent[1]]);
    expect((await messages("?party=DE/EMS&module=sessions")).data).toHaveLength(3);
    expect((await messages("?party=NL/CPO&module=sessions")).data).toHaveLength(3);
    expect((await messages("?party=FR/XXX")).data).toHaveLength(0);
    expect((await messages(`?platform=${emsp.id}&module=sessions`)).data).toHaveLength(3);
    expect((await messages("?module=sessions&status_code=1000")).data).toHaveLength(3);
    expect((await messages("?module=sessions&status_code=2001")).data).toHaveLength(0);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await messages(`?module=sessions&since=${future}`)).data).toHaveLength(0);
    expect((await messages(`?module=sessions&since=${past}&until=${future}`)).data).toHaveLength(3);
    expect((await messages(`?module=sessions&until=${past}`)).data).toHaveLength(0);
  });

  it.each([
    ["since", "since=yesterday"],
    ["until", "until=2026-13-45T99:00:00Z"],
    ["limit", "limit=0"],
    ["limit", "limit=5000"],
    ["party", "party=NLCPO"],
    ["status_code", "status_code=abc"],
    ["cursor", "cursor=-1"],
  ])("refuses a bad %s with 400 naming it (%s)", async (field, query) => {
    hub = await startHub();
    const res = await hub.admin("GET", `/messages?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });
});
