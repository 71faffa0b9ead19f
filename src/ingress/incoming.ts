import { type BlockList, isIP } from "node:net";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env.js";
import { invalidParameters } from "../ocpi/errors.js";
import { limitBody } from "./body-limit.js";

/**
 * The request target as the client sent it. The URL Hono routes on has been
 * through `new URL`, which removes dot segments (`%2e` ones too), so only
 * the raw target shows what a client tried. In process (app.request) there
 * is no raw target and the parsed URL stands in for it.
 */
export function requestTarget(c: Context<AppEnv>): string {
  const raw = c.env?.incoming?.url;
  if (raw !== undefined) return raw;
  const url = c.req.url;
  return url.slice(url.indexOf("/", url.indexOf("//") + 2));
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path of a request target, still percent-encoded: an absolute-form
 * target loses its scheme and authority, and the query and any fragment go.
 */
export function targetPath(target: string): string {
  let start = 0;
  if (target[0] !== "/") {
    const authority = ABSOLUTE.exec(target);
    if (authority === null) return "";
    start = authority[0].length;
  }
  let end = start;
  while (end < target.length && target[end] !== "?" && target[end] !== "#") end++;
  return target.slice(start, end);
}

/**
 * The client's address: the peer the hub itself sees. Only when that peer
 * is a trusted proxy (TRUSTED_PROXIES) is X-Forwarded-For read, from the
 * right: the first address not itself a trusted proxy is the client, since
 * anything to its left was written by the client and proves nothing.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const peer = c.env?.incoming?.socket?.remoteAddress;
  if (peer === undefined) return "unknown";
  const proxies = c.var.guards?.proxies;
  if (proxies === undefined || !trusted(proxies, peer)) return peer;
  const forwarded = c.req.header("x-forwarded-for");
  if (forwarded === undefined) return peer;
  const hops = forwarded.split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (isIP(hop) === 0) return peer;
    if (!trusted(proxies, hop)) return hop;
  }
  return peer;
}

function trusted(proxies: BlockList, address: string): boolean {
  const mapped = address.startsWith("::ffff:") ? address.slice(7) : address;
  const family = isIP(mapped);
  return family !== 0 && proxies.check(mapped, family === 6 ? "ipv6" : "ipv4");
}

/**
 * A dot segment of a raw path: `.` or `..`, either dot percent-encoded
 * (`%2e`, `.%2E` …), with or without path parameters (`..;x`, which a
 * Tomcat reads as `..`).
 */
const DOT_SEGMENT = /(?:^|\/)((?:\.|%2e){1,2}(?:;[^/]*)?)(?=\/|$)/i;

/**
 * Refuses a request whose raw path holds a dot segment, before routing:
 * the parsed URL has already resolved it, so the route would not be the
 * one the client wrote, and no OCPI id is `.` or `..`. 2001 on /ocpi, a
 * JSON 400 elsewhere.
 */
export function refuseDotSegments(c: Context<AppEnv>): void {
  const found = DOT_SEGMENT.exec(targetPath(requestTarget(c)));
  if (found === null) return;
  const message = `the URL path holds the dot segment "${found[1]}"; OCPI ids are never "." or ".."`;
  if (c.req.path.startsWith("/ocpi")) throw invalidParameters(message);
  throw new HTTPException(400, { message });
}

/**
 * What every request passes before any route, as one middleware (each
 * layer of Hono's chain costs a dispatch on every request): its raw path
 * holds no dot segment (refuseDotSegments), and its body stays within
 * `maxBytes` (limitBody).
 */
export function checkIncoming(
  maxBytes: number,
  tooLarge: (c: Context<AppEnv>) => Error,
): MiddlewareHandler<AppEnv> {
  const limit = limitBody(maxBytes, tooLarge);
  return (c, next) => {
    refuseDotSegments(c);
    return limit(c, next);
  };
}
