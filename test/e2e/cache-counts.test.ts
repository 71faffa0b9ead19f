import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../support/examples.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * X-Total-Count without date filters comes from counts the database keeps
 * by triggers; with a date filter it is counted. Whatever happens to the
 * cache, both must agree with the objects a client can page through.
 */

const LOCATION = example("location_example.json");
const TARIFF = example("tariff_1_simple_2hour.json");

let hub: TestHub;
let cpoA: FakePlatform;
let cpoB: FakePlatform;
let cpoBId: string;
let emsp: FakePlatform;

beforeAll(async () => {
  hub = await startHub();
  ({ platform: cpoA } = await hub.connect([{ role: "CPO", country_code: "NL", party_id: "CPA" }], {
    modules: [],
  }));
  ({ platform: cpoB, id: cpoBId } = await hub.connect(
    [{ role: "CPO", country_code: "BE", party_id: "CPB" }],
    { modules: [] },
  ));
  ({ platform: emsp } = await hub.connect([{ role: "EMSP", country_code: "DE", party_id: "EMS" }], {
    modules: [
      { identifier: "locations", role: "RECEIVER" },
      { identifier: "tariffs", role: "RECEIVER" },
    ],
  }));
});

afterAll(async () => {
  await hub?.close();
});

async function push(
  cpo: FakePlatform,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const answer = await cpo.hubRoute(method, `${hub.url}/ocpi/2.2.1/${path}`, {
    to: "DE/EMS",
    body,
  });
  expect(answer.body.status_code, `${method} ${path}`).toBe(1000);
}

const location = (cc: string, pid: string, id: string, publish = true) => ({
  ...structuredClone(LOCATION),
  country_code: cc,
  party_id: pid,
  id,
  publish,
});

const tariff = (cc: string, pid: string, id: string) => ({
  ...structuredClone(TARIFF),
  country_code: cc,
  party_id: pid,
  id,
});

/** Every page of a list, the totals it reported, with and without a date filter. */
async function read(module: "locations" | "tariffs") {
  const totals: number[] = [];
  const ids: string[] = [];
  for (const filter of ["", "&date_from=2000-01-01T00:00:00Z"]) {
    let url: string | undefined = `${hub.url}/ocpi/2.2.1/${module}/sender?limit=2${filter}`;
    const seen: string[] = [];
    while (url !== undefined) {
      const answer = await emsp.hubRoute("GET", url, { to: "NL/HUB" });
      expect(answer.body.status_code).toBe(1000);
      totals.push(Number(answer.headers.get("x-total-count")));
      seen.push(...answer.body.data.map((o: any) => `${o.country_code}/${o.party_id}/${o.id}`));
      url = /<([^>]*)>/.exec(answer.headers.get("link") ?? "")?.[1];
    }
    ids.push(...(filter === "" ? seen : []));
    expect(seen.length, `${module} pages${filter}`).toBe(totals[totals.length - 1]);
  }
  return { totals: [...new Set(totals)], ids };
}

describe("X-Total-Count follows every change of the cache", () => {
  it("agrees with the pages through inserts, publication changes, deletes and a platform's removal", async () => {
    await push(cpoA, "PUT", "locations/receiver/NL/CPA/L1", location("NL", "CPA", "L1"));
    await push(cpoA, "PUT", "locations/receiver/NL/CPA/L2", location("NL", "CPA", "L2"));
    await push(cpoA, "PUT", "locations/receiver/NL/CPA/L3", location("NL", "CPA", "L3", false));
    await push(cpoB, "PUT", "locations/receiver/BE/CPB/L1", location("BE", "CPB", "L1"));
    await push(cpoA, "PUT", "tariffs/receiver/NL/CPA/T1", tariff("NL", "CPA", "T1"));
    await push(cpoB, "PUT", "tariffs/receiver/BE/CPB/T1", tariff("BE", "CPB", "T1"));
    await push(cpoB, "PUT", "tariffs/receiver/BE/CPB/T2", tariff("BE", "CPB", "T2"));
    expect(await read("locations")).toEqual({
      totals: [3],
      ids: ["NL/CPA/L1", "NL/CPA/L2", "BE/CPB/L1"],
    });
    expect((await read("tariffs")).totals).toEqual([3]);

    // Publication withdrawn by a PATCH, granted by another PUT; an update changes nothing.
    await push(cpoA, "PATCH", "locations/receiver/NL/CPA/L1", {
      publish: false,
      last_updated: "2030-01-01T00:00:00Z",
    });
    await push(cpoA, "PUT", "locations/receiver/NL/CPA/L3", {
      ...location("NL", "CPA", "L3"),
      last_updated: "2030-01-01T00:00:00Z",
    });
    await push(cpoA, "PATCH", "locations/receiver/NL/CPA/L2", {
      name: "Renamed",
      last_updated: "2030-01-01T00:00:00Z",
    });
    expect(await read("locations")).toEqual({
      totals: [3],
      ids: ["NL/CPA/L2", "NL/CPA/L3", "BE/CPB/L1"],
    });

    await push(cpoB, "DELETE", "tariffs/receiver/BE/CPB/T1");
    expect((await read("tariffs")).totals).toEqual([2]);

    // Suspension hides a platform's objects from both totals; removal deletes them.
    expect((await hub.admin("POST", `/platforms/${cpoBId}/suspend`)).status).toBe(200);
    expect(await read("locations")).toEqual({ totals: [2], ids: ["NL/CPA/L2", "NL/CPA/L3"] });
    expect((await read("tariffs")).totals).toEqual([1]);
    expect((await hub.admin("DELETE", `/platforms/${cpoBId}`)).status).toBe(204);
    expect((await read("locations")).totals).toEqual([2]);
    expect((await read("tariffs")).totals).toEqual([1]);
  });
});

describe("X-Total-Count of a reader under roaming agreements", () => {
  it("counts only its partners' objects, where one platform holds a partner and a non-partner", async () => {
    const own = await startHub({ env: { ROAMING_POLICY: "agreements" } });
    try {
      const { platform: cpos } = await own.connect(
        [
          { role: "CPO", country_code: "NL", party_id: "CPA" },
          { role: "CPO", country_code: "NL", party_id: "CPC" },
        ],
        { modules: [] },
      );
      const { platform: reader } = await own.connect(
        [{ role: "EMSP", country_code: "DE", party_id: "EMS" }],
        { modules: [] },
      );
      const agreed = await own.admin("POST", "/agreements", {
        cpo: { country_code: "NL", party_id: "CPA" },
        emsp: { country_code: "DE", party_id: "EMS" },
      });
      expect(agreed.status).toBe(201);
      const broadcast = async (method: string, path: string, from: string, body?: unknown) => {
        const answer = await cpos.hubRoute(method, `${own.url}/ocpi/2.2.1/${path}`, {
          to: "NL/HUB",
          from,
          body,
        });
        expect(answer.body.status_code, `${method} ${path}`).toBe(1000);
      };
      const listed = async (module: string) => {
        const totals = new Set<number>();
        const seen: string[] = [];
        for (const filter of ["", "&date_from=2000-01-01T00:00:00Z"]) {
          let url: string | undefined = `${own.url}/ocpi/2.2.1/${module}/sender?limit=2${filter}`;
          while (url !== undefined) {
            const answer = await reader.hubRoute("GET", url, { to: "NL/HUB" });
            expect(answer.body.status_code).toBe(1000);
            totals.add(Number(answer.headers.get("x-total-count")));
            if (filter === "")
              seen.push(...answer.body.data.map((o: any) => `${o.party_id}/${o.id}`));
            url = /<([^>]*)>/.exec(answer.headers.get("link") ?? "")?.[1];
          }
        }
        return { totals: [...totals], seen };
      };

      for (const id of ["L1", "L2", "L3"])
        await broadcast(
          "PUT",
          `locations/receiver/NL/CPA/${id}`,
          "NL/CPA",
          location("NL", "CPA", id),
        );
      for (const id of ["L1", "L2"])
        await broadcast(
          "PUT",
          `locations/receiver/NL/CPC/${id}`,
          "NL/CPC",
          location("NL", "CPC", id),
        );
      await broadcast("PUT", "tariffs/receiver/NL/CPC/T1", "NL/CPC", tariff("NL", "CPC", "T1"));
      await broadcast("PUT", "tariffs/receiver/NL/CPA/T1", "NL/CPA", tariff("NL", "CPA", "T1"));
      expect(await listed("locations")).toEqual({
        totals: [3],
        seen: ["CPA/L1", "CPA/L2", "CPA/L3"],
      });
      // A page past the end still carries the partners' total.
      const past = await reader.hubRoute(
        "GET",
        `${own.url}/ocpi/2.2.1/locations/sender?offset=10&limit=2`,
        { to: "NL/HUB" },
      );
      expect(past.body.data).toEqual([]);
      expect(past.headers.get("x-total-count")).toBe("3");
      expect(await listed("tariffs")).toEqual({ totals: [1], seen: ["CPA/T1"] });

      // A partner's object withdrawn and one removed; the other party's changes count for nothing.
      await broadcast("PATCH", "locations/receiver/NL/CPA/L2", "NL/CPA", {
        publish: false,
        last_updated: "2030-01-01T00:00:00Z",
      });
      await broadcast("DELETE", "tariffs/receiver/NL/CPA/T1", "NL/CPA");
      await broadcast("PUT", "locations/receiver/NL/CPC/L3", "NL/CPC", location("NL", "CPC", "L3"));
      expect(await listed("locations")).toEqual({ totals: [2], seen: ["CPA/L1", "CPA/L3"] });
      expect(await listed("tariffs")).toEqual({ totals: [0], seen: [] });

      // Ending the agreement empties the reader's lists, totals included.
      const ended = await own.admin("POST", `/agreements/${agreed.body.id}/end`);
      expect(ended.status).toBe(200);
      expect(await listed("locations")).toEqual({ totals: [0], seen: [] });
    } finally {
      await own.close();
    }
  });
});
