import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import type { CallerScope, RequestScope } from "../routing/scope.js";
import { requestLog } from "./request-context.js";

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
