import { describe, expect, it } from "vitest";
import {
  AuthorizationInfoSchema,
  LocationReferencesSchema,
  TokenPatchSchema,
  TokenSchema,
} from "../../src/ocpi/schemas/tokens.js";
import {
  type AuthorizationInfo211,
  AuthorizationInfo211Schema,
  LocationReferences211Schema,
  Token211PatchSchema,
  Token211Schema,
} from "../../src/versions/v2_1_1/schemas/tokens.js";
import {
  authorizationInfoTo211,
  authorizationInfoTo221,
  locationReferencesTo211,
  locationReferencesTo221,
  tokenPatchTo211,
  tokenPatchTo221,
  tokenTo211,
  tokenTo221,
} from "../../src/versions/v2_1_1/tokens.js";
import { example } from "../support/examples.js";
import {
  body211,
  exampleUnder,
  expectSameBesidesLosses,
  expectValid,
  fakeContext,
  translationRefusal,
} from "../support/v211.js";

const TNM = { countryCode: "NL", partyId: "TNM" };
const RECEIVED = new Date("2024-05-01T10:00:00.000Z");

/** Every 2.1.1 spec example of a Token. */
const TOKENS_211 = () => [
  body211(exampleUnder("mod_tokens", "Example: put a new Token")),
  body211(exampleUnder("mod_tokens", "Example", 0)),
  body211(exampleUnder("transport_and_format", "Example: Tokens GET Response with one")).data,
  ...body211(exampleUnder("transport_and_format", "Example: Tokens GET Response with list")).data,
];

/** Every 2.2.1 spec example of a Token. */
const TOKENS_221: [string, any][] = [
  ["token_example_1_app_user.json", example("token_example_1_app_user.json")],
  ["token_example_2_full_rfid.json", example("token_example_2_full_rfid.json")],
  ["token_put_example.json", example("token_put_example.json")],
  [
    "transport_and_format_get_token_example.json",
    example("transport_and_format_get_token_example.json").data,
  ],
  ...example("transport_and_format_get_token_list_example.json").data.map(
    (token: any, i: number) => [`transport_and_format_get_token_list_example.json[${i}]`, token],
  ),
];

/** What each 2.2.1 Token example loses in 2.1.1. */
const LOST: Record<string, string[]> = {
  "token_example_1_app_user.json": ["type"],
  "token_example_2_full_rfid.json": ["group_id", "default_profile_type", "energy_contract"],
  "token_put_example.json": ["group_id"],
};

describe("the 2.1.1 spec's Tokens translated to 2.2.1", () => {
  it.each(TOKENS_211().map((t, i) => [i, t]))(
    "example %i is a valid 2.2.1 Token of the eMSP",
    (_i, token) => {
      const { value, losses } = tokenTo221(token, fakeContext(TNM));
      expectValid(TokenSchema, value);
      expect(losses).toEqual([]);
      expect(value).toMatchObject({
        country_code: "NL",
        party_id: "TNM",
        uid: token.uid,
        contract_id: token.auth_id,
        type: token.type,
      });
    },
  );

  it("the PATCH invalidating a Token, last_updated being when the hub received it", () => {
    const patch = body211(exampleUnder("mod_tokens", "Example: invalidate a Token"));
    const { value, losses } = tokenPatchTo221(patch, RECEIVED);
    expectValid(TokenPatchSchema, value);
    expect(losses).toEqual([]);
    expect(value).toEqual({ valid: false, last_updated: "2024-05-01T10:00:00.000Z" });
  });
});

describe("the 2.2.1 spec's Tokens to 2.1.1 and back", () => {
  it.each(TOKENS_221)("%s loses exactly what is reported", (file, original) => {
    const to211 = tokenTo211(original);
    expectValid(Token211Schema, to211.value);
    expect(to211.losses.map((l) => l.field)).toEqual(LOST[file] ?? []);
    expect(to211.value.auth_id).toBe(original.contract_id);
    const back = tokenTo221(
      to211.value,
      fakeContext({ countryCode: original.country_code, partyId: original.party_id }),
    );
    expectValid(TokenSchema, back.value);
    expectSameBesidesLosses(original, back.value, to211.losses);
  });

  it("APP_USER and AD_HOC_USER travel as OTHER, reported", () => {
    const adHoc = tokenTo211({ ...example("token_example_1_app_user.json"), type: "AD_HOC_USER" });
    expect(adHoc.value.type).toBe("OTHER");
    expect(adHoc.losses).toEqual([
      { field: "type", reason: "value AD_HOC_USER not in OCPI 2.1.1; sent as OTHER" },
    ]);
  });

  it("token_patch_example.json to 2.1.1 and back", () => {
    const original = example("token_patch_example.json");
    const to211 = tokenPatchTo211(original);
    expectValid(Token211PatchSchema, to211.value);
    expect(to211.losses).toEqual([]);
    const back = tokenPatchTo221(to211.value, RECEIVED);
    expectValid(TokenPatchSchema, back.value);
    expect(back.value).toEqual(original);
  });
});

describe("AuthorizationInfo and LocationReferences", () => {
  const token = () => example("token_example_2_full_rfid.json");

  it("a 2.1.1 AuthorizationInfo takes the Token asked about and loses connector_ids, reported", () => {
    const info = {
      allowed: "ALLOWED" as const,
      location: { location_id: "LOC1", evse_uids: ["3256", "3257"], connector_ids: ["1", "2"] },
      info: { language: "en", text: "Welcome" },
    } satisfies AuthorizationInfo211;
    expectValid(AuthorizationInfo211Schema, info);
    const { value, losses } = authorizationInfoTo221(info, token());
    expectValid(AuthorizationInfoSchema, value);
    expect(value.token).toEqual(token());
    expect(value.location).toEqual({ location_id: "LOC1", evse_uids: ["3256", "3257"] });
    expect(losses).toEqual([
      { field: "location.connector_ids", reason: "no OCPI 2.2.1 equivalent" },
    ]);
  });

  it("without the Token asked about: 2001 naming token", async () => {
    const err = await translationRefusal(() =>
      authorizationInfoTo221({ allowed: "BLOCKED" }, undefined),
    );
    expect(err.statusCode).toBe(2001);
    expect(err.message).toMatch(/: token: /);
  });

  it.each(["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"] as const)(
    "a 2.2.1 AuthorizationInfo %s to 2.1.1 and back, losing the authorization_reference",
    (allowed) => {
      const original = {
        allowed,
        token: token(),
        location: { location_id: "LOC1", evse_uids: ["3256"] },
        authorization_reference: "AUTH-1",
        info: { language: "nl", text: "Welkom" },
      };
      const to211 = authorizationInfoTo211(original);
      expectValid(AuthorizationInfo211Schema, to211.value);
      expect(to211.value).not.toHaveProperty("token");
      expect(to211.losses.map((l) => l.field)).toEqual(["authorization_reference"]);
      const back = authorizationInfoTo221(to211.value, token());
      expectValid(AuthorizationInfoSchema, back.value);
      expectSameBesidesLosses(original, back.value, to211.losses);
    },
  );

  it("LocationReferences both ways; a 2.1.1 id over 2.2.1's 36 characters is refused naming it", async () => {
    const refs = { location_id: "LOC1", evse_uids: ["3256"] };
    const to211 = locationReferencesTo211(refs);
    expectValid(LocationReferences211Schema, to211.value);
    expect(to211.losses).toEqual([]);
    const back = locationReferencesTo221(to211.value);
    expectValid(LocationReferencesSchema, back.value);
    expect(back).toEqual({ value: refs, losses: [] });
    const err = await translationRefusal(() =>
      locationReferencesTo221({ location_id: "L".repeat(39), evse_uids: [] }),
    );
    expect(err.message).toMatch(/: location_id: /);
  });
});
