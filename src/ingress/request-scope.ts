import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import type { Deps } from "../deps.js";
import type { Logger } from "../logging/logger.js";
import type { Caller } from "../registry/registry.js";
import { requestLog } from "./request-context.js";

/**
 * What the hub's handlers need of one request, without Hono's Context:
 * its dependencies, its ids, the caller, its logger, its URL; and a way to
 * name the platform it went to for the request's log line.
 */
export interface RequestScope {
  readonly deps: Deps;
  readonly requestId: string;
  readonly correlationId: string;
  /** The URL as received, for pagination links. */
  readonly url: string;
  /** The request's logger, with its ids bound. */
  readonly log: Logger;
  /** Names the platform the request was forwarded to. */
  forwardedTo(platformId: string): void;
}

/** A request scope with the authenticated caller (routed modules). */
export interface CallerScope extends RequestScope {
  readonly caller: Caller;
}

/** The scope of the request behind a Context. */
export function scopeOf(c: Context<AppEnv>): RequestScope {
  return {
    deps: c.get("deps"),
    requestId: c.get("requestId"),
    correlationId: c.get("correlationId"),
    url: c.req.url,
    get log() {
      return requestLog(c);
    },
    forwardedTo: (platformId) => c.set("receiver", platformId),
  };
}

/** The scope of an authenticated request (after requireCaller). */
export function callerScopeOf(c: Context<AppEnv>): CallerScope {
  return Object.assign(scopeOf(c), { caller: c.get("caller") });
}
