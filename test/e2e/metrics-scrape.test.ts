import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import { eventually } from "../support/fake-platform.js";
import type { Party } from "../support/parties.js";
import {
  type Exposition,
  exportedNames,
  parseExposition,
  samplesOf,
} from "../support/prometheus-text.js";
import { startHub, type TestHub, usingNats } from "../support/test-hub.js";

const cpoRole: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole: Party = { role: "EMSP", country_code: "DE", party_id: "EMS" };

let hub: TestHub;
afterEach(async () => hub?.close());

async function scrape(): Promise<Exposition> {
  const res = await fetch(`${hub.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parseExposition(await res.text());
}

/** The one sample of a name and labels. */
function sampleValue(e: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = samplesOf(e, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0]?.value as number;
}

/** The metric names a PromQL expression reads (the hub's, Node's and the process's). */
const namesIn = (expr: string) => expr.match(/\b(?:ocpi_hub|nodejs|process)_[a-zA-Z0-9_:]*/g) ?? [];

describe("GET /metrics after traffic", () => {
  it("exports valid text with the request, forward, delivery, backlog, health and process series, and the Grafana dashboard reads only those", async () => {
    hub = await startHub();
    const cpo = await hub.connect([cpoRole], {
      modules: [{ identifier: "sessions", role: "SENDER" }],
      name: "CPO",
    });
    const emsp = await hub.connect([emspRole], {
      modules: [{ identifier: "locations", role: "RECEIVER" }],
      name: "EMSP",
    });
    // The eMSP holds the delivery until the scrape has seen it waiting.
    let hold = true;
    emsp.platform.on(async () => {
      await eventually(() => !hold, 30_000);
      return undefined;
    });

    const pushed = await cpo.platform.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`,
      { to: "NL/HUB", body: locationOf("NL/CPO", "LOC1") },
    );
    expect(pushed.body.status_code).toBe(1000);
    const forwarded = await emsp.platform.hubRoute(
      "GET",
      `${hub.url}/ocpi/2.2.1/sessions/sender?date_from=2026-01-01T00:00:00Z&offset=0&limit=10`,
      { to: "NL/CPO" },
    );
    expect(forwarded.status, JSON.stringify(forwarded.body)).toBe(200);
    expect(forwarded.body.status_code, JSON.stringify(forwarded.body)).toBe(1000);
    expect(cpo.platform.moduleRequests("sessions", "SENDER")).toHaveLength(1);
    expect((await hub.admin("GET", "/deliveries")).status).toBe(200);
    await eventually(() => emsp.platform.moduleRequests("locations").length === 1, 15_000);

    // The CPO's cursor passes its own push, which is not for it, soon after it was written.
    const during: Exposition = await eventually(async () => {
      const text = await scrape();
      const passed = sampleValue(text, "ocpi_hub_delivery_backlog", { platform: cpo.id }) === 0;
      return passed ? text : undefined;
    }, 15_000);
    // Forwarded: one answered GET, timed under the receiver's platform id.
    expect(
      sampleValue(during, "ocpi_hub_forwards_total", { method: "GET", outcome: "answered" }),
    ).toBe(1);
    const fwd = { platform: cpo.id };
    expect(sampleValue(during, "ocpi_hub_forward_duration_seconds_count", fwd)).toBe(1);
    expect(sampleValue(during, "ocpi_hub_forward_duration_seconds_sum", fwd)).toBeGreaterThan(0);
    expect(
      sampleValue(during, "ocpi_hub_forward_duration_seconds_bucket", { ...fwd, le: "+Inf" }),
    ).toBe(1);
    // Request latency by module, method and status class.
    const requests = (labels: Record<string, string>) =>
      sampleValue(during, "ocpi_hub_http_request_duration_seconds_count", labels);
    expect(requests({ module: "sessions", method: "GET", outcome: "2xx" })).toBe(1);
    expect(requests({ module: "locations", method: "PUT", outcome: "2xx" })).toBe(1);
    expect(requests({ module: "admin", method: "GET", outcome: "2xx" })).toBeGreaterThanOrEqual(1);
    for (const s of samplesOf(during, "ocpi_hub_http_request_duration_seconds_count")) {
      expect(Object.keys(s.labels).sort()).toEqual(["method", "module", "outcome"]);
      expect(s.labels.outcome).toMatch(/^[1-5]xx$/);
    }
    // The held delivery waits for the eMSP; nothing waits for the CPO.
    expect(sampleValue(during, "ocpi_hub_delivery_backlog", { platform: emsp.id })).toBe(1);
    expect(sampleValue(during, "ocpi_hub_delivery_backlog", { platform: cpo.id })).toBe(0);
    const age = sampleValue(during, "ocpi_hub_delivery_oldest_pending_seconds", {
      platform: emsp.id,
    });
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(3600);
    expect(
      sampleValue(during, "ocpi_hub_delivery_oldest_pending_seconds", { platform: cpo.id }),
    ).toBe(0);
    // Health as /readyz sees it, and the process's own series.
    expect(sampleValue(during, "ocpi_hub_dependency_up", { dependency: "database" })).toBe(1);
    expect(samplesOf(during, "ocpi_hub_dependency_up", { dependency: "nats" })).toHaveLength(
      usingNats ? 1 : 0,
    );
    if (usingNats)
      expect(sampleValue(during, "ocpi_hub_dependency_up", { dependency: "nats" })).toBe(1);
    expect(sampleValue(during, "ocpi_hub_ready")).toBe(1);
    expect(sampleValue(during, "ocpi_hub_platforms", { status: "CONNECTED" })).toBe(2);
    expect(sampleValue(during, "ocpi_hub_cache_objects", { module: "locations" })).toBe(1);
    expect(sampleValue(during, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(samplesOf(during, "nodejs_eventloop_lag_p99_seconds")).toHaveLength(1);
    for (const name of [
      "ocpi_hub_cache_sync_running",
      "ocpi_hub_cache_sync_objects",
      "ocpi_hub_limit_refusals_total",
    ]) {
      expect(during.families.get(name)?.help, name).not.toBe("");
    }

    hold = false;
    await hub.settled();
    await eventually(async () => {
      const after = await scrape();
      return (
        samplesOf(after, "ocpi_hub_deliveries_total", { module: "locations", outcome: "delivered" })
          .length === 1 &&
        sampleValue(after, "ocpi_hub_delivery_backlog", { platform: emsp.id }) === 0
      );
    }, 15_000);
    const after = await scrape();
    expect(
      sampleValue(after, "ocpi_hub_deliveries_total", {
        module: "locations",
        outcome: "delivered",
      }),
    ).toBe(1);
    expect(
      sampleValue(after, "ocpi_hub_delivery_oldest_pending_seconds", { platform: emsp.id }),
    ).toBe(0);

    // The message log's own counts: the traffic above was written, nothing dropped or lost.
    await eventually(async () => {
      const now = await scrape();
      return (
        (sampleValue(now, "ocpi_hub_message_log_entries_total", { outcome: "written" }) ?? 0) > 0
      );
    }, 10_000);
    for (const outcome of ["dropped", "lost"])
      expect(sampleValue(after, "ocpi_hub_message_log_entries_total", { outcome })).toBe(0);
    expect(after.families.get("ocpi_hub_message_log_buffered")?.type).toBe("gauge");

    // The dashboard reads only what the hub exports.
    const dashboard = JSON.parse(
      readFileSync(new URL("../../deploy/grafana/ocpi-hub.json", import.meta.url), "utf8"),
    );
    const exported = exportedNames(after);
    const exprs: string[] = [];
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) exprs.push(target.expr);
    }
    expect(exprs.length).toBeGreaterThan(8);
    for (const expr of exprs) {
      const names = namesIn(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name), `${name} in ${expr}`).toBe(true);
    }
  }, 90_000);

  it("follows a running cache sync: objects pulled so far per platform and module, then running 0", async () => {
    hub = await startHub();
    const locations = ["L1", "L2", "L3"].map((id) => locationOf("NL/CPO", id));
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fake = await hub.fake({
      roles: [cpoRole],
      modules: [{ identifier: "locations", role: "SENDER" }],
    });
    // Pages of two; the second waits until the scrape has seen the first.
    fake.on(async (req) => {
      if (req.method !== "GET" || req.module !== "locations" || req.tail !== "") return undefined;
      const offset = Number(req.query.get("offset") ?? "0");
      if (offset > 0) await held;
      const next = `${fake.endpointUrl("locations", "SENDER")}?offset=2&limit=2`;
      return {
        body: fake.envelope(locations.slice(offset, offset + 2)),
        headers: (offset === 0 ? { Link: `<${next}>; rel="next"` } : {}) as Record<string, string>,
      };
    });
    const invited = await hub.invite([cpoRole], "CPO");
    expect((await fake.register(invited.versions_url, invited.token_a)).body.status_code).toBe(
      1000,
    );
    const progress = { platform: invited.id, module: "locations" };
    const running = await eventually(async () => {
      const e = await scrape();
      const pulled = samplesOf(e, "ocpi_hub_cache_sync_objects", progress)[0]?.value;
      return pulled === 2 ? e : undefined;
    }, 15_000);
    expect(sampleValue(running, "ocpi_hub_cache_sync_running", { platform: invited.id })).toBe(1);
    release();
    const done = await eventually(async () => {
      const e = await scrape();
      return sampleValue(e, "ocpi_hub_cache_sync_running", { platform: invited.id }) === 0
        ? e
        : undefined;
    }, 15_000);
    expect(sampleValue(done, "ocpi_hub_cache_sync_objects", progress)).toBe(3);
    expect(sampleValue(done, "ocpi_hub_cache_objects", { module: "locations" })).toBe(3);
  }, 60_000);
});
