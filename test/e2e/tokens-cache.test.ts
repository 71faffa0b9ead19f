import { afterEach, describe, expect, it } from "vitest";
import { expectRouting } from "../support/expect.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type ModuleRequest,
} from "../support/fake-platform.js";
import { clientInfoPushed, type Modules, type Party } from "../support/parties.js";
import { platformStatus, startHub, type TestHub } from "../support/test-hub.js";

/**
 * The hub keeps the last state of every token eMSPs push (PUT whole, PATCH
 * merged without its nulls, never an older state over a newer one), sends
 * it to a CPO back from OFFLINE and on the operator's resync, and lists it
 * to CPOs through GET All via Hubs.
 */

const HUB = "NL/HUB";
const awayRole: Party = { role: "CPO", country_code: "NL", party_id: "CPA" };
const stayRole: Party = { role: "CPO", country_code: "BE", party_id: "CPS" };
const emspRole: Party = { role: "EMSP", country_code: "DE", party_id: "EMA" };
const otherEmspRole: Party = { role: "EMSP", country_code: "FR", party_id: "EMB" };

const CPO_MODULES: Modules = [
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "hubclientinfo", role: "RECEIVER" },
];
const EMSP_MODULES: Modules = [{ identifier: "tokens", role: "SENDER" }];

/** Keeps the probe out of the way: only the platform's own request brings it back. */
const NO_PROBE = "3600000";

let hub: TestHub;
let away: FakePlatform;
let awayId: string;
let stay: FakePlatform;
let emsp: FakePlatform;
let emspId: string;
let otherEmsp: FakePlatform;
let otherEmspId: string;
/** While true, the CPO that goes away answers every module request with HTTP 503. */
let down = false;

afterEach(async () => {
  down = false;
  await hub?.close();
});

async function scene(env: Record<string, string> = {}): Promise<void> {
  hub = await startHub({
    env: { DELIVERY_WINDOW_MS: "2000", PROBE_INTERVAL_MS: NO_PROBE, ...env },
  });
  ({ platform: away, id: awayId } = await hub.connect([awayRole], {
    name: "CPO going away",
    modules: CPO_MODULES,
  }));
  ({ platform: stay } = await hub.connect([stayRole], {
    name: "CPO staying",
    modules: CPO_MODULES,
  }));
  ({ platform: emsp, id: emspId } = await hub.connect([emspRole], {
    name: "eMSP",
    modules: EMSP_MODULES,
  }));
  ({ platform: otherEmsp, id: otherEmspId } = await hub.connect([otherEmspRole], {
    name: "other eMSP",
    modules: EMSP_MODULES,
  }));
  away.on(() => (down ? { status: 503 } : undefined));
  await hub.settled();
}

/** An RFID card as eMSPs push them: a contract id, a printed number, an issuer and a fleet group. */
function rfidCard(uid: string, lastUpdated: string, owner: Party = emspRole): any {
  return {
    country_code: owner.country_code,
    party_id: owner.party_id,
    uid,
    type: "RFID",
    contract_id: `${owner.country_code}-${owner.party_id}-C${uid.slice(-8)}`,
    visual_number: `${owner.country_code}-${owner.party_id}-${uid.slice(-6)}-7`,
    issuer: "Elli Charging",
    group_id: "FLEET-0042",
    valid: true,
    whitelist: "ALLOWED",
    language: "de",
    default_profile_type: "REGULAR",
    energy_contract: { supplier_name: "Stadtwerke München", contract_id: "SWM-889-1273" },
    last_updated: lastUpdated,
  };
}

/** An app user as eMSPs push them: a UUID uid, whitelist NEVER (authorized in real time). */
function appUser(uid: string, lastUpdated: string, owner: Party = emspRole): any {
  return {
    country_code: owner.country_code,
    party_id: owner.party_id,
    uid,
    type: "APP_USER",
    contract_id: `${owner.country_code}-${owner.party_id}-A${uid.slice(0, 8).toUpperCase()}`,
    issuer: "Elli App",
    valid: true,
    whitelist: "NEVER",
    last_updated: lastUpdated,
  };
}

const at = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

/** A broadcast push from an eMSP (OCPI-to = the hub); the hub must accept it. */
async function push(from: FakePlatform, method: string, path: string, body: unknown) {
  const res = await from.hubRoute(method, at(`tokens/receiver/${path}`), { to: HUB, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res;
}

/** Token requests a CPO got after its first `after` module requests. */
const tokenRequests = (cpo: FakePlatform, after = 0): ModuleRequest[] =>
  cpo
    .moduleRequests("tokens", "RECEIVER")
    .slice(after)
    .filter((r) => r.method === "PUT" || r.method === "PATCH");

const summary = (requests: ModuleRequest[]) =>
  requests
    .map((r) => `${r.method} ${r.tail}${r.query.size === 0 ? "" : `?${r.query.toString()}`}`)
    .sort();

/** One page of GET All via Hubs of tokens, by a CPO; checked to be the hub's 1000. */
async function tokenPage(cpo: FakePlatform, party: Party, pathOrUrl: string) {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : at(pathOrUrl);
  const res: HubAnswer = await cpo.hubRoute("GET", url, { to: HUB });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  expectRouting(res.headers, party, { country_code: "NL", party_id: "HUB" }, "the answer's");
  const link = res.headers.get("link");
  const next = link === null ? undefined : /^<([^>]+)>;\s*rel="next"$/.exec(link)?.[1];
  if (link !== null) expect(next, `Link: ${link}`).toBeDefined();
  return {
    data: res.body.data as any[],
    total: res.headers.get("x-total-count"),
    limit: res.headers.get("x-limit"),
    next,
  };
}

describe("tokens in the cache", () => {
  it("sends a CPO back from OFFLINE the merged current copy of a token PUT and PATCHed meanwhile, with ?type=", async () => {
    await scene();
    const t0 = new Date(Date.now() - 60_000).toISOString();
    // Unchanged for years: not resent on return.
    await push(
      emsp,
      "PUT",
      "DE/EMA/04A2B3C4D5E601",
      rfidCard("04A2B3C4D5E601", "2019-03-11T08:15:42Z"),
    );
    await push(emsp, "PUT", "DE/EMA/04A2B3C4D5E680", rfidCard("04A2B3C4D5E680", t0));
    await hub.settled();
    // Pushed without ?type= (RFID), delivered as sent.
    expect(summary(tokenRequests(away))).toEqual([
      "PUT /DE/EMA/04A2B3C4D5E601",
      "PUT /DE/EMA/04A2B3C4D5E680",
    ]);

    // Down: the next PATCH is retried past the window and the CPO goes OFFLINE.
    down = true;
    const blocked = { valid: false, last_updated: new Date().toISOString() };
    const first = await push(emsp, "PATCH", "DE/EMA/04A2B3C4D5E680?type=RFID", blocked);
    expect(first.body.status_message).toBe("queued for 2 platforms");
    await eventually(async () => (await platformStatus(hub, awayId)) === "OFFLINE", 15_000);
    await clientInfoPushed(stay, awayRole, "OFFLINE", { ms: 10_000 });

    // Meanwhile: another PATCH whose nulls remove nothing, and a new app user.
    const patch = {
      whitelist: "ALWAYS",
      language: null,
      group_id: null,
      last_updated: new Date().toISOString(),
    };
    const second = await push(emsp, "PATCH", "DE/EMA/04A2B3C4D5E680?type=RFID", patch);
    expect(second.body.status_message).toBe("queued for 1 platform");
    const app = appUser("b3f1c6a2-7d4e-4c1b-9a0f-2e6d8c5b7a91", new Date().toISOString());
    await push(emsp, "PUT", `DE/EMA/${app.uid}?type=APP_USER`, app);
    await hub.settled();
    const seen = away.moduleRequests().length;

    down = false;
    const own = await away.hubCall("GET", at("hubclientinfo"));
    expect(own.body.status_code).toBe(1000);
    await eventually(async () => (await platformStatus(hub, awayId)) === "CONNECTED", 10_000);
    await eventually(() => tokenRequests(away, seen).length >= 2, 10_000);
    await hub.settled();

    const got = tokenRequests(away, seen);
    expect(summary(got)).toEqual([
      "PUT /DE/EMA/04A2B3C4D5E680?type=RFID",
      `PUT /DE/EMA/${app.uid}?type=APP_USER`,
    ]);
    const card = got.find((r) => r.tail === "/DE/EMA/04A2B3C4D5E680") as ModuleRequest;
    expect(card.body).toEqual({
      ...rfidCard("04A2B3C4D5E680", t0),
      valid: false,
      whitelist: "ALWAYS",
      last_updated: patch.last_updated,
    });
    expectRouting(card.headers, awayRole, { country_code: "NL", party_id: "HUB" });
    expect(got.find((r) => r.tail !== card.tail)?.body).toEqual(app);
  });

  it("resync queues the current copy of every token of visible eMSPs for a CPO, with ?type=", async () => {
    await scene();
    const card = rfidCard("04A2B3C4D5E680", "2024-03-11T08:15:42.123Z");
    const app = appUser("b3f1c6a2-7d4e-4c1b-9a0f-2e6d8c5b7a91", "2024-03-12T10:00:00Z");
    const theirs = rfidCard("0455AA66BB7701", "2024-03-13T10:00:00Z", otherEmspRole);
    await push(emsp, "PUT", `DE/EMA/${card.uid}`, card);
    await push(emsp, "PUT", `DE/EMA/${app.uid}?type=APP_USER`, app);
    await push(emsp, "PATCH", `DE/EMA/${card.uid}?type=RFID`, {
      valid: false,
      last_updated: "2024-03-14T00:00:00Z",
    });
    await push(otherEmsp, "PUT", `FR/EMB/${theirs.uid}?type=RFID`, theirs);
    await hub.settled();
    // A suspended eMSP's tokens are nobody's to see.
    expect((await hub.admin("POST", `/platforms/${otherEmspId}/suspend`)).status).toBe(200);
    await hub.settled();

    const seen = tokenRequests(stay).length;
    const res = await hub.admin("POST", `/platforms/${awayId}/resync`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ platform_id: awayId, queued: { tokens: 2 } });
    await hub.settled();
    const got = tokenRequests(away).slice(-2);
    expect(summary(got)).toEqual([
      `PUT /DE/EMA/${card.uid}?type=RFID`,
      `PUT /DE/EMA/${app.uid}?type=APP_USER`,
    ]);
    expect(got.find((r) => r.tail === `/DE/EMA/${card.uid}`)?.body).toEqual({
      ...card,
      valid: false,
      last_updated: "2024-03-14T00:00:00Z",
    });
    // The other CPO got nothing of it; an eMSP is not sent tokens.
    expect(tokenRequests(stay).length).toBe(seen);
    const emspResync = await hub.admin("POST", `/platforms/${emspId}/resync`);
    expect(emspResync.body.queued).toEqual({ locations: 0, tariffs: 0 });
  });

  it("lists every visible eMSP's tokens to a CPO through the hub, paged, with date filters", async () => {
    await scene();
    const pushed: any[] = [];
    for (let i = 0; i < 5; i++) {
      const t = rfidCard(`04A2B3C4D5E6${10 + i}`, `2024-03-1${i}T08:00:00Z`);
      await push(emsp, "PUT", `DE/EMA/${t.uid}`, t);
      pushed.push(t);
    }
    const app = appUser("b3f1c6a2-7d4e-4c1b-9a0f-2e6d8c5b7a91", "2024-03-15T10:00:00Z");
    await push(emsp, "PUT", `DE/EMA/${app.uid}?type=APP_USER`, app);
    pushed.push(app);
    const theirs = rfidCard("0455AA66BB7701", "2024-03-16T10:00:00Z", otherEmspRole);
    await push(otherEmsp, "PUT", `FR/EMB/${theirs.uid}?type=RFID`, theirs);
    pushed.push(theirs);
    // The same uid as an app user is another token (tokens are identified by uid and type).
    const twin = appUser("04A2B3C4D5E610", "2024-03-17T10:00:00Z");
    await push(emsp, "PUT", "DE/EMA/04A2B3C4D5E610?type=APP_USER", twin);
    pushed.push(twin);
    await hub.settled();

    const first = await tokenPage(stay, stayRole, "tokens/sender?offset=0&limit=3");
    expect(first.data).toEqual(pushed.slice(0, 3));
    expect([first.total, first.limit]).toEqual(["8", "500"]);
    const next = new URL(first.next as string);
    expect(`${next.origin}${next.pathname}`).toBe(at("tokens/sender"));
    expect(Object.fromEntries(next.searchParams)).toEqual({
      offset: "3",
      limit: "3",
      after: expect.stringMatching(/^\d+$/),
    });
    const second = await tokenPage(stay, stayRole, first.next as string);
    const third = await tokenPage(stay, stayRole, second.next as string);
    expect(third.next).toBeUndefined();
    expect([...second.data, ...third.data]).toEqual(pushed.slice(3));

    const filtered = await tokenPage(
      stay,
      stayRole,
      "tokens/sender?date_from=2024-03-13T00:00:00Z&date_to=2024-03-16T00:00:00Z",
    );
    expect(filtered.data).toEqual([pushed[3], pushed[4], app]);
    expect(filtered.total).toBe("3");

    // Without OCPI-to a list cannot be open-routed: the hub answers it too.
    const unaddressed = await stay.hubRoute("GET", at("tokens/sender"));
    expect(unaddressed.body.status_code, JSON.stringify(unaddressed.body)).toBe(1000);
    expect(unaddressed.body.data).toEqual(pushed);

    // The hub's copy of one token, read by its own eMSP on the Receiver interface.
    const own = await emsp.hubRoute(
      "GET",
      at("tokens/receiver/DE/EMA/04A2B3C4D5E610?type=APP_USER"),
      {
        to: HUB,
      },
    );
    expect(own.body.status_code, JSON.stringify(own.body)).toBe(1000);
    expect(own.body.data).toEqual(twin);
  });

  it("keeps the newer token when an older PUT or PATCH comes later, and sends the older one to nobody", async () => {
    await scene();
    const newer = rfidCard("04A2B3C4D5E680", "2024-03-11T08:15:42Z");
    await push(emsp, "PUT", `DE/EMA/${newer.uid}`, newer);
    await hub.settled();
    const before = tokenRequests(stay).length;

    const older = { ...rfidCard("04A2B3C4D5E680", "2024-03-10T08:00:00Z"), valid: false };
    const stale = await push(emsp, "PUT", `DE/EMA/${older.uid}`, older);
    expect(stale.body.status_message).toBe(
      "older than the hub's copy of this object; delivered to nobody",
    );
    const stalePatch = await push(emsp, "PATCH", `DE/EMA/${older.uid}?type=RFID`, {
      whitelist: "NEVER",
      last_updated: "2024-03-11T08:15:41Z",
    });
    expect(stalePatch.body.status_message).toBe(
      "older than the hub's copy of this object; delivered to nobody",
    );
    // A PATCH of a token the hub never got in full is forwarded, but not cached.
    const unknown = await push(emsp, "PATCH", "DE/EMA/0499887766554433?type=RFID", {
      valid: false,
      last_updated: "2024-03-12T00:00:00Z",
    });
    expect(unknown.body.status_message).toBe("queued for 2 platforms");
    await hub.settled();

    expect(summary(tokenRequests(stay).slice(before))).toEqual([
      "PATCH /DE/EMA/0499887766554433?type=RFID",
    ]);
    const list = await tokenPage(stay, stayRole, "tokens/sender");
    expect(list.data).toEqual([newer]);
  });
});
