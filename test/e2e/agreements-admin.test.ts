import { afterEach, describe, expect, it } from "vitest";
import { DATE_TIME } from "../support/expect.js";
import { closeInstances, startHub, startTwoInstances, type TestHub } from "../support/test-hub.js";

const ALL = ["locations", "sessions", "cdrs", "tariffs", "tokens", "commands", "chargingprofiles"];

let hub: TestHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await closeInstances();
});

/** A hub with two CPOs (one also an eMSP under other codes) and two eMSPs, invited. */
async function hubWithParties(
  on?: TestHub,
): Promise<{ hub: TestHub; cpoPlatform: string; emspPlatform: string }> {
  const hub = on ?? (await startHub());
  const cpo = await hub.invite(
    [
      { role: "CPO", country_code: "NL", party_id: "CPA" },
      { role: "CPO", country_code: "NL", party_id: "CPB" },
    ],
    "Charge NL",
  );
  const emsp = await hub.invite(
    [
      { role: "EMSP", country_code: "DE", party_id: "MSA" },
      { role: "EMSP", country_code: "FR", party_id: "MSB" },
    ],
    "Drive DE",
  );
  return { hub, cpoPlatform: cpo.id, emspPlatform: emsp.id };
}

const pair = (cpo: string, emsp: string) => {
  const [cc, pid] = cpo.split("/");
  const [ec, eid] = emsp.split("/");
  return { cpo: { country_code: cc, party_id: pid }, emsp: { country_code: ec, party_id: eid } };
};

describe("roaming agreements in the admin API", () => {
  it("records an agreement for all modules by default, and lists and shows it", async () => {
    ({ hub } = await hubWithParties());
    const created = await hub.admin("POST", "/agreements", pair("nl/cpa", "DE/MSA"));
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      cpo: { country_code: "NL", party_id: "CPA" },
      emsp: { country_code: "DE", party_id: "MSA" },
      modules: ALL,
      status: "ACTIVE",
      valid_from: null,
      valid_until: null,
      created_at: expect.stringMatching(DATE_TIME),
      updated_at: expect.stringMatching(DATE_TIME),
      changed_by: "admin",
    });
    const shown = await hub.admin("GET", `/agreements/${created.body.id}`);
    expect(shown.body).toEqual(created.body);
    const listed = await hub.admin("GET", "/agreements");
    expect(listed.body.data).toEqual([created.body]);
  });

  it("keeps the modules and the validity period given, in the module table's order", async () => {
    ({ hub } = await hubWithParties());
    const created = await hub.admin("POST", "/agreements", {
      ...pair("NL/CPA", "DE/MSA"),
      modules: ["tariffs", "locations"],
      valid_from: "2026-01-01T00:00:00Z",
      valid_until: "2027-01-01T00:00:00Z",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      modules: ["locations", "tariffs"],
      valid_from: "2026-01-01T00:00:00.000Z",
      valid_until: "2027-01-01T00:00:00.000Z",
    });
  });

  it.each([
    [{ ...pair("NL/CPA", "DE/XXX") }, /emsp: no party DE\/XXX/],
    [{ ...pair("DE/MSA", "DE/MSA") }, /cpo: DE\/MSA is EMSP, not CPO/],
    [{ ...pair("NL/CPA", "NL/CPB") }, /emsp: NL\/CPB is CPO, not EMSP/],
    [
      { ...pair("NL/CPA", "DE/MSA"), modules: ["locations", "parking"] },
      /modules\.1: must be one of/,
    ],
    [{ ...pair("NL/CPA", "DE/MSA"), modules: [] }, /modules: must list at least one/],
    [
      {
        ...pair("NL/CPA", "DE/MSA"),
        valid_from: "2026-06-01T00:00:00Z",
        valid_until: "2026-01-01T00:00:00Z",
      },
      /valid_until: must be after valid_from/,
    ],
    [{ ...pair("NL/CPA", "DE/MSA"), valid_from: "tomorrow" }, /valid_from/],
    [{ emsp: { country_code: "DE", party_id: "MSA" } }, /cpo/],
  ])(
    "refuses %j with 400 naming the field, and records only the refusal",
    async (body, message) => {
      ({ hub } = await hubWithParties());
      const res = await hub.admin("POST", "/agreements", body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
      expect((await hub.admin("GET", "/agreements")).body.data).toEqual([]);
      const audit = await hub.admin("GET", "/audit?action=agreement.create");
      expect(audit.body.data).toEqual([
        expect.objectContaining({ target: "agreement", result: "400 INVALID_REQUEST" }),
      ]);
    },
  );

  it("answers 409 for an agreement overlapping an active one of the same pair and module", async () => {
    ({ hub } = await hubWithParties());
    const first = await hub.admin("POST", "/agreements", {
      ...pair("NL/CPA", "DE/MSA"),
      modules: ["locations", "sessions"],
      valid_until: "2027-01-01T00:00:00Z",
    });
    expect(first.status).toBe(201);
    const clash = await hub.admin("POST", "/agreements", {
      ...pair("NL/CPA", "DE/MSA"),
      modules: ["sessions"],
      valid_from: "2026-12-31T00:00:00Z",
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain(first.body.id);
    expect(clash.body.error.message).toContain("sessions");
    // Other modules, a later period, or another pair do not overlap.
    for (const body of [
      { ...pair("NL/CPA", "DE/MSA"), modules: ["cdrs"] },
      { ...pair("NL/CPA", "DE/MSA"), modules: ["sessions"], valid_from: "2027-01-01T00:00:00Z" },
      { ...pair("NL/CPB", "DE/MSA"), modules: ["sessions"] },
    ]) {
      expect((await hub.admin("POST", "/agreements", body)).status).toBe(201);
    }
  });

  it("suspends, resumes and ends an agreement; ENDED is final", async () => {
    ({ hub } = await hubWithParties());
    const { body: created } = await hub.admin("POST", "/agreements", pair("NL/CPA", "DE/MSA"));
    const id = created.id;
    const suspended = await hub.admin("POST", `/agreements/${id}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("SUSPENDED");
    // While it is suspended, a new agreement for the same modules may be recorded; the
    // suspended one then cannot resume over it.
    const other = await hub.admin("POST", "/agreements", {
      ...pair("NL/CPA", "DE/MSA"),
      modules: ["tokens"],
    });
    expect(other.status).toBe(201);
    expect((await hub.admin("POST", `/agreements/${id}/resume`)).status).toBe(409);
    await hub.admin("POST", `/agreements/${other.body.id}/end`);
    const resumed = await hub.admin("POST", `/agreements/${id}/resume`);
    expect(resumed.body.status).toBe("ACTIVE");
    const ended = await hub.admin("POST", `/agreements/${id}/end`);
    expect(ended.body.status).toBe("ENDED");
    const again = await hub.admin("POST", `/agreements/${id}/resume`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/ENDED/);
    expect((await hub.admin("POST", `/agreements/${id}/suspend`)).status).toBe(409);
    expect((await hub.admin("GET", `/agreements/${id}`)).body.status).toBe("ENDED");
    expect((await hub.admin("POST", "/agreements/nope/end")).status).toBe(404);
  });

  it("filters the list by party (encoded or not) and by status", async () => {
    const on = (await hubWithParties()).hub;
    hub = on;
    const a = (await on.admin("POST", "/agreements", pair("NL/CPA", "DE/MSA"))).body;
    const b = (await on.admin("POST", "/agreements", pair("NL/CPB", "FR/MSB"))).body;
    await on.admin("POST", `/agreements/${b.id}/suspend`);
    const ids = async (query: string) =>
      (await on.admin("GET", `/agreements${query}`)).body.data.map((x: { id: string }) => x.id);
    expect(await ids("?party=NL/CPA")).toEqual([a.id]);
    expect(await ids("?party=fr%2Fmsb")).toEqual([b.id]);
    expect(await ids("?status=SUSPENDED")).toEqual([b.id]);
    expect(await ids("?party=DE/MSA&status=SUSPENDED")).toEqual([]);
    expect((await hub.admin("GET", "/agreements?party=NLCPA")).status).toBe(400);
    expect((await hub.admin("GET", "/agreements?status=OPEN")).status).toBe(400);
  });

  it("lists a platform's partners under agreements in force, and records every change in the audit log", async () => {
    const parties = await hubWithParties();
    const { cpoPlatform, emspPlatform } = parties;
    hub = parties.hub;
    const a = (
      await hub.admin("POST", "/agreements", {
        ...pair("NL/CPA", "DE/MSA"),
        modules: ["locations"],
      })
    ).body;
    const later = (
      await hub.admin("POST", "/agreements", {
        ...pair("NL/CPB", "FR/MSB"),
        valid_from: "2999-01-01T00:00:00Z",
      })
    ).body;
    const b = (await hub.admin("POST", "/agreements", pair("NL/CPB", "DE/MSA"))).body;
    await hub.admin("POST", `/agreements/${b.id}/suspend`);

    const partners = await hub.admin("GET", `/platforms/${emspPlatform}/partners`);
    expect(partners.body.data).toEqual([
      {
        agreement_id: a.id,
        own: { country_code: "DE", party_id: "MSA", role: "EMSP" },
        party: { country_code: "NL", party_id: "CPA", role: "CPO" },
        modules: ["locations"],
      },
    ]);
    const cpoSide = await hub.admin("GET", `/platforms/${cpoPlatform}/partners`);
    expect(cpoSide.body.data.map((p: { agreement_id: string }) => p.agreement_id)).toEqual([a.id]);
    expect(later.status).toBe("ACTIVE");

    const audit = await hub.admin("GET", "/audit");
    expect(
      audit.body.data
        .filter((e: { action: string }) => e.action.startsWith("agreement."))
        .map((e: { action: string; target: string }) => [e.action, e.target]),
    ).toEqual([
      ["agreement.suspend", `agreement/${b.id}`],
      ["agreement.create", `agreement/${b.id}`],
      ["agreement.create", `agreement/${later.id}`],
      ["agreement.create", `agreement/${a.id}`],
    ]);
    expect(audit.body.data[0]).toMatchObject({
      at: expect.stringMatching(DATE_TIME),
      actor: "admin",
      address: "127.0.0.1",
      result: "ok",
      detail: { status: ["ACTIVE", "SUSPENDED"] },
    });
    const page = await hub.admin("GET", "/audit?limit=3");
    expect(page.body.data).toHaveLength(3);
    const rest = await hub.admin(
      "GET",
      `/audit?limit=3&cursor=${page.body.next}&action=agreement.create`,
    );
    expect(rest.body.data.map((e: { target: string }) => e.target)).toEqual([`agreement/${a.id}`]);
    expect(rest.body.next).toBeNull();
  });

  it("shows an agreement recorded on one instance on the other at once", async () => {
    const [a, b] = await startTwoInstances();
    await hubWithParties(a);
    const created = await a.admin("POST", "/agreements", pair("NL/CPA", "DE/MSA"));
    await expect
      .poll(async () => (await b.admin("GET", `/agreements/${created.body.id}`)).status)
      .toBe(200);
    await b.admin("POST", `/agreements/${created.body.id}/suspend`);
    await expect
      .poll(async () => (await a.admin("GET", `/agreements/${created.body.id}`)).body.status)
      .toBe("SUSPENDED");
  });
});
