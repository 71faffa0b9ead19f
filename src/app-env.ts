import type { Deps } from "./deps.js";
import type { Logger } from "./logging/logger.js";
import type { Caller } from "./registry/registry.js";

/** The Hono environment of every route: dependencies and per-request facts. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    correlationId: string;
    log: Logger;
    caller: Caller;
  };
}
