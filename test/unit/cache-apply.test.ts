import { describe, expect, it } from "vitest";
import {
  applyLocationPush,
  isStatusOnly,
  type Json,
  later,
  overlay,
  pick,
} from "../../src/cache/apply.js";
import { example } from "../support/examples.js";

/** location_example.json: LOC1 of BE/BEC, EVSEs 3256 (connectors 1, 2) and 3257 (connector 1). */
const base: Json = example("location_example.json");
/** The URL of every push: BE/BEC's LOC1. */
const at = { owner: { countryCode: "BE", partyId: "BEC" }, id: "LOC1" };

function applied(outcome: ReturnType<typeof applyLocationPush>): Json {
  if (outcome.kind !== "applied")
    throw new Error(`expected applied, got ${JSON.stringify(outcome)}`);
  return outcome.doc;
}

const evse = (doc: Json, uid: string) => pick(doc, { evseUid: uid }) as Json;

describe("applying pushes to a cached location (locations: PUT and PATCH Method)", () => {
  it("a location PUT replaces the whole object, a new one included", () => {
    const fresh = { ...base, name: "New", last_updated: "2030-01-01T00:00:00Z" };
    expect(applied(applyLocationPush(undefined, "PUT", {}, fresh, at))).toEqual(fresh);
    expect(applied(applyLocationPush(base, "PUT", {}, fresh, at))).toEqual(fresh);
  });

  it("a location PATCH merges the given fields; an array given replaces the array", () => {
    const doc = applied(
      applyLocationPush(
        base,
        "PATCH",
        {},
        { name: "Renamed", evses: [], last_updated: "2030-01-01T00:00:00Z" },
        at,
      ),
    );
    expect(doc.name).toBe("Renamed");
    expect(doc.address).toBe(base.address);
    expect(doc.evses).toEqual([]);
    expect(doc.last_updated).toBe("2030-01-01T00:00:00Z");
  });

  it("an EVSE PATCH merges into that EVSE and carries last_updated up", () => {
    const doc = applied(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256" },
        { status: "CHARGING", last_updated: "2030-01-01T00:00:00Z" },
        at,
      ),
    );
    expect(evse(doc, "3256").status).toBe("CHARGING");
    expect(evse(doc, "3256").connectors).toEqual(evse(base, "3256").connectors);
    expect(evse(doc, "3256").last_updated).toBe("2030-01-01T00:00:00Z");
    expect(doc.last_updated).toBe("2030-01-01T00:00:00Z");
    // The other EVSE is untouched.
    expect(evse(doc, "3257")).toEqual(evse(base, "3257"));
  });

  it("a connector PATCH merges into that connector and carries last_updated to the EVSE and location", () => {
    const doc = applied(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256", connectorId: "2" },
        { max_amperage: 32, last_updated: "2030-01-01T00:00:00Z" },
        at,
      ),
    );
    const connector = pick(doc, { evseUid: "3256", connectorId: "2" }) as Json;
    expect(connector.max_amperage).toBe(32);
    expect(connector.standard).toBe(
      (pick(base, { evseUid: "3256", connectorId: "2" }) as Json).standard,
    );
    expect(evse(doc, "3256").last_updated).toBe("2030-01-01T00:00:00Z");
    expect(doc.last_updated).toBe("2030-01-01T00:00:00Z");
  });

  it("an EVSE or connector PUT replaces it, or adds it when new", () => {
    const newEvse = {
      ...evse(base, "3257"),
      uid: "9999",
      evse_id: "BE*BEC*E9999",
      last_updated: "2030-01-01T00:00:00Z",
    };
    const added = applied(applyLocationPush(base, "PUT", { evseUid: "9999" }, newEvse, at));
    expect((added.evses as Json[]).map((e) => e.uid)).toEqual(["3256", "3257", "9999"]);
    const replaced = applied(
      applyLocationPush(base, "PUT", { evseUid: "3257" }, { ...newEvse, uid: "3257" }, at),
    );
    expect((replaced.evses as Json[]).length).toBe(2);
    expect(evse(replaced, "3257").evse_id).toBe("BE*BEC*E9999");

    const connector = {
      ...(pick(base, { evseUid: "3256", connectorId: "1" }) as Json),
      id: "3",
      last_updated: "2030-01-01T00:00:00Z",
    };
    const withConnector = applied(
      applyLocationPush(base, "PUT", { evseUid: "3256", connectorId: "3" }, connector, at),
    );
    expect((evse(withConnector, "3256").connectors as Json[]).map((c) => c.id)).toEqual([
      "1",
      "2",
      "3",
    ]);
    expect(withConnector.last_updated).toBe("2030-01-01T00:00:00Z");
  });

  it("ids compare case-insensitively (CiString)", () => {
    const withLetters = { ...base, evses: [{ ...evse(base, "3256"), uid: "Evse-a" }] };
    const doc = applied(
      applyLocationPush(
        withLetters,
        "PATCH",
        { evseUid: "EVSE-A" },
        { status: "BLOCKED", last_updated: "2030-01-01T00:00:00Z" },
        at,
      ),
    );
    expect(evse(doc, "evse-a").status).toBe("BLOCKED");
    expect((doc.evses as Json[]).length).toBe(1);
  });

  it("names what is unknown: a PATCH of a missing object, a PUT into a missing parent", () => {
    const stamp = { last_updated: "2030-01-01T00:00:00Z" };
    expect(applyLocationPush(undefined, "PATCH", {}, stamp, at)).toEqual({
      kind: "unknown",
      what: "location BE/BEC/LOC1",
    });
    expect(applyLocationPush(undefined, "PUT", { evseUid: "1" }, stamp, at)).toEqual({
      kind: "unknown",
      what: "location BE/BEC/LOC1",
    });
    expect(applyLocationPush(base, "PATCH", { evseUid: "X" }, stamp, at)).toEqual({
      kind: "unknown",
      what: "EVSE X of location BE/BEC/LOC1",
    });
    expect(applyLocationPush(base, "PUT", { evseUid: "X", connectorId: "1" }, stamp, at)).toEqual({
      kind: "unknown",
      what: "EVSE X of location BE/BEC/LOC1",
    });
    expect(
      applyLocationPush(base, "PATCH", { evseUid: "3256", connectorId: "9" }, stamp, at),
    ).toEqual({ kind: "unknown", what: "connector 9 of EVSE 3256 of location BE/BEC/LOC1" });
  });

  it("a push older than the object it addresses is stale", () => {
    const old = "2000-01-01T00:00:00Z";
    expect(applyLocationPush(base, "PUT", {}, { ...base, last_updated: old }, at).kind).toBe(
      "stale",
    );
    expect(
      applyLocationPush(
        base,
        "PUT",
        { evseUid: "3256" },
        { ...evse(base, "3256"), last_updated: old },
        at,
      ).kind,
    ).toBe("stale");
    expect(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256" },
        { status: "CHARGING", last_updated: old },
        at,
      ).kind,
    ).toBe("stale");
    expect(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256", connectorId: "1" },
        { max_amperage: 1, last_updated: old },
        at,
      ).kind,
    ).toBe("stale");
  });

  it("a location PATCH applies whatever its last_updated, which never moves backwards", () => {
    const newer = { ...base, last_updated: "2030-01-01T00:00:00Z" };
    const doc = applied(
      applyLocationPush(
        newer,
        "PATCH",
        {},
        { name: "Late rename", last_updated: "2020-01-01T00:00:00Z" },
        at,
      ),
    );
    expect(doc.name).toBe("Late rename");
    expect(doc.last_updated).toBe("2030-01-01T00:00:00Z");
  });

  it("a child's change never moves a parent's last_updated backwards", () => {
    const newer = { ...base, last_updated: "2030-01-01T00:00:00Z" };
    const doc = applied(
      applyLocationPush(
        newer,
        "PATCH",
        { evseUid: "3256" },
        { floor_level: "-2", last_updated: "2020-01-01T00:00:00Z" },
        at,
      ),
    );
    expect(evse(doc, "3256").floor_level).toBe("-2");
    expect(doc.last_updated).toBe("2030-01-01T00:00:00Z");
  });

  it("a PATCH ignores null members at every level: it cannot remove information (locations: PATCH Method)", () => {
    const stamp = "2030-01-01T00:00:00Z";
    const location = applied(
      applyLocationPush(
        base,
        "PATCH",
        {},
        { name: null, operator: null, city: "Antwerpen", last_updated: stamp },
        at,
      ),
    );
    expect(location.name).toBe(base.name);
    expect(location.operator).toEqual(base.operator);
    expect(location.city).toBe("Antwerpen");

    const withEvse = applied(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256" },
        { floor_level: null, physical_reference: null, status: "CHARGING", last_updated: stamp },
        at,
      ),
    );
    expect(evse(withEvse, "3256")).toEqual({
      ...evse(base, "3256"),
      status: "CHARGING",
      last_updated: stamp,
    });

    const before = pick(base, { evseUid: "3256", connectorId: "1" }) as Json;
    const withConnector = applied(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256", connectorId: "1" },
        { tariff_ids: null, max_electric_power: null, max_amperage: 32, last_updated: stamp },
        at,
      ),
    );
    expect(pick(withConnector, { evseUid: "3256", connectorId: "1" })).toEqual({
      ...before,
      max_amperage: 32,
      last_updated: stamp,
    });
  });

  it("a PATCH never changes the fields that name the object it addresses", () => {
    const stamp = "2030-01-01T00:00:00Z";
    const renamed = applied(
      applyLocationPush(
        base,
        "PATCH",
        {},
        { id: "LOC2", country_code: "NL", party_id: "TNM", name: "Kept", last_updated: stamp },
        at,
      ),
    );
    expect([renamed.country_code, renamed.party_id, renamed.id, renamed.name]).toEqual([
      "BE",
      "BEC",
      "LOC1",
      "Kept",
    ]);

    const nulled = applied(
      applyLocationPush(base, "PATCH", {}, { id: null, party_id: null, last_updated: stamp }, at),
    );
    expect([nulled.party_id, nulled.id]).toEqual(["BEC", "LOC1"]);

    const evseKept = applied(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256" },
        { uid: "3257", status: "CHARGING", last_updated: stamp },
        at,
      ),
    );
    expect((evseKept.evses as Json[]).map((e) => [e.uid, e.status])).toEqual([
      ["3256", "CHARGING"],
      ["3257", evse(base, "3257").status],
    ]);

    const connectorKept = applied(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256", connectorId: "1" },
        { id: "2", max_amperage: 32, last_updated: stamp },
        at,
      ),
    );
    const connectors = evse(connectorKept, "3256").connectors as Json[];
    expect(connectors.map((c) => [c.id, c.max_amperage])).toEqual([
      ["1", 32],
      ["2", (connectors[1] as Json).max_amperage],
    ]);
    expect(connectors[1]).toEqual((evse(base, "3256").connectors as Json[])[1]);
  });

  it("a PUT writes the object named as its URL names it, keeping the body's spelling of the same name", () => {
    const stamp = "2030-01-01T00:00:00Z";
    const spelled = { ...base, country_code: "be", id: "loc1", last_updated: stamp };
    expect(applied(applyLocationPush(base, "PUT", {}, spelled, at))).toEqual(spelled);

    const other = { ...base, party_id: "TNM", id: "LOC2", last_updated: stamp };
    const located = applied(applyLocationPush(base, "PUT", {}, other, at));
    expect([located.country_code, located.party_id, located.id]).toEqual(["BE", "BEC", "LOC1"]);

    const otherEvse = { ...evse(base, "3257"), uid: "3256", last_updated: stamp };
    const evses = applied(applyLocationPush(base, "PUT", { evseUid: "3257" }, otherEvse, at))
      .evses as Json[];
    expect(evses.map((e) => e.uid)).toEqual(["3256", "3257"]);
    expect(evses[0]).toEqual(evse(base, "3256"));

    const connector = { ...(pick(base, { evseUid: "3256", connectorId: "2" }) as Json) };
    const moved = { ...connector, id: "1", last_updated: stamp };
    const written = applied(
      applyLocationPush(base, "PUT", { evseUid: "3256", connectorId: "2" }, moved, at),
    );
    expect(pick(written, { evseUid: "3256", connectorId: "2" })).toEqual({ ...moved, id: "2" });
    expect(pick(written, { evseUid: "3256", connectorId: "1" })).toEqual(
      pick(base, { evseUid: "3256", connectorId: "1" }),
    );
  });

  it("compares instants, not text", () => {
    expect(later("2020-01-01T00:00:00Z", "2020-01-01T00:00:00.5Z")).toBe("2020-01-01T00:00:00.5Z");
    expect(later("2020-01-01T00:00:01Z", "2020-01-01T00:00:00.999Z")).toBe("2020-01-01T00:00:01Z");
  });
});

describe("EVSE status changes kept beside the document", () => {
  it("only a PATCH of an EVSE with status (and last_updated) is one", () => {
    const body = { status: "CHARGING", last_updated: "2030-01-01T00:00:00Z" };
    expect(isStatusOnly("PATCH", { evseUid: "1" }, body)).toBe(true);
    expect(isStatusOnly("PATCH", { evseUid: "1" }, { ...body, floor_level: "1" })).toBe(false);
    expect(isStatusOnly("PUT", { evseUid: "1" }, body)).toBe(false);
    expect(isStatusOnly("PATCH", {}, body)).toBe(false);
    expect(isStatusOnly("PATCH", { evseUid: "1", connectorId: "1" }, body)).toBe(false);
  });

  it("a read lays newer statuses over the document and carries last_updated up; older ones lose", () => {
    const shown = overlay(base, [
      { evseUid: "3256", status: "CHARGING", lastUpdated: "2030-01-01T00:00:00Z" },
      { evseUid: "3257", status: "OUTOFORDER", lastUpdated: "2000-01-01T00:00:00Z" },
      { evseUid: "GONE", status: "BLOCKED", lastUpdated: "2031-01-01T00:00:00Z" },
    ]);
    expect(evse(shown, "3256").status).toBe("CHARGING");
    expect(evse(shown, "3256").last_updated).toBe("2030-01-01T00:00:00Z");
    expect(evse(shown, "3257")).toEqual(evse(base, "3257"));
    expect(shown.last_updated).toBe("2030-01-01T00:00:00Z");
    expect(overlay(base, [])).toBe(base);
  });
});
