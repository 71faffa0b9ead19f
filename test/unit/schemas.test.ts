import { describe, expect, it } from "vitest";
import { CredentialsSchema } from "../../src/ocpi/schemas/credentials.js";
import { DateTime } from "../../src/ocpi/schemas/primitives.js";
import { VersionDetailsSchema, VersionListSchema } from "../../src/ocpi/schemas/version.js";
import { validate } from "../../src/ocpi/validate.js";
import { example } from "../support/examples.js";
import { refusalOf } from "../support/expect.js";

describe("the spec's credentials and versions examples", () => {
  it.each([
    "credentials_example.json",
    "credentials_example2.json",
    "credentials_example3.json",
    "credentials_example4.json",
  ])("%s is a valid Credentials object", (file) => {
    expect(() => validate(CredentialsSchema, example(file), "credentials", "strict")).not.toThrow();
  });

  it("versions_info_example.json and the enveloped versions example are valid version lists", () => {
    expect(() =>
      validate(VersionListSchema, example("versions_info_example.json"), "versions", "strict"),
    ).not.toThrow();
    expect(() =>
      validate(
        VersionListSchema,
        example("transport_and_format_version_info_example.json").data,
        "versions",
        "strict",
      ),
    ).not.toThrow();
  });

  it.each(["version_details_example.json", "version_details_example2.json"])(
    "%s is valid VersionDetails",
    (file) => {
      expect(() =>
        validate(VersionDetailsSchema, example(file), "version details", "strict"),
      ).not.toThrow();
    },
  );

  it("the enveloped version details example is valid", () => {
    expect(() =>
      validate(
        VersionDetailsSchema,
        example("transport_and_format_version_details_example.json").data,
        "version details",
        "strict",
      ),
    ).not.toThrow();
  });
});

describe("broken copies of the credentials example fail with 2001 naming the field", () => {
  const base = () => example("credentials_example.json");
  it.each([
    ["a missing url", (c: any) => delete c.url, "url"],
    ["a token over 64 characters", (c: any) => (c.token = "x".repeat(65)), "token"],
    ["a token with a space", (c: any) => (c.token = "a b"), "token"],
    ["an unknown role", (c: any) => (c.roles[0].role = "DRIVER"), "roles[0].role"],
    ["a four-character party_id", (c: any) => (c.roles[0].party_id = "ABCD"), "roles[0].party_id"],
    [
      "a number as country_code",
      (c: any) => (c.roles[0].country_code = 31),
      "roles[0].country_code",
    ],
    [
      "no business_details name",
      (c: any) => delete c.roles[0].business_details.name,
      "roles[0].business_details.name",
    ],
    ["an empty role list", (c: any) => (c.roles = []), "roles"],
  ])("%s", (_what, breakIt, field) => {
    const copy = base();
    breakIt(copy);
    const err = refusalOf(CredentialsSchema, copy);
    expect(err.statusCode).toBe(2001);
    expect(err.httpStatus).toBe(200);
    expect(err.message).toContain(field);
  });
});

describe("DateTime", () => {
  it.each([
    "2015-06-29T20:39:09Z",
    "2015-06-29T20:39:09",
    "2015-06-29T20:39:09.123Z",
    "2015-06-29T20:39:09.1234567",
  ])("accepts %s", (value) => expect(DateTime.safeParse(value).success).toBe(true));
  // +00:00 is the tolerance rule utc-offset (test/unit/tolerance.test.ts).
  it.each([
    "2015-06-29T20:39:09+01:00",
    "2015-06-29 20:39:09Z",
    "2015-13-29T20:39:09Z",
    "yesterday",
    "2015-06-29",
  ])("refuses %s", (value) => expect(DateTime.safeParse(value).success).toBe(false));
});
