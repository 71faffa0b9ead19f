import type { MinuteCount } from "../metrics/per-minute.js";
import { OlderLink, Page } from "./layout.js";
import type { ConsoleSession } from "./session.js";

// biome-ignore lint/suspicious/noExplicitAny: rows of the admin API's JSON
type Row = any;

/** Deliveries per minute as bars: delivered below, the other attempts stacked on top. */
function PerMinuteChart(props: { series: MinuteCount[] }) {
  const width = 600;
  const height = 90;
  const bar = width / props.series.length;
  const max = Math.max(1, ...props.series.map((m) => m.delivered + m.other));
  const delivered = props.series.reduce((n, m) => n + m.delivered, 0);
  const other = props.series.reduce((n, m) => n + m.other, 0);
  const label = `Delivery attempts per minute, every instance's, the last ${props.series.length} minutes: ${delivered} delivered, ${other} not delivered`;
  return (
    <figure>
      <svg
        role="img"
        aria-label={label}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        style="max-width: 600px; background: #fff; border: 1px solid #c9ced6"
      >
        <title>{label}</title>
        {props.series.map((m, i) => {
          const ok = (m.delivered / max) * (height - 4);
          const bad = (m.other / max) * (height - 4);
          return (
            <g>
              <rect x={i * bar + 1} y={height - ok} width={bar - 2} height={ok} fill="#1a6b34" />
              <rect
                x={i * bar + 1}
                y={height - ok - bad}
                width={bar - 2}
                height={bad}
                fill="#a4161a"
              />
            </g>
          );
        })}
      </svg>
      <figcaption>
        Per minute, the last hour, every instance: <span data-field="delivered">{delivered}</span>{" "}
        delivered (green), <span data-field="other">{other}</span> not delivered (red).
      </figcaption>
    </figure>
  );
}

export function DeliveriesScreen(props: {
  session: ConsoleSession;
  durable: boolean;
  rows: Row[];
  perMinute: MinuteCount[];
}) {
  return (
    <Page title="Deliveries" session={props.session} screen="deliveries">
      <p>
        Pushes waiting for each recipient and what came of them (
        {props.durable ? "durable queue on NATS JetStream" : "in-process queue"}).
      </p>
      <PerMinuteChart series={props.perMinute} />
      <div class="table">
        <table>
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              <th scope="col">Status</th>
              <th scope="col">Pending</th>
              <th scope="col">In flight</th>
              <th scope="col">Retrying</th>
              <th scope="col">Delivered</th>
              <th scope="col">Dropped</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((d) => (
              <tr data-platform={d.platform_id}>
                <td>
                  <a href={`/console/platforms/${encodeURIComponent(d.platform_id)}`}>{d.name}</a>
                </td>
                <td>{d.status}</td>
                <td>{d.pending}</td>
                <td>{d.in_flight}</td>
                <td>{d.retrying}</td>
                <td>{d.delivered}</td>
                <td>{d.dropped}</td>
                <td>{d.last_error ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Page>
  );
}

export function AuditScreen(props: {
  session: ConsoleSession;
  rows: Row[];
  next: string | null;
  filter: Record<string, string>;
}) {
  return (
    <Page title="Audit" session={props.session} screen="audit">
      <form method="get" action="/console/audit">
        <label for="audit-action">Action</label>
        <input
          id="audit-action"
          name="action"
          value={props.filter.action ?? ""}
          placeholder="platform.suspend"
        />
        <label for="audit-target">Target</label>
        <input
          id="audit-target"
          name="target"
          value={props.filter.target ?? ""}
          placeholder="platform/…"
        />
        <div>
          <button type="submit">Filter</button>
        </div>
      </form>
      <div class="table">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">From</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((a) => (
              <tr>
                <td>{a.at}</td>
                <td>{a.actor}</td>
                <td>{a.address ?? "–"}</td>
                <td>{a.action}</td>
                <td>{a.target}</td>
                <td class={a.result === "ok" ? "ok" : "bad"}>{a.result}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <OlderLink path="/console/audit" filter={props.filter} next={props.next}>
        Older entries
      </OlderLink>
    </Page>
  );
}
