import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { example } from "../support/examples.js";
import { expectOk, expectRefused } from "../support/expect.js";
import type { FakePlatform, HubAnswer } from "../support/fake-platform.js";
import { code, type Modules, type Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * Who may claim what: a party's objects belong to it in its role, open
 * routing's claims go with the platform that made them, and a push the hub
 * cannot store or fan out goes nowhere.
 */

const HUB = "NL/HUB";
const cpo: Party = { role: "CPO", country_code: "NL", party_id: "CPA" };
/** The same codes as the CPO, held as an eMSP by another platform (legitimate). */
const twin: Party = { role: "EMSP", country_code: "NL", party_id: "CPA" };
/** A CPO on the twin's platform, so that it may push locations at all. */
const mixedCpo: Party = { role: "CPO", country_code: "BE", party_id: "MIX" };
const emsp: Party = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const otherEmsp: Party = { role: "EMSP", country_code: "FR", party_id: "EMO" };

const CPO_MODULES: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "tariffs", role: "SENDER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
];
const EMSP_MODULES: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
];

let hub: TestHub;
let cpoPlatform: FakePlatform;
let emspPlatform: FakePlatform;

beforeEach(async () => {
  hub = await startHub();
  cpoPlatform = (await hub.connect([cpo], { modules: CPO_MODULES, name: "Charge Co" })).platform;
  emspPlatform = (await hub.connect([emsp], { modules: EMSP_MODULES, name: "Drive App" })).platform;
});

afterEach(async () => {
  await hub?.close();
});

const at = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

function location(owner: Party, id: string, name = "Gent Zuid") {
  return {
    ...example("location_example.json"),
    country_code: owner.country_code,
    party_id: owner.party_id,
    id,
    name,
  };
}

function tariff(owner: Party, id: string) {
  return {
    ...example("tariff_1_simple_2hour.json"),
    country_code: owner.country_code,
    party_id: owner.party_id,
    id,
  };
}

function token(owner: Party, uid: string) {
  return {
    ...example("token_put_example.json"),
    country_code: owner.country_code,
    party_id: owner.party_id,
    uid,
    type: "RFID",
  };
}

/** The CPO's location as the hub's cache serves it to the eMSP. */
async function cached(id: string): Promise<HubAnswer> {
  return emspPlatform.hubRoute("GET", at(`locations/sender/${id}`), { to: HUB });
}

async function broadcastLocation(from: FakePlatform, owner: Party, body: unknown, id: string) {
  return from.hubRoute("PUT", at(`locations/receiver/${code(owner)}/${id}`), { to: HUB, body });
}

describe("objects belong to a party in its role", () => {
  it("refuses writes to a CPO's locations and tariffs by a platform holding the same codes as an eMSP; the CPO's objects stay intact", async () => {
    expectOk(await broadcastLocation(cpoPlatform, cpo, location(cpo, "LOC-1"), "LOC-1"));
    expectOk(
      await cpoPlatform.hubRoute("PUT", at(`tariffs/receiver/${code(cpo)}/T-1`), {
        to: HUB,
        body: tariff(cpo, "T-1"),
      }),
    );
    await hub.settled();
    const { platform: mixed } = await hub.connect([mixedCpo, twin], {
      modules: [...CPO_MODULES, ...EMSP_MODULES],
      name: "Twin Co",
    });
    const before = emspPlatform.moduleRequests().length;

    const forged = location(cpo, "LOC-1", "Forged");
    const attempts: [string, () => Promise<HubAnswer>][] = [
      ["a broadcast PUT", () => broadcastLocation(mixed, cpo, forged, "LOC-1")],
      [
        "a direct PUT",
        () =>
          mixed.hubRoute("PUT", at(`locations/receiver/${code(cpo)}/LOC-1`), {
            from: code(mixedCpo),
            to: code(emsp),
            body: forged,
          }),
      ],
      [
        "a PATCH",
        () =>
          mixed.hubRoute("PATCH", at(`locations/receiver/${code(cpo)}/LOC-1`), {
            from: code(mixedCpo),
            to: HUB,
            body: { name: "Forged", last_updated: "2030-01-01T00:00:00Z" },
          }),
      ],
      [
        "a tariff DELETE",
        () =>
          mixed.hubRoute("DELETE", at(`tariffs/receiver/${code(cpo)}/T-1`), {
            from: code(mixedCpo),
            to: HUB,
          }),
      ],
    ];
    for (const [context, attempt] of attempts) {
      await expectRefused(attempt, 200, 2001, {
        message: [
          `the URL names ${code(cpo)}`,
          "which is not a CPO or NAP of the calling platform",
        ],
        context,
        unforwarded: [cpoPlatform, emspPlatform],
      });
    }
    await hub.settled();
    expect(emspPlatform.moduleRequests().length, "nothing was delivered").toBe(before);
    const answer = await cached("LOC-1");
    expectOk(answer);
    expect(answer.body.data.name).toBe("Gent Zuid");
    const tariffs = await emspPlatform.hubRoute("GET", at("tariffs/sender?offset=0&limit=10"), {
      to: HUB,
    });
    expect(tariffs.body.data.map((t: { id: string }) => t.id)).toEqual(["T-1"]);

    // The twin may still do what its own roles allow: push its tokens, as an eMSP.
    expectOk(
      await mixed.hubRoute("PUT", at(`tokens/receiver/${code(twin)}/TWIN-UID`), {
        from: code(twin),
        to: code(cpo),
        body: token(twin, "TWIN-UID"),
      }),
    );
  });
});

describe("open routing's claims", () => {
  it("go with the platform that made them when it is removed; route hints expire when no traffic renews them, a cached token's claim stays with the token", async () => {
    const { platform: other, id: otherId } = await hub.connect([otherEmsp], {
      modules: EMSP_MODULES,
      name: "Other App",
    });
    for (const [platform, owner] of [
      [emspPlatform, emsp],
      [other, otherEmsp],
    ] as const) {
      expectOk(
        await platform.hubRoute("PUT", at(`tokens/receiver/${code(owner)}/SHARED-UID`), {
          to: code(cpo),
          body: token(owner, "SHARED-UID"),
        }),
      );
    }
    expectOk(
      await cpoPlatform.hubRoute("PUT", at(`locations/receiver/${code(cpo)}/HINTED`), {
        to: code(emsp),
        body: location(cpo, "HINTED"),
      }),
    );
    const owners = async () =>
      (await hub.deps.routing.tokenOwners("SHARED-UID", "RFID")).map(
        (o) => `${o.countryCode}/${o.partyId}`,
      );
    expect(await owners()).toEqual([code(emsp), code(otherEmsp)]);

    expect((await hub.admin("DELETE", `/platforms/${otherId}`)).status).toBe(204);
    expect(await owners(), "the removed platform's token claim").toEqual([code(emsp)]);

    const now = Date.now();
    expect(await hub.deps.routing.pruneHints(new Date(now))).toBe(0);
    expect(await hub.deps.routing.pruneTokens(new Date(now))).toBe(0);
    expect(await hub.deps.routing.hintsFor("location", "HINTED")).toHaveLength(1);
    const later = new Date(now + 366 * 24 * 3600_000);
    expect(await hub.deps.routing.pruneHints(later)).toBeGreaterThan(0);
    // The hub keeps the token's last state for as long as its platform is on the hub.
    expect(await hub.deps.routing.pruneTokens(later)).toBe(0);
    expect(await hub.deps.routing.hintsFor("location", "HINTED")).toEqual([]);
    expect(await owners()).toEqual([code(emsp)]);
  });
});

describe("a push the hub cannot store or fan out goes nowhere", () => {
  it("refuses a body with a NUL character or nested too deep with 2001, forwarding and caching nothing", async () => {
    const nul = JSON.stringify(location(cpo, "LOC-NUL", "Gent\u0000Zuid"));
    await expectRefused(
      () =>
        cpoPlatform.hubRoute("PUT", at(`locations/receiver/${code(cpo)}/LOC-NUL`), {
          to: code(emsp),
          rawBody: nul,
        }),
      200,
      2001,
      { message: ["NUL"], unforwarded: [emspPlatform] },
    );
    let deep: unknown = "bottom";
    for (let i = 0; i < 100; i++) deep = { deeper: deep };
    await expectRefused(
      () => broadcastLocation(cpoPlatform, cpo, { ...location(cpo, "LOC-DEEP"), deep }, "LOC-DEEP"),
      200,
      2001,
      { message: ["nested deeper than 64 levels"], unforwarded: [emspPlatform] },
    );
    // An escaped backslash before "u0000" is text, not a NUL.
    const text = JSON.stringify(location(cpo, "LOC-TEXT", "back\\u0000slash"));
    expectOk(await broadcastLocation(cpoPlatform, cpo, JSON.parse(text), "LOC-TEXT"));
    await hub.settled();
    expect((await cached("LOC-NUL")).body.status_code).toBe(2003);
    expect((await cached("LOC-DEEP")).body.status_code).toBe(2003);
    expect((await cached("LOC-TEXT")).body.data.name).toBe("back\\u0000slash");
    expect(emspPlatform.moduleRequests("locations", "RECEIVER")).toHaveLength(1);
  });

  it("answers 503 + 3000 to a push the cache cannot take (database failure), queues and forwards nothing, and takes the same push again once the database is back", async () => {
    const db = hub.deps.db.db;
    await db.execute(sql`create function refuse_write() returns trigger language plpgsql as $$
      begin raise exception 'locations are read-only'; end $$`);
    await db.execute(sql`create trigger refuse_write before insert or update on locations
      for each row execute function refuse_write()`);
    const body = location(cpo, "LOC-OUTAGE");
    await expectRefused(() => broadcastLocation(cpoPlatform, cpo, body, "LOC-OUTAGE"), 503, 3000, {
      message: ["could not store", "send it again"],
      unforwarded: [emspPlatform],
    });
    await expectRefused(
      () =>
        cpoPlatform.hubRoute("PUT", at(`locations/receiver/${code(cpo)}/LOC-OUTAGE`), {
          to: code(emsp),
          body,
        }),
      503,
      3000,
      { message: ["could not store"], unforwarded: [emspPlatform] },
    );
    await hub.settled();
    expect(emspPlatform.moduleRequests("locations", "RECEIVER"), "nothing delivered").toEqual([]);
    expect(hub.logText()).toContain("could not write a push to the cache");

    await db.execute(sql`drop trigger refuse_write on locations`);
    expectOk(await broadcastLocation(cpoPlatform, cpo, body, "LOC-OUTAGE"));
    await hub.settled();
    expect(emspPlatform.moduleRequests("locations", "RECEIVER")).toHaveLength(1);
    expectOk(await cached("LOC-OUTAGE"));
  });

  it("answers 503 to a broadcast the bus cannot queue (an outage), and the same push sent again reaches every recipient though the cache already took it", async () => {
    const queue = hub.deps.queue;
    const broadcast = queue.broadcast;
    queue.broadcast = async () => {
      throw new Error("the message bus is down");
    };
    const body = location(cpo, "LOC-BUS");
    try {
      await expectRefused(() => broadcastLocation(cpoPlatform, cpo, body, "LOC-BUS"), 503, 3000, {
        message: ["could not queue", "send it again"],
        unforwarded: [emspPlatform],
      });
    } finally {
      queue.broadcast = broadcast;
    }
    expectOk(await broadcastLocation(cpoPlatform, cpo, body, "LOC-BUS"));
    await hub.settled();
    const delivered = emspPlatform.moduleRequests("locations", "RECEIVER");
    expect(delivered.map((r) => r.tail)).toEqual([`/${code(cpo)}/LOC-BUS`]);
    expect((await cached("LOC-BUS")).body.data.id).toBe("LOC-BUS");
  });

  it("refuses with 2001 a broadcast whose delivery the message bus cannot carry, before the cache takes it", async () => {
    const queue = hub.deps.queue as { maxMessageBytes?: number };
    queue.maxMessageBytes = 64 * 1024;
    const big = { ...location(cpo, "LOC-BIG"), x_notes: "x".repeat(80 * 1024) };
    await expectRefused(() => broadcastLocation(cpoPlatform, cpo, big, "LOC-BIG"), 200, 2001, {
      message: ["the hub's message bus carries at most"],
      unforwarded: [emspPlatform],
    });
    const fits = { ...location(cpo, "LOC-FITS"), x_notes: "x".repeat(40 * 1024) };
    expectOk(await broadcastLocation(cpoPlatform, cpo, fits, "LOC-FITS"));
    await hub.settled();
    expect((await cached("LOC-BIG")).body.status_code).toBe(2003);
    expect(emspPlatform.moduleRequests("locations", "RECEIVER").map((r) => r.tail)).toEqual([
      `/${code(cpo)}/LOC-FITS`,
    ]);
  });
});
