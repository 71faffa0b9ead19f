import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ADMIN_OPERATIONS } from "../admin/openapi.js";
import type { AppEnv } from "../app-env.js";
import { retryAfter } from "../ingress/guards.js";
import { clientAddress } from "../ingress/incoming.js";
import { type AdminCaller, createAdminCaller } from "./admin-calls.js";
import { ApiScreen } from "./api.js";
import { Notice, Page } from "./layout.js";
import { AuditScreen, DeliveriesScreen } from "./lists.js";
import { MESSAGE_FILTERS, MessageScreen, MessagesScreen } from "./messages.js";
import {
  ConfirmScreen,
  errorText,
  InvitedScreen,
  PLATFORM_ACTIONS,
  type PlatformAction,
  PlatformScreen,
  PlatformsScreen,
  parseRoles,
} from "./platforms.js";
import {
  type ConsoleSession,
  csrfValid,
  currentSession,
  endSession,
  overHttps,
  startSession,
} from "./session.js";

/** The login form's own CSRF token, in a cookie and a field (double submit). */
const LOGIN_COOKIE = "ocpi_hub_console_login";

/** The search form's fields that are filled in. */
function filterOf(c: Context<AppEnv>, names: readonly string[]): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const name of names) {
    const value = c.req.query(name)?.trim();
    if (value) filter[name] = value;
  }
  return filter;
}

/** The admin API query of a search: its filter and the page's cursor, if any. */
function withCursor(c: Context<AppEnv>, filter: Record<string, string>): string {
  const query = new URLSearchParams(filter);
  const cursor = c.req.query("cursor");
  if (cursor) query.set("cursor", cursor);
  return query.toString();
}

/** The session the console's guard set on every page past the login. */
function sessionOf(c: Context<AppEnv>): ConsoleSession {
  const session = c.var.session;
  if (session === undefined) throw new Error("console page without a session");
  return session;
}

function LoginScreen(props: { csrf: string; error?: string }) {
  return (
    <Page title="Log in">
      {props.error !== undefined && <Notice error>{props.error}</Notice>}
      <form method="post" action="/console/login">
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="login-token">Admin token</label>
        <input
          id="login-token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
        />
        <div>
          <button type="submit">Log in</button>
        </div>
      </form>
    </Page>
  );
}

function loginForm(c: Context<AppEnv>, error?: string, status: 200 | 401 | 403 | 429 = 200) {
  const csrf = randomBytes(24).toString("base64url");
  setCookie(c, LOGIN_COOKIE, csrf, {
    path: "/console",
    httpOnly: true,
    secure: overHttps(c),
    sameSite: "Strict",
  });
  return c.html(<LoginScreen csrf={csrf} error={error} />, status);
}

const form = async (c: Context<AppEnv>) => (await c.req.parseBody()) as Record<string, unknown>;

/**
 * The operator's web console (architecture.md: GET /console), served on the
 * admin listener: server-rendered pages over the admin API, called in
 * process as the logged-in operator. A session is a signed cookie
 * (HttpOnly, SameSite=Strict, Secure when reached over https); every form
 * carries the session's CSRF token.
 */
export function consoleRoutes() {
  const routes = new Hono<AppEnv>();
  const admin: AdminCaller = createAdminCaller();
  const call = (c: Context<AppEnv>, method: string, path: string, body?: unknown) =>
    admin(c, sessionOf(c).identity, method, path, body);

  routes.get("/login", (c) => loginForm(c));
  routes.post("/login", async (c) => {
    const { lockout } = c.var.guards;
    const address = clientAddress(c);
    const locked = lockout.lockedFor(address);
    if (locked > 0)
      return loginForm(c, `Too many failed logins; try again in ${retryAfter(locked)} s.`, 429);
    const body = await form(c);
    const expected = getCookie(c, LOGIN_COOKIE);
    if (expected === undefined || body.csrf !== expected)
      return loginForm(c, "The form expired; log in again.", 403);
    const identity =
      typeof body.token === "string" ? startSession(c, body.token.trim()) : undefined;
    if (identity === undefined) {
      lockout.failed(address);
      return loginForm(c, "That token opens nothing here.", 401);
    }
    lockout.succeeded(address);
    return c.redirect("/console", 303);
  });

  // Everything else needs a session; a form also needs the session's CSRF token.
  routes.use("*", async (c, next) => {
    const session = currentSession(c);
    if (session === undefined) return c.redirect("/console/login", 303);
    c.set("session", session);
    if (c.req.method === "POST" && !csrfValid(session, (await form(c)).csrf))
      return c.html(
        <Page title="Refused" session={session}>
          <Notice error>
            The form did not carry this session's token; reload the page and try again.
          </Notice>
        </Page>,
        403,
      );
    await next();
  });

  routes.post("/logout", (c) => {
    endSession(c);
    return c.redirect("/console/login", 303);
  });

  const platforms = async (c: Context<AppEnv>, message?: { text: string; error?: boolean }) => {
    const [list, deliveries] = await Promise.all([
      call(c, "GET", "/platforms"),
      call(c, "GET", "/deliveries"),
    ]);
    return c.html(
      <PlatformsScreen
        session={sessionOf(c)}
        platforms={list.body.data}
        deliveries={deliveries.body.data}
        message={message}
      />,
      message?.error ? 400 : 200,
    );
  };

  routes.get("/", (c) => platforms(c));
  routes.post("/platforms", async (c) => {
    const body = await form(c);
    const invited = await call(c, "POST", "/platforms", {
      name: String(body.name ?? "").trim(),
      roles: parseRoles(String(body.roles ?? "")),
    });
    if (invited.status !== 201) return platforms(c, { text: errorText(invited), error: true });
    return c.html(<InvitedScreen session={sessionOf(c)} invited={invited.body} />, 201);
  });

  const platformPage = async (
    c: Context<AppEnv>,
    id: string,
    message?: { text: string; error?: boolean },
  ) => {
    const path = `/platforms/${encodeURIComponent(id)}`;
    const [platform, partners, deliveries] = await Promise.all([
      call(c, "GET", path),
      call(c, "GET", `${path}/partners`),
      call(c, "GET", "/deliveries"),
    ]);
    if (platform.status !== 200) return platforms(c, { text: errorText(platform), error: true });
    const delivery = (deliveries.body.data as { platform_id: string }[]).find(
      (d) => d.platform_id === id,
    );
    return c.html(
      <PlatformScreen
        session={sessionOf(c)}
        platform={platform.body}
        partners={c.var.deps.config.roamingPolicy === "agreements" ? partners.body.data : undefined}
        delivery={delivery}
        message={message}
      />,
    );
  };

  routes.get("/platforms/:id", (c) => platformPage(c, c.req.param("id")));

  const actionOf = (name: string): PlatformAction | undefined =>
    Object.hasOwn(PLATFORM_ACTIONS, name) ? (name as PlatformAction) : undefined;

  routes.get("/platforms/:id/:action", async (c) => {
    const action = actionOf(c.req.param("action"));
    const platform = await call(c, "GET", `/platforms/${encodeURIComponent(c.req.param("id"))}`);
    if (action === undefined || platform.status !== 200) return c.notFound();
    return c.html(
      <ConfirmScreen session={sessionOf(c)} platform={platform.body} action={action} />,
    );
  });

  routes.post("/platforms/:id/register", async (c) => {
    const id = c.req.param("id");
    const body = await form(c);
    const done = await call(c, "POST", `/platforms/${encodeURIComponent(id)}/register`, {
      versions_url: String(body.versions_url ?? "").trim(),
      token: String(body.token ?? "").trim(),
    });
    const ok = done.status === 200;
    return platformPage(
      c,
      id,
      ok ? { text: "Registered." } : { text: errorText(done), error: true },
    );
  });

  routes.post("/platforms/:id/:action", async (c) => {
    const id = c.req.param("id");
    const action = actionOf(c.req.param("action"));
    if (action === undefined) return c.notFound();
    const path = `/platforms/${encodeURIComponent(id)}`;
    const { method, label } = PLATFORM_ACTIONS[action];
    const done = await call(c, method, method === "DELETE" ? path : `${path}/${action}`);
    const ok = done.status >= 200 && done.status < 300;
    if (ok && action === "remove") return platforms(c, { text: `Removed platform ${id}.` });
    return platformPage(
      c,
      id,
      ok ? { text: `${label}: done.` } : { text: errorText(done), error: true },
    );
  });

  routes.get("/deliveries", async (c) => {
    const deliveries = await call(c, "GET", "/deliveries");
    return c.html(
      <DeliveriesScreen
        session={sessionOf(c)}
        durable={deliveries.body.durable}
        rows={deliveries.body.data}
        perMinute={await c.var.deps.deliveries.perMinute()}
      />,
    );
  });

  routes.get("/audit", async (c) => {
    const filter = filterOf(c, ["action", "target"]);
    const audit = await call(c, "GET", `/audit?${withCursor(c, filter)}`);
    if (audit.status !== 200)
      return c.html(
        <Page title="Audit" session={sessionOf(c)} screen="audit">
          <Notice error>{errorText(audit)}</Notice>
        </Page>,
        400,
      );
    return c.html(
      <AuditScreen
        session={sessionOf(c)}
        rows={audit.body.data}
        next={audit.body.next}
        filter={filter}
      />,
    );
  });

  routes.get("/messages", async (c) => {
    const filter = filterOf(
      c,
      MESSAGE_FILTERS.map(([name]) => name),
    );
    const found = await call(c, "GET", `/messages?${withCursor(c, filter)}`);
    const ok = found.status === 200;
    return c.html(
      <MessagesScreen
        session={sessionOf(c)}
        filter={filter}
        rows={ok ? found.body.data : []}
        next={ok ? found.body.next : null}
        error={ok ? undefined : errorText(found)}
      />,
      ok ? 200 : 400,
    );
  });

  routes.get("/messages/:requestId", async (c) => {
    const found = await call(c, "GET", `/messages/${encodeURIComponent(c.req.param("requestId"))}`);
    if (found.status !== 200) return c.notFound();
    return c.html(<MessageScreen session={sessionOf(c)} message={found.body} />);
  });

  routes.get("/api", (c) => c.html(<ApiScreen session={sessionOf(c)} />));
  routes.post("/api", async (c) => {
    const body = await form(c);
    const method = String(body.method ?? "");
    const path = String(body.path ?? "");
    const known = ADMIN_OPERATIONS.some((op) => op.method === method);
    if (!known || !path.startsWith("/"))
      return c.html(
        <ApiScreen session={sessionOf(c)} error="Pick an operation of the list." />,
        400,
      );
    let json: unknown;
    const raw = String(body.body ?? "").trim();
    if (method === "POST" && raw !== "") {
      try {
        json = JSON.parse(raw);
      } catch {
        return c.html(
          <ApiScreen session={sessionOf(c)} error="The body is not valid JSON." />,
          400,
        );
      }
    }
    const answer = await call(c, method, path, json);
    return c.html(
      <ApiScreen
        session={sessionOf(c)}
        tried={{ method, path, status: answer.status, body: answer.body }}
      />,
    );
  });

  return routes;
}
