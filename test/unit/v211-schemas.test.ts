import { describe, expect, it } from "vitest";
import { check, validate } from "../../src/ocpi/validate.js";
import { Cdr211Schema } from "../../src/versions/v2_1_1/schemas/cdrs.js";
import { COMMAND_211_SCHEMAS } from "../../src/versions/v2_1_1/schemas/commands.js";
import { Credentials211Schema } from "../../src/versions/v2_1_1/schemas/credentials.js";
import {
  Session211PatchSchema,
  Session211Schema,
} from "../../src/versions/v2_1_1/schemas/sessions.js";
import {
  AuthorizationInfo211Schema,
  Token211PatchSchema,
  Token211Schema,
} from "../../src/versions/v2_1_1/schemas/tokens.js";
import {
  VersionDetails211Schema,
  VersionList211Schema,
} from "../../src/versions/v2_1_1/schemas/version.js";
import { refusalOf } from "../support/expect.js";
import { body211, exampleUnder, expectValid, fixLocationErrata } from "../support/v211.js";

describe("the 2.1.1 spec's examples of these objects are valid", () => {
  it.each([
    ["Simple Session example of a just starting session"],
    ["Simple Session example of a short finished session"],
  ])("mod_sessions › %s, its location errata fixed", (heading) => {
    const session = body211(exampleUnder("mod_sessions", heading));
    expect(refusalOf(Session211Schema, session, "session", "strict").message).toContain(
      "location.country",
    );
    expectValid(Session211Schema, fixLocationErrata(session));
  });

  it("mod_sessions › the PATCH of total_cost is a valid Session PATCH", () => {
    expectValid(
      Session211PatchSchema,
      body211(exampleUnder("mod_sessions", "Example: update the total cost")),
    );
  });

  it("mod_cdrs › the CDR, with its errata (alpha-2 country, swapped coordinates, string price) fixed", () => {
    const cdr = body211(exampleUnder("mod_cdrs", "Example of a CDR"));
    const refusal = refusalOf(Cdr211Schema, cdr, "cdr", "strict").message;
    expect(refusal).toContain("location.country");
    expect(refusal).toContain("tariffs[0].elements[0].price_components[0].price");
    const fixed = fixLocationErrata(cdr);
    fixed.tariffs[0].elements[0].price_components[0].price = 2.0;
    expectValid(Cdr211Schema, fixed);
  });

  it("mod_tokens › the Token object, the PUT and the PATCH", () => {
    expectValid(Token211Schema, body211(exampleUnder("mod_tokens", "Example: put a new Token")));
    expectValid(Token211Schema, body211(exampleUnder("mod_tokens", "Example", 0)));
    expectValid(
      Token211PatchSchema,
      body211(exampleUnder("mod_tokens", "Example: invalidate a Token")),
    );
  });

  it("transport_and_format › the enveloped Token examples", () => {
    expectValid(
      Token211Schema,
      body211(exampleUnder("transport_and_format", "Example: Tokens GET Response with one")).data,
    );
    const list = body211(
      exampleUnder("transport_and_format", "Example: Tokens GET Response with list"),
    ).data;
    expect(list).toHaveLength(3);
    for (const token of list) expectValid(Token211Schema, token);
  });

  it("credentials › the Credentials object", () => {
    expectValid(Credentials211Schema, body211(exampleUnder("credentials", "Example")));
  });

  it("versions › the version list and version details, bare and enveloped", () => {
    expectValid(
      VersionList211Schema,
      body211(exampleUnder("version_information_endpoint", "Example", 0)),
    );
    expectValid(
      VersionDetails211Schema,
      body211(exampleUnder("version_information_endpoint", "Example", 1)),
    );
    expectValid(
      VersionList211Schema,
      body211(exampleUnder("transport_and_format", "Example: Version information")).data,
    );
    expectValid(
      VersionDetails211Schema,
      body211(exampleUnder("transport_and_format", "Example: Version details")).data,
    );
  });
});

describe("2.1.1 objects that break the spec are refused naming the field", () => {
  const token = () => body211(exampleUnder("mod_tokens", "Example: put a new Token"));
  it.each([
    ["a 2.2.1-only token type", (t: any) => (t.type = "APP_USER"), "type"],
    ["no auth_id", (t: any) => delete t.auth_id, "auth_id"],
    ["a uid over 36 characters", (t: any) => (t.uid = "x".repeat(37)), "uid"],
    ["an unknown whitelist", (t: any) => (t.whitelist = "SOMETIMES"), "whitelist"],
  ])("a Token with %s", (_what, breakIt, field) => {
    const copy = token();
    breakIt(copy);
    const err = refusalOf(Token211Schema, copy, "token", "strict");
    expect(err.statusCode).toBe(2001);
    expect(err.message).toContain(`${field}:`);
  });

  it("a Session with 2.2.1's start_date_time instead of start_datetime", () => {
    const session = fixLocationErrata(
      body211(exampleUnder("mod_sessions", "Simple Session example of a just starting session")),
    );
    session.start_date_time = session.start_datetime;
    delete session.start_datetime;
    expect(refusalOf(Session211Schema, session, "session", "strict").message).toContain(
      "start_datetime",
    );
  });

  it("a Session with the 2.2.1-only status RESERVATION or auth_method COMMAND", () => {
    const session = fixLocationErrata(
      body211(exampleUnder("mod_sessions", "Simple Session example of a just starting session")),
    );
    const err = refusalOf(
      Session211Schema,
      { ...session, status: "RESERVATION", auth_method: "COMMAND" },
      "session",
    );
    expect(err.message).toContain("status");
    expect(err.message).toContain("auth_method");
  });

  it("an AuthorizationInfo with a 2.2.1-only field is still valid, with an unknown allowed value not", () => {
    expectValid(AuthorizationInfo211Schema, {
      allowed: "ALLOWED",
      location: { location_id: "LOC1", connector_ids: ["1"] },
    });
    expect(refusalOf(AuthorizationInfo211Schema, { allowed: "MAYBE" }).message).toContain(
      "allowed",
    );
  });

  it("a ReserveNow with a string reservation_id, and a CANCEL_RESERVATION, which 2.1.1 has not", () => {
    const reserve = {
      response_url: "https://emsp.example.com/ocpi/2.1.1/commands/RESERVE_NOW/1",
      token: token(),
      expiry_date: "2015-06-29T23:39:09Z",
      reservation_id: "12",
      location_id: "LOC1",
    };
    expect(refusalOf(COMMAND_211_SCHEMAS.RESERVE_NOW, reserve).message).toContain("reservation_id");
    expect(() =>
      validate(
        COMMAND_211_SCHEMAS.RESERVE_NOW,
        { ...reserve, reservation_id: 12 },
        "command",
        "strict",
      ),
    ).not.toThrow();
    expect(Object.keys(COMMAND_211_SCHEMAS)).not.toContain("CANCEL_RESERVATION");
  });

  it("a version details without any endpoint, and an endpoint with an empty identifier", () => {
    expect(
      refusalOf(VersionDetails211Schema, { version: "2.1.1", endpoints: [] }).message,
    ).toContain("endpoints");
    const details = {
      version: "2.1.1",
      endpoints: [{ identifier: "", url: "https://x.example.com/" }],
    };
    expect(refusalOf(VersionDetails211Schema, details).message).toContain(
      "endpoints[0].identifier",
    );
  });

  it("credentials in 2.2.1's form (roles) are not 2.1.1 credentials", () => {
    const err = refusalOf(Credentials211Schema, {
      token: "abc",
      url: "https://x.example.com/versions",
      roles: [],
    });
    expect(err.message).toContain("business_details");
    expect(err.message).toContain("party_id");
  });

  it("coordinates of fewer than six decimals are the tolerance rule coordinate-precision, more are refused", () => {
    const session = fixLocationErrata(
      body211(exampleUnder("mod_sessions", "Simple Session example of a just starting session")),
    );
    session.location.coordinates = { latitude: "51.0476", longitude: "3.7299" };
    expect(check(Session211Schema, session, "tolerant").ok).toBe(true);
    const strict = refusalOf(Session211Schema, session, "session", "strict").message;
    expect(strict).toContain("location.coordinates.latitude");
    expect(strict).toContain("coordinate-precision");
    session.location.coordinates.latitude = "151.047599";
    expect(refusalOf(Session211Schema, session).message).toContain("location.coordinates.latitude");
    session.location.coordinates = { latitude: "51.0475991", longitude: "3.729944" };
    expect(refusalOf(Session211Schema, session).message).toContain("location.coordinates.latitude");
  });
});
