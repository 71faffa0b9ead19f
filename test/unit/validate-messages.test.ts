import { describe, expect, it } from "vitest";
import { TariffSchema } from "../../src/ocpi/schemas/tariffs.js";
import { jsonPath, MAX_PROBLEMS_CHARS } from "../../src/ocpi/validate.js";
import { example } from "../support/examples.js";
import { refusalOf } from "../support/expect.js";

describe("the JSON path of a problem", () => {
  it.each([
    [["evses", 0, "connectors", 1, "max_voltage"], "evses[0].connectors[1].max_voltage"],
    [["last_updated"], "last_updated"],
    [[2, "id"], "[2].id"],
    [["extensions", "x-vendor", "a b"], 'extensions["x-vendor"]["a b"]'],
    [[], ""],
  ])("%j is %s", (path, text) => {
    expect(jsonPath(path)).toBe(text);
  });
});

describe("a 2001 for a body with very many problems", () => {
  /** A tariff with `n` elements, each with a price component of an unknown type. */
  function tariffWith(n: number) {
    const tariff = example("tariff_1_simple_2hour.json");
    tariff.elements = Array.from({ length: n }, () => ({
      price_components: [{ type: "KWH", price: 0.35, step_size: 1 }],
    }));
    return tariff;
  }

  it("names all 200 when they fit", () => {
    const err = refusalOf(TariffSchema, tariffWith(200), "tariff");
    for (const i of [0, 1, 100, 199]) {
      expect(err.message).toContain(`elements[${i}].price_components[0].type: `);
    }
    expect(err.message.split("; ")).toHaveLength(200);
    expect(err.message).not.toContain("not listed");
  });

  it("stays within the bound past it and says how many more there are", () => {
    const total = 5000;
    const err = refusalOf(TariffSchema, tariffWith(total), "tariff");
    expect(err.message.length).toBeLessThan(MAX_PROBLEMS_CHARS + 200);
    const listed = err.message.match(/elements\[\d+\]\.price_components\[0\]\.type: /g) ?? [];
    expect(listed.length).toBeGreaterThan(50);
    expect(err.message).toMatch(/; and \d+ more problems not listed$/);
    const more = Number(/and (\d+) more problems/.exec(err.message)?.[1]);
    expect(listed.length + more).toBe(total);
  });
});
