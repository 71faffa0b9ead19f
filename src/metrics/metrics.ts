/**
 * The hub's Prometheus metrics, kept in memory and written in the text
 * exposition format. Label sets stay small: routes are patterns, never paths.
 */
export interface Metrics {
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  observeOcpiStatus(statusCode: number): void;
  /** One forwarded request and what came of it: answered, or why not. */
  observeForward(method: string, outcome: string): void;
  /** One delivery attempt of a queued push and its outcome (delivered, failed, rejected, dropped …). */
  observeDelivery(module: string, outcome: string): void;
  /**
   * One request refused by a limit: body-size, auth-lockout,
   * platform-rate, platform-concurrency.
   */
  observeLimit(limit: string): void;
  /** The exposition text, with gauges computed at scrape time. */
  render(gauges: Gauge[]): string;
}

export interface Gauge {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export function createMetrics(): Metrics {
  const requests = new Map<
    string,
    { labels: Record<string, string>; count: number; seconds: number }
  >();
  const ocpiCodes = new Map<number, number>();
  const forwards = new Map<string, { method: string; outcome: string; count: number }>();
  const deliveries = new Map<string, { module: string; outcome: string; count: number }>();
  const limits = new Map<string, number>();
  return {
    observeLimit(limit) {
      limits.set(limit, (limits.get(limit) ?? 0) + 1);
    },
    observeDelivery(module, outcome) {
      const key = `${module} ${outcome}`;
      const entry = deliveries.get(key);
      if (entry === undefined) deliveries.set(key, { module, outcome, count: 1 });
      else entry.count += 1;
    },
    observeForward(method, outcome) {
      const key = `${method} ${outcome}`;
      const entry = forwards.get(key);
      if (entry === undefined) forwards.set(key, { method, outcome, count: 1 });
      else entry.count += 1;
    },
    observeRequest({ method, route, status }, seconds) {
      // A cheap key on the hot path; escaping happens at scrape time.
      const key = `${method} ${status} ${route}`;
      let entry = requests.get(key);
      if (entry === undefined) {
        entry = { labels: { method, route, status: String(status) }, count: 0, seconds: 0 };
        requests.set(key, entry);
      }
      entry.count += 1;
      entry.seconds += seconds;
    },
    observeOcpiStatus(code) {
      ocpiCodes.set(code, (ocpiCodes.get(code) ?? 0) + 1);
    },
    render(gauges) {
      const lines: string[] = [
        "# HELP ocpi_hub_http_requests_total HTTP requests answered, by method, route pattern and HTTP status.",
        "# TYPE ocpi_hub_http_requests_total counter",
      ];
      for (const { labels, count } of requests.values()) {
        lines.push(`ocpi_hub_http_requests_total${labelText(labels)} ${count}`);
      }
      lines.push(
        "# HELP ocpi_hub_http_request_duration_seconds_total Time spent answering, by method, route pattern and HTTP status.",
        "# TYPE ocpi_hub_http_request_duration_seconds_total counter",
      );
      for (const { labels, seconds } of requests.values()) {
        lines.push(
          `ocpi_hub_http_request_duration_seconds_total${labelText(labels)} ${seconds.toFixed(6)}`,
        );
      }
      lines.push(
        "# HELP ocpi_hub_ocpi_errors_total OCPI answers the hub produced itself with a status_code other than 1000.",
        "# TYPE ocpi_hub_ocpi_errors_total counter",
      );
      for (const [code, count] of ocpiCodes)
        lines.push(`ocpi_hub_ocpi_errors_total{status_code="${code}"} ${count}`);
      lines.push(
        "# HELP ocpi_hub_forwards_total Requests forwarded to a receiving platform, by method and outcome.",
        "# TYPE ocpi_hub_forwards_total counter",
      );
      for (const { method, outcome, count } of forwards.values())
        lines.push(`ocpi_hub_forwards_total${labelText({ method, outcome })} ${count}`);
      lines.push(
        "# HELP ocpi_hub_deliveries_total Attempts to deliver queued pushes, by module and outcome.",
        "# TYPE ocpi_hub_deliveries_total counter",
      );
      for (const { module, outcome, count } of deliveries.values())
        lines.push(`ocpi_hub_deliveries_total${labelText({ module, outcome })} ${count}`);
      lines.push(
        "# HELP ocpi_hub_limit_refusals_total Requests refused by a limit: body size, authentication lockout, a platform's rate or concurrency.",
        "# TYPE ocpi_hub_limit_refusals_total counter",
      );
      for (const [limit, count] of limits)
        lines.push(`ocpi_hub_limit_refusals_total${labelText({ limit })} ${count}`);
      for (const gauge of gauges) {
        lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
        for (const s of gauge.samples) lines.push(`${gauge.name}${labelText(s.labels)} ${s.value}`);
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
