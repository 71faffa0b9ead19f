import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { moduleOfRoute, outcomeOfStatus } from "./labels.js";
import { createPerMinute, type PerMinute } from "./per-minute.js";

/**
 * The hub's Prometheus metrics on a prom-client registry of its own (one per
 * hub instance, never the library's global one: several hubs share a test
 * process). Label sets stay small: route patterns, modules, methods,
 * outcomes and platform ids, never paths or object ids. Labelled children
 * are resolved once and kept, so a request costs a map lookup and the
 * increments.
 */
export interface Metrics {
  /** The registry /metrics writes (registry.metrics()); scrape-time gauges register on it too. */
  readonly registry: Registry;
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  observeOcpiStatus(statusCode: number): void;
  /** One forwarded request and what came of it: answered, or why not. */
  observeForward(method: string, outcome: string): void;
  /** How long the receiving platform took to answer a forwarded request (or to fail). */
  observeForwardDuration(platformId: string, seconds: number): void;
  /** One delivery attempt of a queued push and its outcome (delivered, failed, rejected, dropped …). */
  observeDelivery(module: string, outcome: string): void;
  /**
   * One request refused by a limit: body-size, auth-lockout,
   * platform-rate, platform-concurrency.
   */
  observeLimit(limit: string): void;
  /**
   * One field an OCPI 2.1.1 ⇄ 2.2.1 translation could not carry, by module
   * and field path without list indices (`evses[].capabilities[]`).
   */
  observeTranslationLoss(module: string, field: string): void;
  /** A cache sync of the platform started on this instance. */
  syncStarted(platformId: string): void;
  /** A page of the running sync was written: `count` objects of the module. */
  syncPulled(platformId: string, module: string, count: number): void;
  /** The platform's sync ended, whichever way. */
  syncEnded(platformId: string): void;
  /** Delivery attempts per minute this instance counted and has not written yet (the console's chart). */
  readonly deliveriesPerMinute: PerMinute;
}

/** Metrics.observeTranslationLoss: the counter, its field label without list indices. */
function translationLosses(registry: Registry): Metrics["observeTranslationLoss"] {
  const losses = new Counter({
    name: "ocpi_hub_translation_losses_total",
    help: "Fields an OCPI 2.1.1 <-> 2.2.1 translation could not carry, by module and field.",
    labelNames: ["module", "field"] as const,
    registers: [registry],
  });
  return (module, field) => losses.labels(module, field.replace(/\[\d+\]/g, "[]")).inc();
}

/** Request latency buckets (seconds): a local answer takes well under a millisecond. */
const REQUEST_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];
/** A platform's answer: network and its own work, up to FORWARD_TIMEOUT_MS. */
const FORWARD_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** One request sample's children: the counter by route and status, the histogram by module. */
interface RequestChildren {
  count: Counter.Internal;
  duration: Histogram.Internal<string>;
}

/** The children of a metric by a cheap key, made on first use. */
function childCache<T>(make: (...values: string[]) => T) {
  const children = new Map<string, T>();
  return (key: string, ...values: string[]): T => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(...values);
      children.set(key, child);
    }
    return child;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const deliveriesPerMinute = createPerMinute();

  const requests = new Counter({
    name: "ocpi_hub_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and HTTP status.",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: "ocpi_hub_http_request_duration_seconds",
    help: "Time spent answering HTTP requests, by module (OCPI module, admin, ops, console, versions), method and outcome (HTTP status class).",
    labelNames: ["module", "method", "outcome"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const ocpiErrors = new Counter({
    name: "ocpi_hub_ocpi_errors_total",
    help: "OCPI answers the hub produced itself with a status_code other than 1000.",
    labelNames: ["status_code"] as const,
    registers,
  });
  const forwards = new Counter({
    name: "ocpi_hub_forwards_total",
    help: "Requests forwarded to a receiving platform, by method and outcome.",
    labelNames: ["method", "outcome"] as const,
    registers,
  });
  const forwardSeconds = new Histogram({
    name: "ocpi_hub_forward_duration_seconds",
    help: "Time a receiving platform took to answer a forwarded request (or to fail), by receiving platform id.",
    labelNames: ["platform"] as const,
    buckets: FORWARD_BUCKETS,
    registers,
  });
  const deliveries = new Counter({
    name: "ocpi_hub_deliveries_total",
    help: "Attempts to deliver queued pushes, by module and outcome.",
    labelNames: ["module", "outcome"] as const,
    registers,
  });
  const limits = new Counter({
    name: "ocpi_hub_limit_refusals_total",
    help: "Requests refused by a limit: body size, authentication lockout, a platform's rate or concurrency.",
    labelNames: ["limit"] as const,
    registers,
  });
  const syncRunning = new Gauge({
    name: "ocpi_hub_cache_sync_running",
    help: "1 while a cache sync of the platform runs on this instance, 0 after it ended.",
    labelNames: ["platform"] as const,
    registers,
  });
  const syncObjects = new Gauge({
    name: "ocpi_hub_cache_sync_objects",
    help: "Objects the platform's running (or last) cache sync on this instance has pulled so far, by module.",
    labelNames: ["platform", "module"] as const,
    registers,
  });

  const requestChildren = childCache(
    (method = "", route = "", status = ""): RequestChildren => ({
      count: requests.labels(method, route, status),
      duration: requestSeconds.labels(moduleOfRoute(route), method, outcomeOfStatus(status)),
    }),
  );
  const ocpiError = childCache((code = "") => ocpiErrors.labels(code));
  const forward = childCache((method = "", outcome = "") => forwards.labels(method, outcome));
  const forwardTime = childCache((platform = "") => forwardSeconds.labels(platform));
  const delivery = childCache((module = "", outcome = "") => deliveries.labels(module, outcome));
  const limit = childCache((name = "") => limits.labels(name));

  return {
    deliveriesPerMinute,
    registry,
    observeRequest({ method, route, status }, seconds) {
      // A cheap key on the hot path; the children are made once per key.
      const code = String(status);
      const c = requestChildren(`${method} ${code} ${route}`, method, route, code);
      c.count.inc();
      c.duration.observe(seconds);
    },
    observeOcpiStatus(code) {
      const text = String(code);
      ocpiError(text, text).inc();
    },
    observeForward(method, outcome) {
      forward(`${method} ${outcome}`, method, outcome).inc();
    },
    observeForwardDuration(platformId, seconds) {
      forwardTime(platformId, platformId).observe(seconds);
    },
    observeDelivery(module, outcome) {
      delivery(`${module} ${outcome}`, module, outcome).inc();
      deliveriesPerMinute.record(outcome === "delivered");
    },
    observeLimit(name) {
      limit(name, name).inc();
    },
    observeTranslationLoss: translationLosses(registry),
    syncStarted(platformId) {
      syncRunning.labels(platformId).set(1);
      for (const module of ["locations", "tariffs"]) syncObjects.labels(platformId, module).set(0);
    },
    syncPulled(platformId, module, count) {
      syncObjects.labels(platformId, module).inc(count);
    },
    syncEnded(platformId) {
      syncRunning.labels(platformId).set(0);
    },
  };
}
