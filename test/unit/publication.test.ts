import { describe, expect, it } from "vitest";
import { applyTokenPush } from "../../src/cache/apply-token.js";
import { audienceOf, publishTokenMatches } from "../../src/cache/publication.js";

const CARD = {
  country_code: "DE",
  party_id: "EMA",
  uid: "04A2B3C4D5E680",
  type: "RFID",
  contract_id: "DE-EMA-C12345678-9",
  visual_number: "DE-EMA-123456-7",
  issuer: "Elli Charging",
  group_id: "FLEET-0042",
  valid: true,
  whitelist: "ALLOWED",
  language: "de",
  last_updated: "2024-03-11T08:15:42Z",
};

describe("publishTokenMatches (locations: PublishTokenType, every set field matches)", () => {
  it.each([
    [{ uid: "04a2b3c4d5e680", type: "RFID" }, true],
    [{ uid: "04A2B3C4D5E680", type: "APP_USER" }, false],
    [{ uid: "04A2B3C4D5E680" }, true],
    [{ visual_number: "DE-EMA-123456-7", issuer: "Elli Charging" }, true],
    [{ visual_number: "DE-EMA-123456-7", issuer: "Plugsurfing" }, false],
    [{ visual_number: "de-ema-123456-7", issuer: "Elli Charging" }, false],
    [{ group_id: "fleet-0042" }, true],
    [{ group_id: "FLEET-0042", issuer: "Elli Charging", uid: null }, true],
    [{ group_id: "FLEET-0042", type: "AD_HOC_USER" }, false],
    [{ issuer: "Elli Charging" }, false],
    [{ type: "RFID" }, false],
    [{}, false],
  ])("%j → %s", (entry, matches) => {
    expect(publishTokenMatches(entry, CARD)).toBe(matches);
  });

  it("reads a location's audience: published for everyone, otherwise its list, none when absent", () => {
    expect(audienceOf({ publish: true })).toEqual({ everyone: true });
    expect(audienceOf({ publish: false })).toEqual({ everyone: false, allowedTo: [] });
    expect(audienceOf({ publish: false, publish_allowed_to: [{ group_id: "G" }] })).toEqual({
      everyone: false,
      allowedTo: [{ group_id: "G" }],
    });
  });
});

describe("applyTokenPush (tokens: PUT and PATCH)", () => {
  it("takes a PUT unless the cached token is newer", () => {
    expect(applyTokenPush(undefined, "PUT", CARD)).toEqual({ kind: "applied", doc: CARD });
    const older = { ...CARD, valid: false, last_updated: "2024-03-10T00:00:00Z" };
    expect(applyTokenPush(CARD, "PUT", older)).toEqual({ kind: "stale" });
  });

  it("merges a PATCH without its nulls and keeps the key fields; an unknown token is not cached", () => {
    const patch = {
      valid: false,
      language: null,
      uid: "OTHER",
      last_updated: "2024-03-12T00:00:00.000Z",
    };
    expect(applyTokenPush(CARD, "PATCH", patch)).toEqual({
      kind: "applied",
      doc: { ...CARD, valid: false, last_updated: "2024-03-12T00:00:00.000Z" },
    });
    expect(
      applyTokenPush(CARD, "PATCH", { valid: false, last_updated: "2024-03-11T08:15:41Z" }),
    ).toEqual({
      kind: "stale",
    });
    expect(applyTokenPush(undefined, "PATCH", patch)).toEqual({ kind: "unknown" });
  });
});
