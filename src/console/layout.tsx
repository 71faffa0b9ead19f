import type { Child } from "hono/jsx";
import type { ConsoleSession } from "./session.js";

/** The console's whole style sheet: served with each page, nothing fetched from elsewhere. */
const STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4d5560; --line: #c9ced6; --accent: #0b5cad; --bad: #a4161a; --ok: #1a6b34; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #f6f7f9; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header strong { font-size: 1.1rem; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav a { color: var(--accent); text-decoration: none; padding: .25rem 0; }
nav a[aria-current="page"] { font-weight: 700; border-bottom: 2px solid var(--accent); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.table { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef0f3; font-weight: 600; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, textarea:focus, select:focus { outline: 3px solid #f2a900; outline-offset: 2px; }
form.inline { display: inline; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
input, textarea, select { font: inherit; padding: .4rem; border: 1px solid var(--muted); border-radius: 3px; width: 100%; max-width: 32rem; }
button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--accent); border-radius: 3px; background: var(--accent); color: #fff; cursor: pointer; margin: .25rem .25rem .25rem 0; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
.notice { padding: .6rem .8rem; border-radius: 4px; margin: .5rem 0 1rem; background: #e7f0fa; border: 1px solid var(--accent); }
.error { background: #fbe9ea; border-color: var(--bad); color: var(--bad); }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
code, pre { font-family: ui-monospace, monospace; font-size: .9rem; background: #eef0f3; padding: .1rem .3rem; border-radius: 3px; }
pre { padding: .6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
ol.timeline { list-style: none; padding-left: 1rem; border-left: 3px solid var(--line); }
ol.timeline li { margin: 0 0 .6rem; padding-left: .5rem; }
@media (max-width: 40rem) { main { padding: .5rem; } th, td { padding: .3rem; font-size: .9rem; } }
`;

export const SCREENS = [
  ["platforms", "Platforms", "/console"],
  ["messages", "Messages", "/console/messages"],
  ["deliveries", "Deliveries", "/console/deliveries"],
  ["audit", "Audit", "/console/audit"],
  ["api", "API", "/console/api"],
] as const;

export type Screen = (typeof SCREENS)[number][0];

/** A console page: header with the screens and the logged-in operator, then `children`. */
export function Page(props: {
  title: string;
  session?: ConsoleSession;
  screen?: Screen;
  children: Child;
}) {
  const { session } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <title>{`${props.title} · ocpi-hub console`}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <header>
          <strong>ocpi-hub</strong>
          {session !== undefined && (
            <nav aria-label="Screens">
              {SCREENS.map(([id, label, href]) => (
                <a href={href} aria-current={props.screen === id ? "page" : undefined}>
                  {label}
                </a>
              ))}
            </nav>
          )}
          {session !== undefined && (
            <form class="inline" method="post" action="/console/logout">
              <input type="hidden" name="csrf" value={session.csrf} />
              <span>{session.identity.name} </span>
              <button type="submit" class="secondary">
                Log out
              </button>
            </form>
          )}
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The hidden field every form of a session carries. */
export const Csrf = (props: { session: ConsoleSession }) => (
  <input type="hidden" name="csrf" value={props.session.csrf} />
);

export const Notice = (props: { error?: boolean; children: Child }) => (
  <div
    class={props.error === true ? "notice error" : "notice"}
    role={props.error ? "alert" : "status"}
  >
    {props.children}
  </div>
);

/** The link to a search's next (older) page, when there is one. */
export function OlderLink(props: {
  path: string;
  filter: Record<string, string>;
  next: string | null;
  children: Child;
}) {
  if (props.next === null) return null;
  const query = new URLSearchParams(props.filter);
  query.set("cursor", props.next);
  return (
    <p>
      <a href={`${props.path}?${query.toString()}`}>{props.children}</a>
    </p>
  );
}
