import { describe, expect, it } from "vitest";
import { CredentialsSchema } from "../../src/ocpi/schemas/credentials.js";
import { credentialsTo211, credentialsTo221 } from "../../src/versions/v2_1_1/credentials.js";
import { Credentials211Schema } from "../../src/versions/v2_1_1/schemas/credentials.js";
import { example } from "../support/examples.js";
import {
  body211,
  exampleUnder,
  expectSameBesidesLosses,
  expectValid,
  translationRefusal,
} from "../support/v211.js";

describe("credentials between the versions", () => {
  it("the 2.1.1 spec's credentials, with the role stated at invite, are valid 2.2.1 credentials", () => {
    const credentials = body211(exampleUnder("credentials", "Example"));
    const { value, losses } = credentialsTo221(credentials, "CPO");
    expectValid(CredentialsSchema, value);
    expect(losses).toEqual([]);
    expect(value).toEqual({
      token: credentials.token,
      url: credentials.url,
      roles: [
        {
          role: "CPO",
          business_details: credentials.business_details,
          party_id: "EXA",
          country_code: "NL",
        },
      ],
    });
  });

  it.each([
    ["credentials_example.json", "CPO", ["roles[0].role"]],
    ["credentials_example2.json", "EMSP", ["roles[1].role", "roles[0]"]],
    ["credentials_example3.json", undefined, undefined],
    ["credentials_example4.json", undefined, undefined],
  ] as const)("%s to 2.1.1 (role %s) and back", (file, stated, lost) => {
    const original = example(file);
    const role = stated ?? original.roles[0].role;
    const to211 = credentialsTo211(original, role);
    expectValid(Credentials211Schema, to211.value);
    const index = original.roles.findIndex((r: any) => r.role === role);
    const expected = lost ?? [
      `roles[${index}].role`,
      ...original.roles.flatMap((_: unknown, i: number) => (i === index ? [] : [`roles[${i}]`])),
    ];
    expect(to211.losses.map((l) => l.field)).toEqual(expected);
    expect(to211.value.party_id).toBe(original.roles[index].party_id);
    const back = credentialsTo221(to211.value, role);
    expectValid(CredentialsSchema, back.value);
    const originalOfRole = { ...original, roles: [original.roles[index]] };
    expectSameBesidesLosses(originalOfRole, back.value, []);
  });

  it("credentials without the connection's role: 2001 naming roles", async () => {
    const err = await translationRefusal(() =>
      credentialsTo211(example("credentials_example.json"), "NSP"),
    );
    expect(err.statusCode).toBe(2001);
    expect(err.message).toMatch(/: roles: /);
  });
});
