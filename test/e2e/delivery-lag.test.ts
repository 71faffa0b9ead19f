import { afterEach, describe, expect, it } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import type { HubAnswer, ModuleRequest } from "../support/fake-platform.js";
import { deliveryRow, startHub, type TestHub } from "../support/test-hub.js";

/**
 * A recipient that falls far behind: while an eMSP answers every push with
 * HTTP 503 (within the delivery window, so it stays a recipient), the CPO
 * sends 10,000 PATCHes over 1,000 locations, each changing other fields.
 * Once it answers again, the eMSP, applying what arrives in arrival order
 * as a real eMSP would, must end with exactly the newest state of every
 * location: however the hub collapses the backlog, no field change is lost.
 */

const HUB = "NL/HUB";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "LAG" };

const LOCATIONS = 1_000;
const PATCHES = 10_000;
/** The CPO's requests in flight. */
const CONCURRENCY = 16;

const idOf = (n: number) => `LOC${String(n).padStart(4, "0")}`;

/** Patch k of a location (its k-th, 0-based): which object it targets and what it changes. */
interface Change {
  /** undefined: the location itself; else the EVSE uid. */
  evse?: string;
  fields: Record<string, unknown>;
}

/**
 * The k-th change of location `n`: location-level and EVSE-level fields in
 * turn, some changed once (merging must keep them), some changed again
 * later (the newest must win).
 */
function changeOf(n: number, k: number): Change {
  switch (k % 10) {
    case 0:
      return { fields: { name: `Station ${n} r${k}` } };
    case 1:
      return { evse: "3256", fields: { status: "CHARGING" } };
    case 2:
      return { fields: { postal_code: `${1000 + (n % 9000)}` } };
    case 3:
      return { evse: "3257", fields: { status: "BLOCKED" } };
    case 4:
      return { fields: { city: `City ${n}` } };
    case 5:
      return { evse: "3256", fields: { physical_reference: `P${n}` } };
    case 6:
      return { fields: { name: `Station ${n} r${k}`, parking_type: "PARKING_LOT" } };
    case 7:
      return { evse: "3256", fields: { status: "OUTOFORDER" } };
    case 8:
      return { fields: { charging_when_closed: false } };
    default:
      return { evse: "3257", fields: { floor_level: `${k}`, status: "AVAILABLE" } };
  }
}

type Location = Record<string, any>;

/** JSON with object keys sorted: equal for equal values whatever the order of their keys. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * Applies one Receiver request to `state` as an eMSP does: a PUT replaces
 * the object it names, a PATCH changes the fields it carries; a change to
 * an EVSE or connector moves the location's last_updated too.
 */
function apply(
  state: Map<string, Location>,
  method: string,
  segments: string[],
  body: any,
): string | undefined {
  const [id, evseUid, connectorId] = segments;
  if (id === undefined) return "a request without a location id";
  if (evseUid === undefined) {
    if (method === "PUT") state.set(id, structuredClone(body));
    else {
      const current = state.get(id);
      if (current === undefined) return `PATCH of ${id} before its PUT`;
      state.set(id, { ...current, ...structuredClone(body) });
    }
    return undefined;
  }
  const location = state.get(id);
  if (location === undefined) return `${method} of ${id}/${evseUid} before the location's PUT`;
  const evses: any[] = location.evses ?? [];
  const at = evses.findIndex((e) => e.uid === evseUid);
  if (connectorId !== undefined) {
    const evse = evses[at];
    if (evse === undefined) return `${method} of ${segments.join("/")}: no such EVSE`;
    const connectors: any[] = evse.connectors ?? [];
    const c = connectors.findIndex((x) => x.id === connectorId);
    const next =
      method === "PUT" ? structuredClone(body) : { ...connectors[c], ...structuredClone(body) };
    if (c < 0) connectors.push(next);
    else connectors[c] = next;
    evses[at] = {
      ...evse,
      connectors,
      last_updated: later(evse.last_updated, body.last_updated),
    };
  } else {
    const next =
      method === "PUT" ? structuredClone(body) : { ...evses[at], ...structuredClone(body) };
    if (at < 0) {
      if (method !== "PUT") return `PATCH of ${id}/${evseUid}: no such EVSE`;
      evses.push(next);
    } else evses[at] = next;
  }
  state.set(id, {
    ...location,
    evses,
    last_updated: later(location.last_updated, body.last_updated),
  });
  return undefined;
}

/** The fields in which `got` differs from `want`, as "field: got … want …". */
function differences(got: Location | undefined, want: Location): string[] {
  if (got === undefined) return ["missing altogether"];
  const out: string[] = [];
  for (const key of new Set([...Object.keys(got), ...Object.keys(want)])) {
    if (key === "evses") continue;
    if (canonical(got[key]) !== canonical(want[key]))
      out.push(`${key}: got ${JSON.stringify(got[key])}, want ${JSON.stringify(want[key])}`);
  }
  for (const evse of want.evses as any[]) {
    const mine = (got.evses as any[] | undefined)?.find((e) => e.uid === evse.uid);
    for (const key of new Set([...Object.keys(mine ?? {}), ...Object.keys(evse)])) {
      if (canonical(mine?.[key]) !== canonical(evse[key]))
        out.push(
          `evse ${evse.uid} ${key}: got ${JSON.stringify(mine?.[key])}, want ${JSON.stringify(evse[key])}`,
        );
    }
  }
  return out;
}

/** Runs `task(i)` for i < count, `limit` at a time. */
async function bounded(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

describe("a recipient lagging 10,000 PATCHes of 1,000 locations", () => {
  it("ends with exactly the newest state of every location, no field change lost", async () => {
    // A window far longer than the lag: the eMSP stays a recipient throughout.
    hub = await startHub({ env: { DELIVERY_WINDOW_MS: "600000", LOG_LEVEL: "warn" } });
    const { platform: cpo } = await hub.connect([cpoRole], {
      name: "CPO",
      modules: [{ identifier: "hubclientinfo", role: "RECEIVER" }],
    });
    const { platform: emsp, id: emspId } = await hub.connect([emspRole], {
      name: "lagging eMSP",
      modules: [
        { identifier: "locations", role: "RECEIVER" },
        { identifier: "hubclientinfo", role: "RECEIVER" },
      ],
    });

    /** What the eMSP has applied, by location id. */
    const applied = new Map<string, Location>();
    const wrong: string[] = [];
    let down = false;
    let refused = 0;
    emsp.on((r: ModuleRequest) => {
      if (r.module !== "locations") return undefined;
      if (down) {
        refused++;
        return { status: 503 };
      }
      const segments = r.tail.split("/").filter(Boolean);
      const [cc, pid] = segments;
      if (cc !== "NL" || pid !== "CPO") wrong.push(`${r.method} ${r.tail}: not of NL/CPO`);
      const problem = apply(applied, r.method, segments.slice(2), r.body);
      if (problem !== undefined) wrong.push(problem);
      return undefined;
    });

    const push = async (method: string, path: string, body: unknown): Promise<HubAnswer> => {
      const res = await cpo.hubRoute(method, `${hub.url}/ocpi/2.2.1/locations/receiver/${path}`, {
        to: HUB,
        body,
      });
      expect(res.body?.status_code, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(1000);
      return res;
    };

    // The CPO's intended state, kept as it sends.
    const intended = new Map<string, Location>();
    for (let n = 0; n < LOCATIONS; n++) intended.set(idOf(n), locationOf("NL/CPO", idOf(n)));
    await bounded(LOCATIONS, CONCURRENCY, (n) =>
      push("PUT", `NL/CPO/${idOf(n)}`, intended.get(idOf(n))).then(() => {}),
    );
    await hub.settled(60_000);
    expect(applied.size).toBe(LOCATIONS);

    // The eMSP fails; the CPO sends every PATCH, one location's patches one after the other.
    down = true;
    const base = Date.parse("2020-01-01T00:00:00Z");
    const previous = new Map<number, Promise<void>>();
    await bounded(PATCHES, CONCURRENCY, async (i) => {
      const n = i % LOCATIONS;
      const k = Math.floor(i / LOCATIONS);
      const change = changeOf(n, k);
      const body = {
        ...change.fields,
        last_updated: new Date(base + i * 1000).toISOString().replace(".000Z", "Z"),
      };
      const sent = (previous.get(n) ?? Promise.resolve()).then(async () => {
        const path = `NL/CPO/${idOf(n)}${change.evse === undefined ? "" : `/${change.evse}`}`;
        await push("PATCH", path, body);
        apply(intended, "PATCH", [idOf(n), ...(change.evse ? [change.evse] : [])], body);
      });
      previous.set(n, sent);
      await sent;
    });
    expect(refused, "deliveries the eMSP refused while down").toBeGreaterThan(0);
    const behind = await deliveryRow(hub, emspId);
    expect(behind.status).toBe("CONNECTED");
    // Waiting in the queue, or taken by the worker and not settled (merged, waiting to be retried).
    expect(behind.pending + behind.in_flight, "the hub's backlog for the eMSP").toBeGreaterThan(0);

    // It recovers; the hub works off the backlog.
    down = false;
    await hub.settled(120_000);
    const row = await deliveryRow(hub, emspId);
    expect(row).toMatchObject({ status: "CONNECTED", pending: 0, in_flight: 0, dropped: 0 });
    expect(wrong).toEqual([]);

    const lost: string[] = [];
    let objectsLosing = 0;
    for (const [id, want] of intended) {
      const diff = differences(applied.get(id), want);
      if (diff.length > 0) objectsLosing++;
      for (const d of diff) if (lost.length < 30) lost.push(`${id} ${d}`);
    }
    expect({ objectsLosing, lost }).toEqual({ objectsLosing: 0, lost: [] });

    // The hub's own copy is that newest state too.
    const copies: string[] = [];
    await bounded(LOCATIONS, CONCURRENCY, async (n) => {
      const res = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/sender/${idOf(n)}`, {
        to: HUB,
      });
      const diff = differences(res.body?.data, intended.get(idOf(n)) as Location);
      for (const d of diff) if (copies.length < 30) copies.push(`${idOf(n)} ${d}`);
    });
    expect(copies).toEqual([]);
  }, 600_000);
});
