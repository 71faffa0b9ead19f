import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.js";
import { envelope } from "../ocpi/envelope.js";
import { OutHeader } from "../ocpi/headers.js";
import type { StatusCode } from "../ocpi/status-codes.js";

export interface RespondOptions {
  message?: string;
  httpStatus?: number;
  /** Further headers, such as the pagination headers. */
  headers?: Record<string, string>;
}

/**
 * The one way an OCPI answer the hub writes itself leaves it: the envelope,
 * timestamped by the injected clock, with the request's X-Request-ID and
 * X-Correlation-ID. The headers go in as a plain object, which keeps the
 * node adapter on its fast path (c.header() would build a Headers object).
 */
export function respond<T>(
  c: Context<AppEnv>,
  statusCode: StatusCode,
  data?: T,
  options: RespondOptions = {},
): Response {
  const body = envelope(c.get("deps").clock.now(), statusCode, data, options.message);
  return c.json(body, (options.httpStatus ?? 200) as ContentfulStatusCode, {
    [OutHeader.requestId]: c.get("requestId"),
    [OutHeader.correlationId]: c.get("correlationId"),
    ...options.headers,
  });
}
