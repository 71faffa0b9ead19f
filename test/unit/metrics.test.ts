import { describe, expect, it } from "vitest";
import { createMemoryQueue } from "../../src/delivery/memory-queue.js";
import type { Delivery } from "../../src/delivery/queue.js";
import { moduleOfRoute, outcomeOfStatus } from "../../src/metrics/labels.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { parseExposition, samplesOf } from "../support/prometheus-text.js";

describe("createMetrics", () => {
  it("keeps a registry per instance: what one counts, the other does not", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.observeForward("GET", "answered");
    a.observeForward("GET", "answered");
    const [forwards] = (await a.registry.getMetricsAsJSON()).filter(
      (m) => m.name === "ocpi_hub_forwards_total",
    );
    expect(forwards?.values).toEqual([
      { labels: { method: "GET", outcome: "answered" }, value: 2 },
    ]);
    const other = await b.registry.getSingleMetricAsString("ocpi_hub_forwards_total");
    expect(other).not.toContain("answered");
  });

  it("times requests by module, method and status class, and counts them by route and status", async () => {
    const m = createMetrics();
    m.observeRequest(
      { method: "GET", route: "/ocpi/2.2.1/locations/sender/*", status: 200 },
      0.002,
    );
    m.observeRequest({ method: "GET", route: "/ocpi/2.2.1/locations/sender/*", status: 200 }, 0.3);
    m.observeRequest({ method: "POST", route: "/admin/platforms", status: 400 }, 0.001);
    const text = await m.registry.getSingleMetricAsString("ocpi_hub_http_request_duration_seconds");
    const e = parseExposition(text);
    const loc = { module: "locations", method: "GET", outcome: "2xx" };
    expect(samplesOf(e, "ocpi_hub_http_request_duration_seconds_count", loc)[0]?.value).toBe(2);
    expect(samplesOf(e, "ocpi_hub_http_request_duration_seconds_sum", loc)[0]?.value).toBeCloseTo(
      0.302,
    );
    expect(
      samplesOf(e, "ocpi_hub_http_request_duration_seconds_bucket", { ...loc, le: "0.0025" })[0]
        ?.value,
    ).toBe(1);
    const admin = { module: "admin", method: "POST", outcome: "4xx" };
    expect(samplesOf(e, "ocpi_hub_http_request_duration_seconds_count", admin)[0]?.value).toBe(1);
    const counted = await m.registry.getSingleMetricAsString("ocpi_hub_http_requests_total");
    expect(counted).toContain(
      'ocpi_hub_http_requests_total{method="GET",route="/ocpi/2.2.1/locations/sender/*",status="200"} 2',
    );
  });

  it("follows a cache sync: running while it runs, objects pulled so far by module", async () => {
    const m = createMetrics();
    m.syncStarted("P1");
    m.syncPulled("P1", "locations", 1000);
    m.syncPulled("P1", "locations", 250);
    const json = async (name: string) =>
      (await m.registry.getMetricsAsJSON()).find((x) => x.name === name)?.values;
    expect(await json("ocpi_hub_cache_sync_running")).toEqual([
      { labels: { platform: "P1" }, value: 1 },
    ]);
    expect(await json("ocpi_hub_cache_sync_objects")).toEqual([
      { labels: { platform: "P1", module: "locations" }, value: 1250 },
      { labels: { platform: "P1", module: "tariffs" }, value: 0 },
    ]);
    m.syncEnded("P1");
    expect(await json("ocpi_hub_cache_sync_running")).toEqual([
      { labels: { platform: "P1" }, value: 0 },
    ]);
  });

  it("exports the default process metrics, event-loop lag included", async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "nodejs_eventloop_lag_p99_seconds",
        "nodejs_heap_size_used_bytes",
      ]),
    );
  });
});

describe("metric labels", () => {
  it.each([
    ["/ocpi/versions", "versions"],
    ["/ocpi/2.2.1", "versions"],
    ["/ocpi/2.2.1/credentials", "credentials"],
    ["/ocpi/2.2.1/tokens/receiver/*", "tokens"],
    ["/ocpi/*", "ocpi"],
    ["/admin/platforms/:id/sync", "admin"],
    ["/console", "console"],
    ["/metrics", "ops"],
    ["/readyz", "ops"],
    ["/*", "other"],
  ])("route %s is module %s", (route, module) => {
    expect(moduleOfRoute(route)).toBe(module);
  });

  it("gives the status class as outcome", () => {
    expect(["200", "204", "404", "503", "99", ""].map(outcomeOfStatus)).toEqual([
      "2xx",
      "2xx",
      "4xx",
      "5xx",
      "other",
      "other",
    ]);
  });
});

describe("memory queue backlog with the oldest push", () => {
  const delivery = (key: string, acceptedAt: number): Delivery => ({
    recipient: "R1",
    module: "locations",
    key,
    method: "PUT",
    path: `/NL/CPO/${key}`,
    query: "",
    body: "{}",
    correlationId: "c",
    acceptedAt,
  });

  it("tells when the oldest waiting push was accepted, only when asked", async () => {
    const q = createMemoryQueue();
    expect(await q.backlog("R1", { oldest: true })).toEqual({ pending: 0, inFlight: 0 });
    await q.publish(delivery("A", 1_000));
    await q.publish(delivery("B", 2_000));
    expect(await q.backlog("R1")).toEqual({ pending: 2, inFlight: 0 });
    expect(await q.backlog("R1", { oldest: true })).toEqual({
      pending: 2,
      inFlight: 0,
      oldestAcceptedAt: 1_000,
    });
    // A newer update of A replaces it and goes to the back of the queue.
    await q.publish(delivery("A", 3_000));
    expect((await q.backlog("R1", { oldest: true })).oldestAcceptedAt).toBe(2_000);
    await q.close();
  });
});
