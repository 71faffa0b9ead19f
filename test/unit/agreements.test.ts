import { describe, expect, it } from "vitest";
import type { AgreementRow } from "../../src/db/schema/index.js";
import { buildAgreementIndex, roamingPolicy } from "../../src/registry/agreements.js";

const ALL = ["locations", "tariffs", "sessions", "cdrs", "tokens", "commands"];
const JAN = new Date("2026-01-01T00:00:00Z");

let seq = 0;
function row(
  cpo: string,
  emsp: string,
  more: Partial<Pick<AgreementRow, "modules" | "status" | "validFrom" | "validUntil">> = {},
): AgreementRow {
  seq += 1;
  const [cpoCountryCode, cpoPartyId] = cpo.split("/") as [string, string];
  const [emspCountryCode, emspPartyId] = emsp.split("/") as [string, string];
  return {
    id: `agreement-${seq}`,
    seq,
    cpoCountryCode,
    cpoPartyId,
    emspCountryCode,
    emspPartyId,
    modules: ALL,
    status: "ACTIVE",
    validFrom: null,
    validUntil: null,
    createdAt: JAN,
    updatedAt: JAN,
    changedBy: "admin",
    exchangeStartedAt: null,
    changedFrom: null,
    ...more,
  };
}

const names = (parties: readonly { countryCode: string; partyId: string }[] | undefined) =>
  parties?.map((p) => `${p.countryCode}/${p.partyId}`);

const EMSP = { countryCode: "DE", partyId: "EMS", role: "EMSP" };
const CPO = { countryCode: "NL", partyId: "CPO", role: "CPO" };

describe("partnersOf under ROAMING_POLICY=agreements", () => {
  it("lists the party itself, then its partners under agreements in force for the module, in creation order", () => {
    const index = buildAgreementIndex([
      row("NL/CPO", "DE/EMS"),
      row("BE/BEC", "DE/EMS", { status: "SUSPENDED" }),
      row("FR/FRC", "DE/EMS", { status: "ENDED" }),
      row("NL/TNM", "DE/EMS", { modules: ["sessions", "cdrs"] }),
      row("NL/FUT", "DE/EMS", { validFrom: new Date("2026-06-01T00:00:00Z") }),
      row("NL/OLD", "DE/EMS", { validUntil: new Date("2026-02-01T00:00:00Z") }),
      row("NL/CPO", "NL/EMX"),
      row("AT/ATC", "de/ems"),
    ]);
    const { partnersOf } = roamingPolicy(
      "agreements",
      () => index,
      () => new Date("2026-03-01T00:00:00Z"),
    );
    expect(names(partnersOf(EMSP, "locations"))).toEqual(["DE/EMS", "NL/CPO", "AT/ATC"]);
    expect(names(partnersOf(EMSP, "sessions"))).toEqual(["DE/EMS", "NL/CPO", "NL/TNM", "AT/ATC"]);
    expect(names(partnersOf(EMSP))).toEqual(["DE/EMS", "NL/CPO", "NL/TNM", "AT/ATC"]);
    expect(names(partnersOf(CPO, "tokens"))).toEqual(["NL/CPO", "DE/EMS", "NL/EMX"]);
    // The same codes in a role no agreement names: itself only.
    expect(names(partnersOf({ ...EMSP, role: "NSP" }, "locations"))).toEqual(["DE/EMS"]);
  });

  it("follows the clock across the start and end of an agreement, forwards and back", () => {
    const index = buildAgreementIndex([
      row("NL/CPO", "DE/EMS"),
      row("BE/BEC", "DE/EMS", {
        validFrom: new Date("2026-04-01T00:00:00Z"),
        validUntil: new Date("2026-05-01T00:00:00Z"),
      }),
    ]);
    let now = new Date("2026-03-31T23:59:59.999Z");
    const { partnersOf } = roamingPolicy(
      "agreements",
      () => index,
      () => now,
    );
    const at = (iso: string) => {
      now = new Date(iso);
      return names(partnersOf(EMSP, "locations"));
    };
    expect(names(partnersOf(EMSP, "locations"))).toEqual(["DE/EMS", "NL/CPO"]);
    expect(at("2026-04-01T00:00:00.000Z")).toEqual(["DE/EMS", "NL/CPO", "BE/BEC"]);
    expect(at("2026-04-20T12:00:00.000Z")).toEqual(["DE/EMS", "NL/CPO", "BE/BEC"]);
    expect(at("2026-05-01T00:00:00.000Z")).toEqual(["DE/EMS", "NL/CPO"]);
    expect(at("2026-04-30T23:59:59.999Z")).toEqual(["DE/EMS", "NL/CPO", "BE/BEC"]);
    expect(at("2026-03-01T00:00:00.000Z")).toEqual(["DE/EMS", "NL/CPO"]);
    expect(names(partnersOf({ ...CPO, countryCode: "BE", partyId: "BEC" }, "tariffs"))).toEqual([
      "BE/BEC",
    ]);
  });

  it("restricts nobody under ROAMING_POLICY=open", () => {
    const index = buildAgreementIndex([row("NL/CPO", "DE/EMS")]);
    const { partnersOf, mayExchange } = roamingPolicy(
      "open",
      () => index,
      () => JAN,
    );
    expect(partnersOf(EMSP, "locations")).toBeUndefined();
    expect(mayExchange(CPO, { ...EMSP, partyId: "XXX" }, "sessions")).toBe(true);
  });
});
