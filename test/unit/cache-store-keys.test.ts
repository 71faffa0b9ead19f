import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CacheStore, createCacheStore } from "../../src/cache/store.js";
import { createRegistryStore } from "../../src/registry/store.js";
import { locationOf, tariffOf } from "../support/cache-fixtures.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

/**
 * The cache store's reads for catch-up deliveries: which objects changed
 * (changedKeys) and an object's current document (currentDoc), against a
 * migrated database with two CPO platforms: "a" hosting NL/CPA, "b" DE/CPB.
 */

const CPA = { countryCode: "NL", partyId: "CPA" };
const CPB = { countryCode: "DE", partyId: "CPB" };

let database: TestDatabase;
let cache: CacheStore;

/** A fixture document as a sync would have pulled it. */
const pulled = (doc: any) => ({
  owner: { countryCode: doc.country_code, partyId: doc.party_id },
  id: doc.id,
  doc,
});

beforeEach(async () => {
  database = await freshDatabase();
  const db = database.handle.db;
  const registry = createRegistryStore(db);
  const now = new Date();
  for (const [id, party] of [
    ["a", CPA],
    ["b", CPB],
  ] as const) {
    await registry.insertPlatform({
      id,
      name: `platform ${id}`,
      tokenAHash: `token-a-${id}`,
      roles: [{ role: "CPO", ...party }],
      now,
    });
  }
  cache = createCacheStore(db);
  await cache.upsertLocations("a", [
    pulled(locationOf("NL/CPA", "LOC1", "2020-01-01T00:00:00Z")),
    pulled({ ...locationOf("NL/CPA", "LOC2", "2021-01-01T00:00:00Z"), publish: false }),
    // The id column is upper-case; the key keeps the document's spelling.
    pulled(locationOf("NL/CPA", "loc3", "2022-01-01T00:00:00Z")),
  ]);
  await cache.upsertLocations("b", [pulled(locationOf("DE/CPB", "LOC4", "2022-06-01T00:00:00Z"))]);
  await cache.upsertTariffs("a", [pulled(tariffOf("NL/CPA", "T1", "2020-01-01T00:00:00Z"))]);
  await cache.upsertTariffs("b", [pulled(tariffOf("DE/CPB", "T2", "2023-01-01T00:00:00Z"))]);
});

afterEach(async () => {
  await database.dispose();
});

describe("changedKeys", () => {
  it("lists published locations of every platform in the order they were cached", async () => {
    expect(await cache.changedKeys("locations", { hidden: [] })).toEqual([
      { owner: CPA, id: "LOC1" },
      { owner: CPA, id: "loc3" },
      { owner: CPB, id: "LOC4" },
    ]);
  });

  it("keeps what changed since the given time", async () => {
    const since = new Date("2021-06-01T00:00:00Z");
    expect(await cache.changedKeys("locations", { hidden: [], since })).toEqual([
      { owner: CPA, id: "loc3" },
      { owner: CPB, id: "LOC4" },
    ]);
    // last_updated >= since: an object changed at exactly that time is in.
    expect(
      await cache.changedKeys("tariffs", { hidden: [], since: new Date("2023-01-01T00:00:00Z") }),
    ).toEqual([{ owner: CPB, id: "T2" }]);
  });

  it("leaves out the objects of hidden platforms", async () => {
    expect(await cache.changedKeys("locations", { hidden: ["b"] })).toEqual([
      { owner: CPA, id: "LOC1" },
      { owner: CPA, id: "loc3" },
    ]);
    expect(await cache.changedKeys("tariffs", { hidden: ["a"] })).toEqual([
      { owner: CPB, id: "T2" },
    ]);
    expect(await cache.changedKeys("tariffs", { hidden: ["a", "b"] })).toEqual([]);
  });
});

/** An EVSE status change of LOC1's EVSE 3256 to CHARGING, pushed by its CPO. */
const chargeLoc1 = () =>
  cache.pushLocation({
    platformId: "a",
    owner: CPA,
    locationId: "LOC1",
    method: "PATCH",
    target: { evseUid: "3256" },
    body: { status: "CHARGING", last_updated: "2020-02-01T00:00:00Z" },
  });

describe("currentDoc", () => {
  it("returns an owner's location, published or not, with EVSE statuses laid over", async () => {
    const unpublished = await cache.currentDoc("locations", CPA, "LOC2");
    expect(JSON.parse(unpublished as string)).toMatchObject({ id: "LOC2", publish: false });

    const status = await chargeLoc1();
    expect(status).toEqual({ kind: "applied", audience: { everyone: true } });
    const doc = JSON.parse((await cache.currentDoc("locations", CPA, "loc1")) as string);
    expect(doc.evses[0]).toMatchObject({ uid: "3256", status: "CHARGING" });
  });

  it("returns an owner's tariff", async () => {
    const doc = await cache.currentDoc("tariffs", CPB, "T2");
    expect(JSON.parse(doc as string)).toEqual(tariffOf("DE/CPB", "T2", "2023-01-01T00:00:00Z"));
  });

  it("is undefined for an id the owner has not cached", async () => {
    expect(await cache.currentDoc("locations", CPA, "NOPE")).toBeUndefined();
    expect(await cache.currentDoc("locations", CPA, "LOC4")).toBeUndefined();
    expect(await cache.currentDoc("tariffs", CPA, "T2")).toBeUndefined();
  });
});

describe("currentCopy", () => {
  it("says whether every recipient may see the copy: a published location, a tariff", async () => {
    const published = await cache.currentCopy("locations", CPA, "LOC1");
    expect(published?.everyone).toBe(true);
    expect(JSON.parse(published?.doc as string)).toMatchObject({ id: "LOC1" });
    const tariff = await cache.currentCopy("tariffs", CPB, "T2");
    expect(tariff?.everyone).toBe(true);
    expect(JSON.parse(tariff?.doc as string)).toEqual(
      tariffOf("DE/CPB", "T2", "2023-01-01T00:00:00Z"),
    );
  });

  it("reads an unpublished location whoever asks, marked as not for everyone", async () => {
    const copy = await cache.currentCopy("locations", CPA, "LOC2");
    expect(copy?.everyone).toBe(false);
    expect(JSON.parse(copy?.doc as string)).toMatchObject({ id: "LOC2", publish: false });
  });

  it("lays EVSE statuses over the document, as currentDoc does", async () => {
    await chargeLoc1();
    const copy = await cache.currentCopy("locations", CPA, "loc1");
    expect(copy?.doc).toBe(await cache.currentDoc("locations", CPA, "loc1"));
    expect(JSON.parse(copy?.doc as string).evses[0]).toMatchObject({ status: "CHARGING" });
  });

  it("is undefined for an id the owner has not cached", async () => {
    expect(await cache.currentCopy("locations", CPA, "NOPE")).toBeUndefined();
    expect(await cache.currentCopy("locations", CPA, "LOC4")).toBeUndefined();
  });
});
