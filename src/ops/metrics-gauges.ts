import { Gauge } from "prom-client";
import { PLATFORM_STATUSES } from "../db/schema/index.js";
import type { Backlog } from "../delivery/queue.js";
import type { Deps } from "../deps.js";
import { checkHealth, within } from "./health.js";

/** Recipients' queues asked at once while a scrape collects the backlog. */
const BACKLOG_CONCURRENCY = 16;
/** A recipient's queue that does not answer within this long is left out of the scrape. */
const BACKLOG_TIMEOUT_MS = 2_000;
/** Past this long into a scrape no further recipient is asked: a scrape stays within Prometheus' 10 s. */
const BACKLOG_BUDGET_MS = 5_000;

interface RecipientBacklog {
  platform: string;
  waiting: number;
  /** Seconds since the oldest undelivered push was accepted; 0 when nothing waits. */
  oldestSeconds: number;
}

/**
 * The gauges computed when /metrics is scraped, on the hub's registry:
 * platforms by status, each recipient's delivery backlog and the age of its
 * oldest waiting push, cached objects, and the health /readyz reports.
 * Several gauges of one scrape share one look at the queues and one ping.
 */
export function registerHubGauges(
  deps: Pick<Deps, "metrics" | "registry" | "queue" | "cache" | "db" | "bus">,
): void {
  const registers = [deps.metrics.registry];
  const backlogs = sharedPerScrape(() => recipientBacklogs(deps));
  const health = sharedPerScrape(() => checkHealth(deps));

  new Gauge({
    name: "ocpi_hub_platforms",
    help: "Platforms in the registry, by status.",
    labelNames: ["status"] as const,
    registers,
    collect() {
      const platforms = deps.registry.list();
      for (const status of PLATFORM_STATUSES) {
        this.labels(status).set(platforms.filter((p) => p.status === status).length);
      }
    },
  });
  new Gauge({
    name: "ocpi_hub_delivery_backlog",
    help: "Pushes waiting for the recipient platform: pending and in flight.",
    labelNames: ["platform"] as const,
    registers,
    async collect() {
      const list = await backlogs();
      this.reset();
      for (const b of list) this.labels(b.platform).set(b.waiting);
    },
  });
  new Gauge({
    name: "ocpi_hub_delivery_oldest_pending_seconds",
    help: "Age of the oldest push not yet delivered to the recipient platform; 0 when none waits.",
    labelNames: ["platform"] as const,
    registers,
    async collect() {
      const list = await backlogs();
      this.reset();
      for (const b of list) this.labels(b.platform).set(b.oldestSeconds);
    },
  });
  new Gauge({
    name: "ocpi_hub_cache_objects",
    help: "Objects in the hub's cache, by module.",
    labelNames: ["module"] as const,
    registers,
    async collect() {
      const counts = await within<{ locations: number; tariffs: number } | undefined>(
        BACKLOG_TIMEOUT_MS,
        deps.cache.counts(),
        undefined,
      ).catch(() => undefined);
      if (counts === undefined) return;
      this.labels("locations").set(counts.locations);
      this.labels("tariffs").set(counts.tariffs);
    },
  });
  new Gauge({
    name: "ocpi_hub_dependency_up",
    help: "1 when the dependency answers a ping within 2 s, else 0: database, and nats when NATS_URL is set.",
    labelNames: ["dependency"] as const,
    registers,
    async collect() {
      const h = await health();
      this.labels("database").set(h.database ? 1 : 0);
      if (h.nats !== null) this.labels("nats").set(h.nats ? 1 : 0);
    },
  });
  new Gauge({
    name: "ocpi_hub_ready",
    help: "1 when /readyz answers ready (the database, and NATS when used, answer), else 0.",
    registers,
    async collect() {
      const h = await health();
      this.set(h.database && h.nats !== false ? 1 : 0);
    },
  });
}

/** One run of `work` for the gauges of one scrape: callers while it runs share it. */
function sharedPerScrape<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    if (running === undefined) {
      running = work().finally(() => {
        running = undefined;
      });
    }
    return running;
  };
}

/**
 * Every platform's queue, a few at a time; one that fails or is slow is
 * left out, and so are those not yet asked when the scrape's budget is spent.
 */
async function recipientBacklogs(
  deps: Pick<Deps, "registry" | "queue">,
): Promise<RecipientBacklog[]> {
  const ids = deps.registry.list().map((p) => p.id);
  const out: RecipientBacklog[] = [];
  const now = Date.now();
  const until = now + BACKLOG_BUDGET_MS;
  let next = 0;
  async function worker(): Promise<void> {
    while (next < ids.length && Date.now() < until) {
      const platform = ids[next++] as string;
      const b = await within<Backlog | undefined>(
        BACKLOG_TIMEOUT_MS,
        deps.queue.backlog(platform, { oldest: true }),
        undefined,
      ).catch(() => undefined);
      if (b === undefined) continue;
      const oldest = b.oldestAcceptedAt;
      out.push({
        platform,
        waiting: b.pending + b.inFlight,
        oldestSeconds: oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000),
      });
    }
  }
  await Promise.all(Array.from({ length: Math.min(BACKLOG_CONCURRENCY, ids.length) }, worker));
  return out;
}
