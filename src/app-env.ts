import type { HttpBindings } from "@hono/node-server";
import type { AuditNote } from "./admin/audit-trail.js";
import type { AdminIdentity } from "./admin/token-set.js";
import type { ConsoleSession } from "./console/session.js";
import type { Deps } from "./deps.js";
import type { Guards } from "./ingress/guards.js";
import type { Logger } from "./logging/logger.js";
import type { LegTrace } from "./messages/legs.js";
import type { Caller } from "./registry/registry.js";
import type { RoutingHeaderValues } from "./routing/decide.js";

/** The Hono environment of every route: dependencies and per-request facts. */
export interface AppEnv {
  /**
   * The Node request and response behind a request served by
   * @hono/node-server; absent when the app is called in process (app.request).
   */
  Bindings: Partial<HttpBindings> | undefined;
  Variables: {
    deps: Deps;
    /** The app's limits: failed-authentication lockout, per-platform rate and concurrency. */
    guards: Guards;
    requestId: string;
    correlationId: string;
    /** The request's logger, made on first use; read it through requestLog(c). */
    log: Logger | undefined;
    caller: Caller;
    /**
     * Set on a functional module's endpoints: the hub's own answers there
     * carry the routing headers (transport_and_format: Message Routing
     * Headers); configuration modules' answers do not.
     */
    routed: true | undefined;
    /** The admin token an admin request came with: the actor of its audit entry. */
    admin: AdminIdentity | undefined;
    /** What an admin action's handler tells its audit entry (admin/audit-trail.ts). */
    audit: AuditNote | undefined;
    /** The console's logged-in operator (console/session.ts); set on the console's pages. */
    session: ConsoleSession | undefined;
    /** The platform a routed request was forwarded to, for the request's log line. */
    receiver: string | undefined;
    /** The forward attempt of a routed request, kept for its message in the message log. */
    leg: LegTrace | undefined;
    /** The routing headers as the OCPI router read them, for the request's message in the log. */
    routingHeaders: RoutingHeaderValues | undefined;
  };
}
