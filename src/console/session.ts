import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AdminIdentity } from "../admin/token-set.js";
import type { AppEnv } from "../app-env.js";
import { hashToken } from "../ocpi/tokens.js";

/** The console's session cookie. */
export const SESSION_COOKIE = "ocpi_hub_console";
/** A console session lasts this long after its login. */
const SESSION_MS = 8 * 3600_000;

/** A console session: who is logged in, and the CSRF token of its forms. */
export interface ConsoleSession {
  identity: AdminIdentity;
  csrf: string;
}

const mac = (key: string, text: string) =>
  createHmac("sha256", key).update(text).digest("base64url");

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The session behind the request's cookie, if it is valid: signed with the
 * hash of the admin token that logged in (so any instance can check it,
 * and revoking the token ends its sessions at once) and not expired.
 */
export function currentSession(c: Context<AppEnv>): ConsoleSession | undefined {
  const value = getCookie(c, SESSION_COOKIE);
  const [expires, hash, signature] = value?.split(".") ?? [];
  if (expires === undefined || hash === undefined || signature === undefined) return undefined;
  if (!/^\d{1,15}$/.test(expires) || Number(expires) <= c.var.deps.clock.now().getTime())
    return undefined;
  const identity = c.var.deps.adminTokens.identify(hash);
  if (identity === undefined || !same(signature, mac(hash, `session.${expires}`))) return undefined;
  return { identity, csrf: mac(hash, `csrf.${expires}`) };
}

/** Logs in with an admin token: sets the session cookie; undefined for a token that opens nothing. */
export function startSession(c: Context<AppEnv>, token: string): AdminIdentity | undefined {
  const hash = hashToken(token);
  const identity = c.var.deps.adminTokens.identify(hash);
  if (identity === undefined) return undefined;
  const expires = c.var.deps.clock.now().getTime() + SESSION_MS;
  setCookie(c, SESSION_COOKIE, `${expires}.${hash}.${mac(hash, `session.${expires}`)}`, {
    path: "/console",
    httpOnly: true,
    secure: overHttps(c),
    sameSite: "Strict",
    maxAge: SESSION_MS / 1000,
  });
  return identity;
}

/**
 * Whether the browser reached the console over https: directly, or through
 * a proxy that says so. A claim of https only makes cookies stricter.
 */
export function overHttps(c: Context<AppEnv>): boolean {
  return c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/console" });
}

/** Whether a form's CSRF field matches the session's token. */
export function csrfValid(session: ConsoleSession, presented: unknown): boolean {
  return typeof presented === "string" && same(presented, session.csrf);
}
