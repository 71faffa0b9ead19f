import { afterEach, describe, expect, it } from "vitest";
import { tariffOf } from "../support/cache-fixtures.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { code } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * The hub's keyset cursor in GET-all Links: besides the offset, a Link
 * carries `after`, the list key of the page's last object, and the next
 * page starts right after that object. Deep pages cost what the first does,
 * and an object deleted between two pages shifts nothing.
 */

const HUB = "NL/HUB";

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function world(policy: "open" | "agreements") {
  const h = await startHub({ env: { ROAMING_POLICY: policy } });
  hub = h;
  const { platform: cpos } = await h.connect(
    [
      { role: "CPO", country_code: "NL", party_id: "CPO" },
      { role: "CPO", country_code: "NL", party_id: "CPX" },
    ],
    { modules: [] },
  );
  const { platform: emsp } = await h.connect(
    [{ role: "EMSP", country_code: "DE", party_id: "EMS" }],
    { modules: [] },
  );
  if (policy === "agreements") {
    const agreed = await h.admin("POST", "/agreements", {
      cpo: { country_code: "NL", party_id: "CPO" },
      emsp: { country_code: "DE", party_id: "EMS" },
    });
    expect(agreed.status).toBe(201);
  }
  const send = async (method: "PUT" | "DELETE", tariff: ReturnType<typeof tariffOf>) => {
    const answer = await cpos.hubRoute(
      method,
      `${h.url}/ocpi/2.2.1/tariffs/receiver/${code(tariff)}/${tariff.id}`,
      { to: HUB, from: code(tariff), body: method === "PUT" ? tariff : undefined },
    );
    expect(answer.body.status_code, `${method} ${tariff.id}`).toBe(1000);
  };
  return { h, emsp, send };
}

async function page(h: TestHub, emsp: FakePlatform, pathOrUrl: string) {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${h.url}/ocpi/2.2.1/${pathOrUrl}`;
  const res = await emsp.hubRoute("GET", url, { to: HUB });
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  const next = /<([^>]+)>/.exec(res.headers.get("link") ?? "")?.[1];
  return {
    ids: (res.body.data as { id: string }[]).map((t) => t.id),
    total: res.headers.get("x-total-count"),
    next,
  };
}

describe("GET-all Links carry a keyset cursor", () => {
  for (const policy of ["open", "agreements"] as const) {
    it(`continues after the last object of the previous page when one before it is deleted (${policy})`, async () => {
      const { h, emsp, send } = await world(policy);
      const own = ["T1", "T2", "T3", "T4", "T5", "T6"].map((id) => tariffOf("NL/CPO", id));
      // A CPO without an agreement under `agreements`: listed under `open` only.
      const other = tariffOf("NL/CPX", "X1");
      for (const t of [...own.slice(0, 3), other, ...own.slice(3)]) await send("PUT", t);
      const expected =
        policy === "open" ? ["T1", "T2", "T3", "X1", "T4", "T5", "T6"] : own.map((t) => t.id);

      const first = await page(h, emsp, "tariffs/sender?limit=3");
      expect(first.ids).toEqual(expected.slice(0, 3));
      expect(first.total).toBe(String(expected.length));
      const link = new URL(first.next as string);
      expect(link.searchParams.get("offset")).toBe("3");
      expect(link.searchParams.get("after")).toMatch(/^\d+$/);

      // T2 goes between the pages: an offset of 3 would now skip the fourth object.
      await send("DELETE", own[1] as (typeof own)[number]);
      const second = await page(h, emsp, first.next as string);
      expect(second.ids).toEqual(expected.slice(3, 6));
      expect(second.total).toBe(String(expected.length - 1));
      const offsetOnly = await page(h, emsp, "tariffs/sender?offset=3&limit=3");
      expect(offsetOnly.ids).toEqual(expected.filter((id) => id !== "T2").slice(3, 6));

      // Every page through the Links, none skipped or repeated.
      const seen = [...first.ids];
      for (let next = first.next; next !== undefined; ) {
        const p = await page(h, emsp, next);
        seen.push(...p.ids);
        next = p.next;
      }
      expect(seen).toEqual(expected);
    });
  }

  it("refuses a cursor that is not one, naming it", async () => {
    const { h, emsp } = await world("open");
    for (const after of ["abc", "-1", "1.5", "9".repeat(16)]) {
      const res = await emsp.hubRoute("GET", `${h.url}/ocpi/2.2.1/tariffs/sender?after=${after}`, {
        to: HUB,
      });
      expect(res.body.status_code, after).toBe(2001);
      expect(res.body.status_message).toContain("after");
    }
  });

  it("answers a cursor past the last object with an empty page and the total", async () => {
    const { h, emsp, send } = await world("open");
    for (const id of ["T1", "T2"]) await send("PUT", tariffOf("NL/CPO", id));
    const first = await page(h, emsp, "tariffs/sender?limit=2");
    expect(first.next).toBeUndefined();
    const past = await page(h, emsp, `tariffs/sender?limit=2&after=${"9".repeat(15)}`);
    expect(past).toEqual({ ids: [], total: "2", next: undefined });
  });
});
