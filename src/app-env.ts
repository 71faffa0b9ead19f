import type { Deps } from "./deps.js";
import type { Logger } from "./logging/logger.js";
import type { Caller } from "./registry/registry.js";

/** The Hono environment of every route: dependencies and per-request facts. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    correlationId: string;
    /** The request's logger, made on first use; read it through requestLog(c). */
    log: Logger | undefined;
    caller: Caller;
    /** The platform a routed request was forwarded to, for the request's log line. */
    receiver: string | undefined;
  };
}
