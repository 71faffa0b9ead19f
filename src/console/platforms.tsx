import type { AdminAnswer } from "./admin-calls.js";
import { Csrf, Notice, Page } from "./layout.js";
import type { ConsoleSession } from "./session.js";

// biome-ignore lint/suspicious/noExplicitAny: rows of the admin API's JSON
type Row = any;

/** What the console lets an operator do to a platform, with the question it asks first. */
export const PLATFORM_ACTIONS = {
  suspend: { label: "Suspend", question: "Stop all traffic to and from", method: "POST" },
  resume: { label: "Resume", question: "Restart traffic to and from", method: "POST" },
  sync: { label: "Sync", question: "Pull the locations and tariffs of", method: "POST" },
  resync: {
    label: "Resync",
    question: "Send the current copy of everything it may see to",
    method: "POST",
  },
  remove: { label: "Remove", question: "Unregister and remove", method: "DELETE" },
} as const;

export type PlatformAction = keyof typeof PLATFORM_ACTIONS;

const roleText = (p: Row) =>
  (p.roles as Row[]).map((r) => `${r.role} ${r.country_code}/${r.party_id}`).join(", ");

/** An error answer of the admin API as one line. */
export const errorText = (a: AdminAnswer) =>
  a.body?.error?.message ?? `the hub answered ${a.status}`;

export function PlatformsScreen(props: {
  session: ConsoleSession;
  platforms: Row[];
  deliveries: Row[];
  message?: { text: string; error?: boolean };
}) {
  const byId = new Map(props.deliveries.map((d: Row) => [d.platform_id, d]));
  return (
    <Page title="Platforms" session={props.session} screen="platforms">
      {props.message && <Notice error={props.message.error}>{props.message.text}</Notice>}
      <div class="table">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Roles</th>
              <th scope="col">Version</th>
              <th scope="col">Last delivery</th>
              <th scope="col">Backlog</th>
              <th scope="col">Failing since</th>
            </tr>
          </thead>
          <tbody>
            {props.platforms.map((p) => {
              const d = byId.get(p.id);
              return (
                <tr data-platform={p.id}>
                  <td>
                    <a href={`/console/platforms/${encodeURIComponent(p.id)}`}>{p.name}</a>
                  </td>
                  <td class={p.status === "CONNECTED" ? "ok" : p.status === "OFFLINE" ? "bad" : ""}>
                    {p.status}
                  </td>
                  <td>{roleText(p)}</td>
                  <td>{p.version ?? "–"}</td>
                  <td>{d?.last_success_at ?? "–"}</td>
                  <td>{d === undefined ? "–" : String(d.pending + d.in_flight)}</td>
                  <td>{d?.failing_since ?? "–"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h2>Invite a platform</h2>
      <form method="post" action="/console/platforms">
        <Csrf session={props.session} />
        <label for="invite-name">Name</label>
        <input id="invite-name" name="name" required maxlength={200} />
        <label for="invite-roles">Roles, one per line: role, country code, party id</label>
        <textarea id="invite-roles" name="roles" rows={3} required placeholder="CPO NL ABC" />
        <p>
          A platform on OCPI 2.1.1 is one party: give it one line, with the role CPO or EMSP. A
          platform that offers 2.2.1 as well connects over 2.2.1.
        </p>
        <div>
          <button type="submit">Invite</button>
        </div>
      </form>
    </Page>
  );
}

/** After an invitation: Token A, once, and what the platform does with it. */
export function InvitedScreen(props: { session: ConsoleSession; invited: Row }) {
  const { invited } = props;
  const tokenA = Buffer.from(invited.token_a as string).toString("base64");
  return (
    <Page title={`Invited ${invited.name}`} session={props.session} screen="platforms">
      <Notice>
        Token A is shown this once. Give it and the versions URL to the platform; it registers with
        a credentials POST, after which the hub forgets Token A.
      </Notice>
      <dl>
        <dt>Platform id</dt>
        <dd>
          <a href={`/console/platforms/${encodeURIComponent(invited.id)}`}>{invited.id}</a>
        </dd>
        <dt>Versions URL</dt>
        <dd>
          <code data-field="versions_url">{invited.versions_url}</code>
        </dd>
        <dt>Token A</dt>
        <dd>
          <code data-field="token_a">{invited.token_a}</code>
        </dd>
      </dl>
      <h2>The platform's first call</h2>
      <pre>{`curl -H 'Authorization: Token ${tokenA}' ${invited.versions_url}`}</pre>
      <p>On OCPI 2.1.1 the token goes as it is, not Base64-encoded:</p>
      <pre>{`curl -H 'Authorization: Token ${invited.token_a}' ${invited.versions_url}`}</pre>
    </Page>
  );
}

export function PlatformScreen(props: {
  session: ConsoleSession;
  platform: Row;
  partners: Row[] | undefined;
  delivery: Row | undefined;
  message?: { text: string; error?: boolean };
}) {
  const { platform: p, delivery: d } = props;
  const sync = p.sync;
  return (
    <Page title={p.name} session={props.session} screen="platforms">
      {props.message && <Notice error={props.message.error}>{props.message.text}</Notice>}
      <dl>
        <dt>Id</dt>
        <dd>{p.id}</dd>
        <dt>Status</dt>
        <dd data-field="status">{p.status}</dd>
        <dt>Roles</dt>
        <dd>{roleText(p)}</dd>
        <dt>Version</dt>
        <dd>{p.version ?? "–"}</dd>
        <dt>Registered</dt>
        <dd>{p.registered_at ?? "not yet"}</dd>
        <dt>Last error</dt>
        <dd>{p.last_error ?? "–"}</dd>
      </dl>
      {p.status === "PENDING" && (
        <>
          <h2>Register with the platform</h2>
          <p>
            The hub starts the credentials handshake itself, with the versions URL and the Token A
            the platform gave you.
          </p>
          <form method="post" action={`/console/platforms/${encodeURIComponent(p.id)}/register`}>
            <Csrf session={props.session} />
            <label for="register-url">Versions URL</label>
            <input id="register-url" name="versions_url" type="url" required />
            <label for="register-token">Token A of the platform</label>
            <input id="register-token" name="token" type="password" required />
            <div>
              <button type="submit">Register</button>
            </div>
          </form>
        </>
      )}
      <h2>Actions</h2>
      {(Object.keys(PLATFORM_ACTIONS) as PlatformAction[]).map((action) => (
        <form
          class="inline"
          method="get"
          action={`/console/platforms/${encodeURIComponent(p.id)}/${action}`}
        >
          <button type="submit" class={action === "remove" ? "danger" : "secondary"}>
            {PLATFORM_ACTIONS[action].label}
          </button>
        </form>
      ))}
      <h2>Deliveries to it</h2>
      {d === undefined ? (
        <p>None recorded.</p>
      ) : (
        <dl>
          <dt>Pending</dt>
          <dd>{d.pending}</dd>
          <dt>In flight</dt>
          <dd>{d.in_flight}</dd>
          <dt>Delivered</dt>
          <dd>{d.delivered}</dd>
          <dt>Dropped</dt>
          <dd>{d.dropped}</dd>
          <dt>Last error</dt>
          <dd>{d.last_error ?? "–"}</dd>
        </dl>
      )}
      <h2>Sync</h2>
      {sync === null || sync === undefined ? (
        <p>Never synced.</p>
      ) : (
        <div>
          <p>
            {sync.status} ({sync.trigger}), started {sync.started_at}
            {sync.finished_at ? `, finished ${sync.finished_at}` : ""}: {sync.locations} locations,{" "}
            {sync.tariffs} tariffs in {sync.pages} pages.
          </p>
          {sync.status === "RUNNING" && (
            <progress
              aria-label="Sync progress"
              max={Math.max(sync.pages + 1, 1)}
              value={sync.pages}
            />
          )}
        </div>
      )}
      <h2>Endpoints</h2>
      <div class="table">
        <table>
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">Role</th>
              <th scope="col">URL</th>
            </tr>
          </thead>
          <tbody>
            {(p.endpoints as Row[]).map((e) => (
              <tr>
                <td>{e.identifier}</td>
                <td>{e.role}</td>
                <td>{e.url}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.partners !== undefined && (
        <>
          <h2>Roaming agreements in force</h2>
          {props.partners.length === 0 ? (
            <p>None.</p>
          ) : (
            <ul>
              {props.partners.map((a) => (
                <li>
                  {a.own.country_code}/{a.own.party_id} with {a.party.role} {a.party.country_code}/
                  {a.party.party_id}: {(a.modules as string[]).join(", ")}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <p>
        <a href={`/console/messages?platform=${encodeURIComponent(p.id)}`}>Its recent messages</a>
      </p>
    </Page>
  );
}

export function ConfirmScreen(props: {
  session: ConsoleSession;
  platform: Row;
  action: PlatformAction;
}) {
  const { platform: p, action } = props;
  return (
    <Page
      title={`${PLATFORM_ACTIONS[action].label} ${p.name}?`}
      session={props.session}
      screen="platforms"
    >
      <p>
        {PLATFORM_ACTIONS[action].question} {p.name} ({p.id})?
      </p>
      <form method="post" action={`/console/platforms/${encodeURIComponent(p.id)}/${action}`}>
        <Csrf session={props.session} />
        <button type="submit" class={action === "remove" ? "danger" : ""}>
          {`Yes, ${PLATFORM_ACTIONS[action].label.toLowerCase()}`}
        </button>
        <a href={`/console/platforms/${encodeURIComponent(p.id)}`}>Cancel</a>
      </form>
    </Page>
  );
}

/** Reads "CPO NL ABC" lines into invitation roles. */
export function parseRoles(
  text: string,
): { role: string; country_code: string; party_id: string }[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => {
      const [role = "", country_code = "", party_id = ""] = l.split(/[\s,/]+/);
      return { role: role.toUpperCase(), country_code, party_id };
    });
}
