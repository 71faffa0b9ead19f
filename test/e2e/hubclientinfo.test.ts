import { afterEach, describe, expect, it } from "vitest";
import { DATE_TIME } from "../support/expect.js";
import { eventually, type FakePlatform } from "../support/fake-platform.js";
import { clientInfoPushed, type Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPA" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "MSP" };

let hub: TestHub;

function expectClientInfo(body: unknown, party: Party, status: string) {
  expect(body).toEqual({
    party_id: party.party_id,
    country_code: party.country_code,
    role: party.role,
    status,
    last_updated: expect.stringMatching(DATE_TIME),
  });
}

const key = (i: Party) => `${i.role}:${i.country_code}:${i.party_id}`;

/** GET the hub's ClientInfo list with the reader's token; no routing headers. */
function list(reader: FakePlatform, query = "") {
  return reader.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo${query}`);
}

/** Parses `Link: <url>; rel="next"`. */
function nextLink(headers: Headers): URL | undefined {
  const link = headers.get("link");
  if (link === null) return undefined;
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(link.trim());
  expect(match, `Link header "${link}"`).not.toBeNull();
  return new URL(match?.[1] as string);
}

/**
 * Runs `work` with this process (and so the hub in it) in another time zone;
 * OCPI DateTimes are UTC, so no answer may depend on it.
 */
async function inTimeZone<T>(zone: string, work: () => Promise<T>): Promise<T> {
  // biome-ignore lint/style/noProcessEnv: TZ is the process setting this check varies
  const env = process.env;
  const saved = env.TZ;
  env.TZ = zone;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete env.TZ;
    else env.TZ = saved;
  }
}

afterEach(async () => {
  await hub?.close();
});

describe("hubclientinfo push (the hub is the Sender, platforms' clientinfo Receivers get PUTs)", () => {
  it("tells a connected eMSP about a CPO through its whole life: PLANNED, CONNECTED, OFFLINE while suspended, CONNECTED, SUSPENDED once removed", async () => {
    hub = await startHub();
    const { platform: emsp } = await hub.connect([emspRole], { name: "eMSP" });
    await hub.settled();
    expect(emsp.clientInfos).toEqual([]); // nobody else exists yet

    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole], "CPO");
    await clientInfoPushed(emsp, cpoRole, "PLANNED");

    await cpo.register(invited.versions_url, invited.token_a);
    await clientInfoPushed(emsp, cpoRole, "CONNECTED");

    // A suspension can be lifted; SUSPENDED means "will never connect anymore" (hubclientinfo: ConnectionStatus).
    expect((await hub.admin("POST", `/platforms/${invited.id}/suspend`)).status).toBe(200);
    await clientInfoPushed(emsp, cpoRole, "OFFLINE");

    expect((await hub.admin("POST", `/platforms/${invited.id}/resume`)).status).toBe(200);
    await clientInfoPushed(emsp, cpoRole, "CONNECTED", { after: 3 });

    expect((await hub.admin("DELETE", `/platforms/${invited.id}`)).status).toBe(204);
    await clientInfoPushed(emsp, cpoRole, "SUSPENDED", { after: 4 });
    await hub.settled();

    const infos = emsp.clientInfos;
    expect(infos.map((i) => i.body.status)).toEqual([
      "PLANNED",
      "CONNECTED",
      "OFFLINE",
      "CONNECTED",
      "SUSPENDED",
    ]);
    for (const info of infos) {
      // The URL names the described party, not the receiver.
      expect(info.path).toBe("/ocpi/2.2.1/clientinfo/NL/CPA");
      expectClientInfo(info.body, cpoRole, info.body.status);
    }
    const stamps = infos.map((i) => Date.parse(i.body.last_updated));
    for (let n = 1; n < stamps.length; n++)
      expect(stamps[n]).toBeGreaterThan(stamps[n - 1] as number);

    const puts = emsp.requests.filter((r) => r.method === "PUT");
    expect(puts.length).toBe(5);
    for (const put of puts) {
      // The eMSP's own token for the hub, and never routed: no OCPI-to/-from headers.
      expect(put.token).toBe(emsp.tokenForHub);
      expect(put.headers.authorization).toBe(
        `Token ${Buffer.from(emsp.tokenForHub).toString("base64")}`,
      );
      expect(Object.keys(put.headers).filter((h) => /^ocpi-(to|from)-/i.test(h))).toEqual([]);
      expect(put.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  it("pushes nothing to the platform that changed, to platforms without a Receiver, or to suspended platforms", async () => {
    hub = await startHub();
    const quietRole = { role: "EMSP", country_code: "BE", party_id: "QUI" };
    const { platform: emsp, id: emspId } = await hub.connect([emspRole], { name: "eMSP" });
    const { platform: quiet } = await hub.connect([quietRole], {
      modules: [],
      name: "no receiver",
    });
    const { platform: cpo } = await hub.connect([cpoRole], { name: "CPO" });
    await hub.settled();

    // The CPO learnt about both others when it connected; the eMSP about the two that came later.
    expect(cpo.clientInfos.map((i) => key(i.body)).sort()).toEqual(
      [key(quietRole), key(emspRole)].sort(),
    );
    // Per party, statuses arrive in order; one superseded before it was sent is skipped.
    const seen = emsp.clientInfos.map((i) => `${key(i.body)}=${i.body.status}`);
    for (const role of [quietRole, cpoRole]) {
      const statuses = seen.filter((s) => s.startsWith(`${key(role)}=`));
      expect(statuses.at(-1)).toBe(`${key(role)}=CONNECTED`);
      expect([
        [`${key(role)}=CONNECTED`],
        [`${key(role)}=PLANNED`, `${key(role)}=CONNECTED`],
      ]).toContainEqual(statuses);
    }

    // Suspend the eMSP: the others are told, the eMSP itself is not.
    const before = emsp.clientInfos.length;
    expect((await hub.admin("POST", `/platforms/${emspId}/suspend`)).status).toBe(200);
    await clientInfoPushed(cpo, emspRole, "OFFLINE");

    // A change while the eMSP is suspended reaches the CPO but not the eMSP.
    const laterRole = { role: "CPO", country_code: "FR", party_id: "LAT" };
    await hub.invite([laterRole], "later CPO");
    await clientInfoPushed(cpo, laterRole, "PLANNED");
    await hub.settled();
    expect(emsp.clientInfos.length).toBe(before);

    // Resumed, it is told the current state of what changed meanwhile, never about itself.
    expect((await hub.admin("POST", `/platforms/${emspId}/resume`)).status).toBe(200);
    await clientInfoPushed(cpo, emspRole, "CONNECTED");
    await clientInfoPushed(emsp, laterRole, "PLANNED", { after: before });
    await hub.settled();

    for (const f of [emsp, cpo]) {
      const own = f.options.roles.map((r) => key(r as Party));
      expect(f.clientInfos.filter((i) => own.includes(key(i.body)))).toEqual([]);
    }
    expect(quiet.requests.filter((r) => r.method === "PUT")).toEqual([]);
    expect(quiet.clientInfos).toEqual([]);
  });

  it("sends a platform that connects late the ClientInfo of every other party, right after it registers", async () => {
    hub = await startHub();
    const plannedRole = { role: "CPO", country_code: "FR", party_id: "PLN" };
    const goneRole = { role: "CPO", country_code: "ES", party_id: "GON" };
    await hub.connect([cpoRole], { name: "CPO" });
    await hub.connect([emspRole], { modules: [], name: "eMSP" });
    await hub.invite([plannedRole], "planned CPO");
    const { id: goneId } = await hub.connect([goneRole], { name: "gone CPO" });
    expect((await hub.admin("DELETE", `/platforms/${goneId}`)).status).toBe(204);
    await hub.settled();

    const lateRoles = [
      { role: "CPO", country_code: "BE", party_id: "LAT" },
      { role: "EMSP", country_code: "BE", party_id: "LAE" },
    ];
    const late = await hub.fake({ roles: lateRoles });
    const invited = await hub.invite(lateRoles, "late");
    await hub.settled();
    expect(late.clientInfos).toEqual([]); // not registered yet: nothing to receive with

    await late.register(invited.versions_url, invited.token_a);
    await eventually(() => late.clientInfos.length >= 4);
    await hub.settled();

    const got = late.clientInfos;
    expect(got.map((i) => `${key(i.body)}=${i.body.status}`).sort()).toEqual(
      [
        `${key(cpoRole)}=CONNECTED`,
        `${key(emspRole)}=CONNECTED`,
        `${key(plannedRole)}=PLANNED`,
        `${key(goneRole)}=SUSPENDED`,
      ].sort(),
    );
    for (const info of got) {
      expect(info.path).toBe(
        `/ocpi/2.2.1/clientinfo/${info.body.country_code}/${info.body.party_id}`,
      );
      expectClientInfo(info.body, info.body, info.body.status);
    }
    // What it was sent is what the hub holds.
    const held = await list(late);
    expect(held.body.status_code).toBe(1000);
    for (const info of got) {
      expect(held.body.data).toContainEqual(info.body);
    }
  });
});

describe("hubclientinfo GET (Sender interface, paginated, never routed)", () => {
  it("lists every party: PLANNED until registered, CONNECTED, OFFLINE while suspended, SUSPENDED once removed", async () => {
    hub = await startHub();
    const plannedRole = { role: "CPO", country_code: "FR", party_id: "PLN" };
    const goneRole = { role: "CPO", country_code: "ES", party_id: "GON" };
    const pausedRole = { role: "EMSP", country_code: "IT", party_id: "PAU" };
    const { platform: reader } = await hub.connect([cpoRole], { modules: [] });
    await hub.invite([plannedRole]);
    const { id: goneId } = await hub.connect([goneRole], { modules: [] });
    const { id: pausedId } = await hub.connect([pausedRole], { modules: [] });
    expect((await hub.admin("DELETE", `/platforms/${goneId}`)).status).toBe(204);
    expect((await hub.admin("POST", `/platforms/${pausedId}/suspend`)).status).toBe(200);
    await hub.settled();

    const res = await list(reader);
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.timestamp).toMatch(DATE_TIME);
    expect(res.headers.get("x-total-count")).toBe("4");
    expect(res.headers.get("x-limit")).toBe("100");
    expect(res.headers.get("link")).toBeNull();
    const byKey = new Map<string, any>(res.body.data.map((i: Party) => [key(i), i]));
    expect(byKey.size).toBe(4);
    expectClientInfo(byKey.get(key(cpoRole)), cpoRole, "CONNECTED");
    expectClientInfo(byKey.get(key(plannedRole)), plannedRole, "PLANNED");
    expectClientInfo(byKey.get(key(goneRole)), goneRole, "SUSPENDED");
    expectClientInfo(byKey.get(key(pausedRole)), pausedRole, "OFFLINE");
  });

  it("pages with limit: X-Total-Count, X-Limit, a Link to the hub's next page, every object exactly once", async () => {
    hub = await startHub();
    const { platform: reader } = await hub.connect([cpoRole], { modules: [] });
    for (const pid of ["PA1", "PA2", "PA3", "PA4"]) {
      await hub.invite([{ role: "EMSP", country_code: "DE", party_id: pid }], pid);
    }
    await hub.settled();

    const all = await list(reader);
    expect(all.body.data.length).toBe(5);
    const everything: string[] = all.body.data.map(key);

    const first = await list(reader, "?offset=0&limit=2");
    expect(first.status).toBe(200);
    expect(first.body.status_code).toBe(1000);
    expect(first.body.data.length).toBe(2);
    expect(first.headers.get("x-total-count")).toBe("5");
    expect(first.headers.get("x-limit")).toBe("100");
    const link = nextLink(first.headers) as URL;
    expect(`${link.origin}${link.pathname}`).toBe(`${hub.url}/ocpi/2.2.1/hubclientinfo`);
    expect(link.searchParams.get("offset")).toBe("2");
    expect(link.searchParams.get("limit")).toBe("2");

    const walked: string[] = [];
    const sizes: number[] = [];
    let url: string | undefined = `${hub.url}/ocpi/2.2.1/hubclientinfo?limit=2`;
    let lastHeaders: Headers | undefined;
    while (url !== undefined) {
      const page = await reader.hubCall("GET", url);
      expect(page.status).toBe(200);
      expect(page.body.status_code).toBe(1000);
      expect(page.headers.get("x-total-count")).toBe("5");
      expect(page.headers.get("x-limit")).toBe("100");
      sizes.push(page.body.data.length);
      walked.push(...page.body.data.map(key));
      lastHeaders = page.headers;
      url = nextLink(page.headers)?.toString();
      expect(sizes.length).toBeLessThan(10);
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(lastHeaders?.get("link")).toBeNull();
    expect(walked).toEqual(everything); // the same stable order, each once
    expect(new Set(walked).size).toBe(5);
  });

  it("caps the page at the server maximum of 100", async () => {
    hub = await startHub();
    const { platform: reader } = await hub.connect([cpoRole], { modules: [] });
    const many = Array.from({ length: 105 }, (_, n) => ({
      role: "CPO",
      country_code: "FR",
      party_id: `Q${n.toString(36).toUpperCase().padStart(2, "0")}`,
    }));
    await hub.invite(many, "many parties");
    await hub.settled();

    const capped = await list(reader, "?limit=500");
    expect(capped.status).toBe(200);
    expect(capped.body.data.length).toBe(100);
    expect(capped.headers.get("x-total-count")).toBe("106");
    expect(capped.headers.get("x-limit")).toBe("100");
    const link = nextLink(capped.headers) as URL;
    expect(link.searchParams.get("offset")).toBe("100");
    expect(link.searchParams.get("limit")).toBe("100");

    const rest = await reader.hubCall("GET", link.toString());
    expect(rest.body.data.length).toBe(6);
    expect(rest.headers.get("link")).toBeNull();
    const seen = new Set([...capped.body.data, ...rest.body.data].map(key));
    expect(seen.size).toBe(106);

    const unbounded = await list(reader);
    expect(unbounded.body.data.length).toBe(100);
    expect(unbounded.headers.get("x-limit")).toBe("100");
  });

  it("answers an offset past the end with an empty page, and bad parameters with 2001", async () => {
    hub = await startHub();
    const { platform: reader } = await hub.connect([cpoRole], { modules: [] });
    await hub.invite([emspRole]);
    await hub.settled();

    const past = await list(reader, "?offset=50");
    expect(past.status).toBe(200);
    expect(past.body.status_code).toBe(1000);
    expect(past.body.data).toEqual([]);
    expect(past.headers.get("x-total-count")).toBe("2");
    expect(past.headers.get("x-limit")).toBe("100");
    expect(past.headers.get("link")).toBeNull();

    for (const query of [
      "?offset=-1",
      "?limit=abc",
      "?date_from=yesterday",
      "?date_to=2026-13-01T00:00:00Z",
    ]) {
      const bad = await list(reader, query);
      expect(bad.status, query).toBe(200);
      expect(bad.body.status_code, query).toBe(2001);
      expect(bad.body.status_message, query).toEqual(expect.any(String));
      expect(bad.body.timestamp, query).toMatch(DATE_TIME);
    }
  });

  it("filters on last_updated: date_from inclusive, date_to exclusive, filters kept in the Link", async () => {
    let now = new Date("2026-03-01T10:00:00.000Z");
    hub = await startHub({ clock: { now: () => now } });
    const t0 = now;
    const { platform: reader } = await hub.connect([cpoRole], { modules: [] });
    await hub.settled();

    const parties = ["PA1", "PA2", "PA3"].map((pid) => ({
      role: "EMSP",
      country_code: "DE",
      party_id: pid,
    }));
    const stamps: Date[] = [];
    for (const [n, party] of parties.entries()) {
      now = new Date(t0.getTime() + (n + 1) * 60_000);
      stamps.push(now);
      await hub.invite([party], party.party_id);
      await hub.settled();
    }
    const [t1, t2, t3] = stamps as [Date, Date, Date];
    const [p1, p2, p3] = parties as [Party, Party, Party];

    const all = await list(reader);
    const stampOf = new Map(
      all.body.data.map((i: Party & { last_updated: string }) => [key(i), i.last_updated]),
    );
    expect(stampOf.get(key(cpoRole))).toBe(t0.toISOString());
    expect(stampOf.get(key(p1))).toBe(t1.toISOString());
    expect(stampOf.get(key(p2))).toBe(t2.toISOString());
    expect(stampOf.get(key(p3))).toBe(t3.toISOString());

    const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;

    const from = await list(reader, q({ date_from: t1.toISOString() }));
    expect(from.body.data.map(key)).toEqual([p1, p2, p3].map(key));
    expect(from.headers.get("x-total-count")).toBe("3");

    const to = await list(reader, q({ date_to: t2.toISOString() }));
    expect(to.body.data.map(key)).toEqual([cpoRole, p1].map(key));
    expect(to.headers.get("x-total-count")).toBe("2");

    const window = await list(
      reader,
      q({ date_from: t1.toISOString(), date_to: t3.toISOString() }),
    );
    expect(window.body.data.map(key)).toEqual([p1, p2].map(key));
    expect(window.headers.get("x-total-count")).toBe("2");

    // Windows that meet do not overlap.
    const before = await list(reader, q({ date_to: t2.toISOString() }));
    const after = await list(reader, q({ date_from: t2.toISOString() }));
    expect([...before.body.data, ...after.body.data].map(key).sort()).toEqual(
      all.body.data.map(key).sort(),
    );

    // Paging within a filter keeps the filter.
    const walked: string[] = [];
    let url: string | undefined =
      `${hub.url}/ocpi/2.2.1/hubclientinfo${q({ date_from: t1.toISOString(), limit: "1" })}`;
    let pages = 0;
    while (url !== undefined && pages < 10) {
      const page = await reader.hubCall("GET", url);
      expect(page.body.status_code).toBe(1000);
      expect(page.headers.get("x-total-count")).toBe("3");
      walked.push(...page.body.data.map(key));
      const next = nextLink(page.headers);
      if (next !== undefined) expect(next.searchParams.get("date_from")).toBe(t1.toISOString());
      url = next?.toString();
      pages++;
    }
    expect(walked).toEqual([p1, p2, p3].map(key));

    const bad = await list(reader, "?date_from=yesterday");
    expect(bad.status).toBe(200);
    expect(bad.body.status_code).toBe(2001);
  });

  it("reads date_from and date_to without the Z as UTC, whatever the server's time zone", async () => {
    let now = new Date("2026-03-01T10:00:00.000Z");
    hub = await startHub({ clock: { now: () => now } });
    const t0 = now;
    const { platform: reader } = await hub.connect([cpoRole], { modules: [] });
    await hub.settled();
    const p1 = { role: "EMSP", country_code: "DE", party_id: "PA1" };
    const p2 = { role: "EMSP", country_code: "DE", party_id: "PA2" };
    const t1 = new Date(t0.getTime() + 60_000);
    const t2 = new Date(t0.getTime() + 120_000);
    now = t1;
    await hub.invite([p1], "PA1");
    await hub.settled();
    now = t2;
    await hub.invite([p2], "PA2");
    await hub.settled();

    const noZ = (d: Date) => d.toISOString().replace(/Z$/, "");
    // "The absence of the timezone designator implies a UTC timestamp" (types: DateTime).
    await inTimeZone("Europe/Amsterdam", async () => {
      const from = await list(reader, `?date_from=${noZ(t1)}`);
      expect(from.body.status_code).toBe(1000);
      expect(from.body.data.map(key)).toEqual([p1, p2].map(key));
      const to = await list(reader, `?date_to=${noZ(t2)}`);
      expect(to.body.status_code).toBe(1000);
      expect(to.body.data.map(key)).toEqual([cpoRole, p1].map(key));
    });
  });
});
