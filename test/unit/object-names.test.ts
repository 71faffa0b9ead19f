import { describe, expect, it } from "vitest";
import { locations } from "../../src/modules/locations.js";
import type { FunctionalModuleSpec } from "../../src/modules/module-spec.js";
import { sessions } from "../../src/modules/sessions.js";
import { tokens } from "../../src/modules/tokens.js";
import { OcpiError } from "../../src/ocpi/errors.js";
import type { Party } from "../../src/registry/registry.js";
import { checkRequest } from "../../src/routing/checks.js";
import { interfaceOperations } from "../../src/routing/operations.js";

/**
 * The request check alone, schema aside: the fields of a PUT's or PATCH's
 * body that name a client-owned object must be the URL's (as CiStrings); a
 * PATCH may leave them out. This holds whatever the body's schema lets
 * through (a null id among them).
 */

const CPO: Party = { role: "CPO", countryCode: "DE", partyId: "CHX", businessDetails: null };
const EMSP: Party = { role: "EMSP", countryCode: "DE", partyId: "EMS", businessDetails: null };
const stamp = "2024-05-02T08:00:00Z";

/** The outcome of checking `body` sent by `caller` as `method` to the Receiver `path`. */
function check(
  module: FunctionalModuleSpec,
  method: string,
  path: string,
  body: unknown,
  options: { caller?: Party; query?: string } = {},
): string {
  const found = interfaceOperations(module, "RECEIVER").match(method, path.split("/").slice(1));
  if (found.kind !== "found") throw new Error(`no ${method} ${path}`);
  try {
    checkRequest([options.caller ?? CPO], found.op, {
      params: found.params,
      query: options.query ?? "",
      body,
    });
    return "accepted";
  } catch (err) {
    if (!(err instanceof OcpiError)) throw err;
    return `${err.statusCode} ${err.message}`;
  }
}

describe("the names a body gives a client-owned object", () => {
  const LOC = "/DE/CHX/L-417";

  it("a PATCH may leave them out or repeat them in any case", () => {
    expect(check(locations, "PATCH", LOC, { name: "P1", last_updated: stamp })).toBe("accepted");
    expect(
      check(locations, "PATCH", LOC, {
        id: "l-417",
        country_code: "de",
        party_id: "Chx",
        last_updated: stamp,
      }),
    ).toBe("accepted");
    expect(check(locations, "PATCH", `${LOC}/E-1`, { uid: "e-1", last_updated: stamp })).toBe(
      "accepted",
    );
    expect(check(locations, "PATCH", `${LOC}/E-1/1`, { id: "1", last_updated: stamp })).toBe(
      "accepted",
    );
  });

  it("a PATCH naming another object, or null, is refused with 2001 naming the field and both values", () => {
    const cases: [FunctionalModuleSpec, string, object, string][] = [
      [locations, LOC, { id: "L-418" }, "id of the body (L-418) differs from the URL (L-417)"],
      [locations, LOC, { id: null }, "id of the body (null) differs from the URL (L-417)"],
      [
        locations,
        LOC,
        { party_id: "CHY" },
        "party_id of the body (CHY) differs from the URL (CHX)",
      ],
      [locations, LOC, { country_code: null }, "country_code of the body (null) differs"],
      [
        locations,
        LOC,
        { country_code: "AT", party_id: "CHX" },
        "country_code and party_id of the body (AT/CHX) differ from the URL (DE/CHX)",
      ],
      [locations, `${LOC}/E-1`, { uid: "E-2" }, "uid of the body (E-2) differs from the URL (E-1)"],
      [locations, `${LOC}/E-1`, { uid: null }, "uid of the body (null) differs from the URL (E-1)"],
      [locations, `${LOC}/E-1/1`, { id: "2" }, "id of the body (2) differs from the URL (1)"],
      [locations, `${LOC}/E-1/1`, { id: 1 }, "id of the body (1) differs from the URL (1)"],
      [sessions, "/DE/CHX/S-1", { id: "S-2" }, "id of the body (S-2) differs from the URL (S-1)"],
    ];
    for (const [module, path, names, message] of cases) {
      const outcome = check(module, "PATCH", path, { ...names, last_updated: stamp });
      expect(outcome, `${path} ${JSON.stringify(names)}`).toContain(`2001 ${message}`);
      expect(outcome).toContain("a PATCH cannot rename an object");
    }
  });

  it("a token PATCH may not change the token's uid, codes or type", () => {
    const path = "/DE/EMS/04A1B2";
    const patch = (body: object) =>
      check(
        tokens,
        "PATCH",
        path,
        { ...body, last_updated: stamp },
        { caller: EMSP, query: "type=RFID" },
      );
    expect(patch({ uid: "04a1b2", type: "RFID", valid: false })).toBe("accepted");
    expect(patch({ uid: "04A1B3" })).toContain(
      "uid of the body (04A1B3) differs from the URL (04A1B2)",
    );
    expect(patch({ party_id: "EMX" })).toContain("party_id of the body (EMX)");
    expect(patch({ type: "APP_USER" })).toContain("type of the body (APP_USER)");
    expect(patch({ type: null })).toContain("type of the body (null)");
  });

  it("a PUT carries them all, equal to the URL's as CiStrings", () => {
    const connector = { id: "1", standard: "IEC_62196_T2", last_updated: stamp };
    expect(check(locations, "PUT", `${LOC}/E-1/1`, connector)).toBe("accepted");
    expect(check(locations, "PUT", `${LOC}/E-1/2`, connector)).toContain(
      "2001 id of the body (1) differs from the URL (2)",
    );
    expect(check(locations, "PUT", `${LOC}/E-1`, { uid: "e-1", last_updated: stamp })).toBe(
      "accepted",
    );
    expect(check(locations, "PUT", `${LOC}/E-1`, { last_updated: stamp })).toContain(
      "uid of the body (undefined) differs",
    );
  });
});
