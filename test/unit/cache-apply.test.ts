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
const names = { location: "BE/BEC/LOC1" };

function applied(outcome: ReturnType<typeof applyLocationPush>): Json {
  if (outcome.kind !== "applied")
    throw new Error(`expected applied, got ${JSON.stringify(outcome)}`);
  return outcome.doc;
}

const evse = (doc: Json, uid: string) => pick(doc, { evseUid: uid }) as Json;

describe("applying pushes to a cached location (locations: PUT and PATCH Method)", () => {
  it("a location PUT replaces the whole object, a new one included", () => {
    const fresh = { ...base, name: "New", last_updated: "2030-01-01T00:00:00Z" };
    expect(applied(applyLocationPush(undefined, "PUT", {}, fresh, names))).toEqual(fresh);
    expect(applied(applyLocationPush(base, "PUT", {}, fresh, names))).toEqual(fresh);
  });

  it("a location PATCH merges the given fields; an array given replaces the array", () => {
    const doc = applied(
      applyLocationPush(
        base,
        "PATCH",
        {},
        { name: "Renamed", evses: [], last_updated: "2030-01-01T00:00:00Z" },
        names,
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
        names,
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
        names,
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
    const added = applied(applyLocationPush(base, "PUT", { evseUid: "9999" }, newEvse, names));
    expect((added.evses as Json[]).map((e) => e.uid)).toEqual(["3256", "3257", "9999"]);
    const replaced = applied(
      applyLocationPush(base, "PUT", { evseUid: "3257" }, { ...newEvse, uid: "3257" }, names),
    );
    expect((replaced.evses as Json[]).length).toBe(2);
    expect(evse(replaced, "3257").evse_id).toBe("BE*BEC*E9999");

    const connector = {
      ...(pick(base, { evseUid: "3256", connectorId: "1" }) as Json),
      id: "3",
      last_updated: "2030-01-01T00:00:00Z",
    };
    const withConnector = applied(
      applyLocationPush(base, "PUT", { evseUid: "3256", connectorId: "3" }, connector, names),
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
        names,
      ),
    );
    expect(evse(doc, "evse-a").status).toBe("BLOCKED");
    expect((doc.evses as Json[]).length).toBe(1);
  });

  it("names what is unknown: a PATCH of a missing object, a PUT into a missing parent", () => {
    const stamp = { last_updated: "2030-01-01T00:00:00Z" };
    expect(applyLocationPush(undefined, "PATCH", {}, stamp, names)).toEqual({
      kind: "unknown",
      what: "location BE/BEC/LOC1",
    });
    expect(applyLocationPush(undefined, "PUT", { evseUid: "1" }, stamp, names)).toEqual({
      kind: "unknown",
      what: "location BE/BEC/LOC1",
    });
    expect(applyLocationPush(base, "PATCH", { evseUid: "X" }, stamp, names)).toEqual({
      kind: "unknown",
      what: "EVSE X of location BE/BEC/LOC1",
    });
    expect(
      applyLocationPush(base, "PUT", { evseUid: "X", connectorId: "1" }, stamp, names),
    ).toEqual({ kind: "unknown", what: "EVSE X of location BE/BEC/LOC1" });
    expect(
      applyLocationPush(base, "PATCH", { evseUid: "3256", connectorId: "9" }, stamp, names),
    ).toEqual({ kind: "unknown", what: "connector 9 of EVSE 3256 of location BE/BEC/LOC1" });
  });

  it("a push older than the object it addresses is stale", () => {
    const old = "2000-01-01T00:00:00Z";
    expect(applyLocationPush(base, "PUT", {}, { ...base, last_updated: old }, names).kind).toBe(
      "stale",
    );
    expect(
      applyLocationPush(
        base,
        "PUT",
        { evseUid: "3256" },
        { ...evse(base, "3256"), last_updated: old },
        names,
      ).kind,
    ).toBe("stale");
    expect(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256" },
        { status: "CHARGING", last_updated: old },
        names,
      ).kind,
    ).toBe("stale");
    expect(
      applyLocationPush(
        base,
        "PATCH",
        { evseUid: "3256", connectorId: "1" },
        { max_amperage: 1, last_updated: old },
        names,
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
        names,
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
        names,
      ),
    );
    expect(evse(doc, "3256").floor_level).toBe("-2");
    expect(doc.last_updated).toBe("2030-01-01T00:00:00Z");
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
