import type { ServerOptions } from "node:http";
import type { Server } from "node:net";

/**
 * The HTTP server's own limits, in place of Node's defaults (which hold a
 * connection that sends its headers slowly for 60 s and its body for 300 s).
 */
export const SERVER_LIMITS = {
  /** All request headers must have come within this; else 408 and the connection closes. */
  headersTimeout: 10_000,
  /**
   * The whole request, body included: MAX_BODY_BYTES (2 MiB) at the default
   * takes 30 s only below about 70 kB/s. A forwarded request's own wait is
   * FORWARD_TIMEOUT_MS, and does not count here.
   */
  requestTimeout: 30_000,
  /**
   * An idle keep-alive connection is closed after this. Longer than the
   * 60 s idle timeout of common load balancers (AWS ALB, nginx), so that
   * the hub never closes a connection a balancer is about to reuse.
   */
  keepAliveTimeout: 65_000,
  /** How often Node checks the two timeouts above: they are kept to within this. */
  connectionsCheckingInterval: 1_000,
  /** Open connections at most; further ones are closed as they come. */
  maxConnections: 10_000,
} as const;

/** The options of node:http's createServer that carry SERVER_LIMITS. */
export const serverOptions: ServerOptions = {
  headersTimeout: SERVER_LIMITS.headersTimeout,
  requestTimeout: SERVER_LIMITS.requestTimeout,
  keepAliveTimeout: SERVER_LIMITS.keepAliveTimeout,
  connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingInterval,
};

/** What createServer's options cannot set; call before the server accepts connections. */
export function applyServerLimits(server: Pick<Server, "maxConnections">): void {
  server.maxConnections = SERVER_LIMITS.maxConnections;
}
