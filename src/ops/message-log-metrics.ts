import { Counter, Gauge } from "prom-client";
import type { Deps } from "../deps.js";

/**
 * The message log's own health on /metrics, read from its counts at scrape
 * time: entries waiting to be written, and entries written, dropped (the
 * buffer was full) and lost (a write failed) since the start.
 */
export function registerMessageLogMetrics(deps: Pick<Deps, "metrics" | "messages">): void {
  const registers = [deps.metrics.registry];
  new Gauge({
    name: "ocpi_hub_message_log_buffered",
    help: "Message log entries waiting to be written.",
    registers,
    collect() {
      this.set(deps.messages.stats().buffered);
    },
  });
  new Counter({
    name: "ocpi_hub_message_log_entries_total",
    help: "Message log entries by what became of them: written, dropped (buffer full) or lost (a write failed).",
    labelNames: ["outcome"] as const,
    registers,
    collect() {
      const s = deps.messages.stats();
      this.reset();
      this.labels("written").inc(s.written);
      this.labels("dropped").inc(s.dropped);
      this.labels("lost").inc(s.lost);
    },
  });
}
