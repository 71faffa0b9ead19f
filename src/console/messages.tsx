import { OlderLink, Page } from "./layout.js";
import type { ConsoleSession } from "./session.js";

// biome-ignore lint/suspicious/noExplicitAny: rows of the admin API's JSON
type Row = any;

/** The message log's filters, as the search form and GET /admin/messages name them. */
export const MESSAGE_FILTERS = [
  ["correlation_id", "Correlation id"],
  ["request_id", "Request id"],
  ["platform", "Platform id"],
  ["party", "Party (CC/PID)"],
  ["module", "Module"],
  ["object_id", "Object id"],
  ["status_code", "OCPI status code"],
  ["since", "Since (date-time)"],
  ["until", "Until (date-time)"],
] as const;

const party = (p: Row) =>
  p?.country_code ? `${p.country_code}/${p.party_id}` : (p?.platform_id ?? "–");

const statusClass = (outcome: string | null) => (outcome === "success" ? "ok" : "bad");

export function MessagesScreen(props: {
  session: ConsoleSession;
  filter: Record<string, string>;
  rows: Row[];
  next: string | null;
  error?: string;
}) {
  return (
    <Page title="Messages" session={props.session} screen="messages">
      <form method="get" action="/console/messages">
        {MESSAGE_FILTERS.map(([name, label]) => (
          <>
            <label for={`filter-${name}`}>{label}</label>
            <input id={`filter-${name}`} name={name} value={props.filter[name] ?? ""} />
          </>
        ))}
        <div>
          <button type="submit">Search</button>
        </div>
      </form>
      {props.error !== undefined && (
        <p class="notice error" role="alert">
          {props.error}
        </p>
      )}
      <div class="table">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Request</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Module</th>
              <th scope="col">Object</th>
              <th scope="col">Answer</th>
              <th scope="col">ms</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((m) => (
              <tr>
                <td>{m.at}</td>
                <td>
                  <a href={`/console/messages/${encodeURIComponent(m.request_id)}`}>
                    {m.method} {m.request_id}
                  </a>
                </td>
                <td>{party(m.from)}</td>
                <td>{party(m.to)}</td>
                <td>
                  {m.module} {m.interface ?? ""}
                </td>
                <td>{m.object_id ?? "–"}</td>
                <td class={statusClass(m.outcome)}>
                  {m.http_status ?? "–"} / {m.status_code ?? "–"} {m.outcome}
                </td>
                <td>{m.latency_ms ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <OlderLink path="/console/messages" filter={props.filter} next={props.next}>
        Older messages
      </OlderLink>
    </Page>
  );
}

/** One message and its legs on a timeline: each attempt's offset from the message's arrival. */
export function MessageScreen(props: { session: ConsoleSession; message: Row }) {
  const m = props.message;
  const start = Date.parse(m.at);
  const legs = (m.legs ?? []) as Row[];
  return (
    <Page
      title={`${m.method} ${m.module}: ${m.request_id}`}
      session={props.session}
      screen="messages"
    >
      <dl>
        <dt>Correlation id</dt>
        <dd data-field="correlation_id">{m.correlation_id}</dd>
        <dt>Received</dt>
        <dd>{m.at}</dd>
        <dt>From</dt>
        <dd>
          {party(m.from)} {m.from?.platform_id ? `(platform ${m.from.platform_id})` : ""}
        </dd>
        <dt>To</dt>
        <dd>
          {party(m.to)} {m.to?.platform_id ? `(platform ${m.to.platform_id})` : ""}
        </dd>
        <dt>Path</dt>
        <dd>{m.path ?? "–"}</dd>
        <dt>Answer to the sender</dt>
        <dd class={statusClass(m.outcome)}>
          HTTP {m.http_status ?? "–"}, status_code {m.status_code ?? "–"}, {m.outcome},{" "}
          {m.latency_ms ?? "–"} ms
        </dd>
      </dl>
      <h2>Legs ({legs.length})</h2>
      {legs.length === 0 ? (
        <p>The hub passed this message on to no one.</p>
      ) : (
        <ol class="timeline" aria-label="Legs in time order">
          {legs.map((l) => (
            <li data-leg={l.request_id}>
              <strong>+{Math.max(0, Date.parse(l.at) - start)} ms</strong> {l.method} to{" "}
              {party(l.to)} {l.to?.platform_id ? `(platform ${l.to.platform_id})` : ""}:{" "}
              <span class={statusClass(l.outcome)}>
                HTTP {l.http_status ?? "–"}, status_code {l.status_code ?? "–"}, {l.outcome}
              </span>
              , {l.latency_ms ?? "–"} ms, request id <code>{l.request_id}</code>
            </li>
          ))}
        </ol>
      )}
      {m.request_body !== undefined && (
        <>
          <h2>Request body</h2>
          <pre>{m.request_body}</pre>
        </>
      )}
      {m.response_body !== undefined && (
        <>
          <h2>Answer body</h2>
          <pre>{m.response_body}</pre>
        </>
      )}
    </Page>
  );
}
