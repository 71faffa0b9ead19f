import { randomUUID } from "node:crypto";
import { errors as undiciErrors } from "undici";
import { type LegTrace, recordLeg } from "../messages/legs.js";
import type { MessageLog } from "../messages/log.js";
import { type Envelope, isEnvelope } from "../ocpi/envelope.js";
import { authorizationHeader, type TokenEncoding } from "../ocpi/tokens.js";
import { type Answer, Collector, OutboundError } from "./answer.js";
import { createPools } from "./pools.js";
import { type UrlPolicy, UrlRefused } from "./url-policy.js";

export { OutboundError, type OutboundFailure } from "./answer.js";

export interface OutboundRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  token: string;
  encoding: TokenEncoding;
  body?: unknown;
  /** A body already serialized, sent byte for byte (forwarded pushes). */
  rawBody?: string;
  /** The request id of this hop; a new one when not given. */
  requestId?: string;
  correlationId?: string;
  /** Further headers, by lower-case name; a `via` given here is kept, the hub's own appended. */
  headers?: Record<string, string>;
  /** Keeps a keep-alive pool of its own for this key (a receiving platform's id). */
  pool?: string;
  /** Instead of the client's timeout, for calls that may take longer (a sync's large pages). */
  timeoutMs?: number;
  /**
   * The message this call passes on: the call is recorded as one of its legs.
   * Unset or null: not recorded (a handshake's or a sync's client sets it on
   * every call: messages/hub-message.ts).
   */
  trace?: LegTrace | null;
}

export interface OutboundResponse {
  status: number;
  /** The headers the hub relays or rewrites (pagination, Location), by lower-case name. */
  headers: Record<string, string | undefined>;
  /** The parsed OCPI envelope. */
  body: Envelope;
  /** The answer as received, to relay without serializing it again. */
  text: string;
  requestId: string;
}

/** The one outbound HTTP path: keep-alive pools per receiving origin, a timeout, the peer's token. */
export interface OcpiClient {
  send(req: OutboundRequest): Promise<OutboundResponse>;
  /** Closes the pools kept for a key (a platform that unregistered or was removed) once idle. */
  release(pool: string): Promise<void>;
  /** The connection pools open now. */
  stats(): { pools: number };
  close(): Promise<void>;
}

export interface OcpiClientOptions {
  timeoutMs: number;
  /** Every URL is checked against it; under strict, every new connection's address too. */
  policy: UrlPolicy;
  /**
   * The Via value of this hub (loop-mark.ts): every request carries it, so
   * one that comes back, directly or through proxies, is refused as a loop.
   */
  via: string;
  /** MAX_RELAY_BYTES: the largest answer read; past it the call fails as too-large. */
  maxResponseBytes: number;
  /** Pools kept open at most; the least recently used one is closed for a new one. */
  maxPools?: number;
  /** Sockets per pool. */
  connectionsPerPool?: number;
  /** Where calls with a trace are recorded as legs. */
  messages?: MessageLog;
}

export function createOcpiClient(options: OcpiClientOptions): OcpiClient {
  const { policy, via, maxResponseBytes } = options;
  const pools = createPools(
    {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: options.connectionsPerPool ?? 64,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: policy.connect(Math.min(options.timeoutMs, 5_000)),
    },
    options.maxPools ?? 512,
  );

  const log = options.messages?.enabled === true ? options.messages : undefined;

  /**
   * One call. With a `trace`, the attempt is recorded as a leg of its
   * message, here rather than in a callback on the returned promise: one
   * promise and one turn of the microtask queue fewer per forwarded
   * request.
   */
  async function send(req: OutboundRequest, trace?: LegTrace): Promise<OutboundResponse> {
    const requestId = req.requestId ?? randomUUID();
    const started = trace === undefined ? 0 : performance.now();
    try {
      const headers: Record<string, string> = {
        authorization: authorizationHeader(req.token, req.encoding),
        "x-request-id": requestId,
        "x-correlation-id": req.correlationId ?? randomUUID(),
        accept: "application/json",
        ...req.headers,
        via: req.headers?.via === undefined ? via : `${req.headers.via}, ${via}`,
      };
      let body = req.rawBody;
      if (body === undefined && req.body !== undefined) body = JSON.stringify(req.body);
      if (body !== undefined) headers["content-type"] = "application/json";
      const target = splitUrl(req.url);
      if (target === undefined) throw refusedUrl(req.url, "not an http(s) URL");
      const checked = policy.originOf(target.origin);
      if ("refused" in checked) throw refusedUrl(req.url, checked.refused);
      const { origin } = checked;
      const { path } = target;
      let answer: Answer;
      try {
        const timeoutMs = req.timeoutMs ?? options.timeoutMs;
        const limits =
          req.timeoutMs === undefined ? {} : { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
        answer = await new Promise<Answer>((resolve, reject) => {
          const collector = new Collector(resolve, reject, {
            timeoutMs,
            maxBytes: maxResponseBytes,
          });
          try {
            pools
              .get(req.pool, origin)
              .dispatch({ origin, path, method: req.method, headers, body, ...limits }, collector);
          } catch (err) {
            collector.onError(err as Error);
          }
        });
      } catch (err) {
        const failure = toOutboundError(err, req.url);
        const status = (err as { statusCode?: number }).statusCode;
        // Headers came, then the body broke off: an unusable answer, not an unreachable peer.
        if (status === undefined || failure.failure !== "unreachable") throw failure;
        throw new OutboundError(
          "invalid-response",
          `${req.method} ${req.url} answered HTTP ${status} and broke off the body`,
          status,
          "the body broke off",
        );
      }
      const res = toResponse(req, answer, requestId);
      if (trace !== undefined) {
        const code = res.body.status_code;
        recordLeg(log as MessageLog, req, trace, requestId, started, {
          status: res.status,
          statusCode: typeof code === "number" ? code : null,
          text: res.text,
        });
      }
      return res;
    } catch (err) {
      if (trace !== undefined && err instanceof OutboundError)
        recordLeg(log as MessageLog, req, trace, requestId, started, err);
      throw err;
    }
  }

  return {
    send(req) {
      if (log === undefined) return send(req);
      return send(req, req.trace ?? undefined);
    },
    release: (key) => pools.release(key),
    stats: () => ({ pools: pools.size }),
    close: () => pools.close(),
  };
}

/** A URL the policy refuses: nothing is sent. */
function refusedUrl(url: string, reason: string): OutboundError {
  return new OutboundError("url-refused", `${url} is refused: ${reason}`, undefined, reason);
}

/** The answer as an OCPI response; one that is not an envelope is an invalid response. */
function toResponse(req: OutboundRequest, answer: Answer, requestId: string): OutboundResponse {
  const { status, text } = answer;
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isEnvelope(parsed)) {
    const what =
      text === ""
        ? "an empty body"
        : parsed === undefined
          ? "a body that is not JSON"
          : "JSON that is not an OCPI envelope";
    throw new OutboundError(
      "invalid-response",
      `${req.method} ${req.url} answered HTTP ${status} with ${what}`,
      status,
      `HTTP ${status} with ${what}`,
    );
  }
  return { status, headers: answer.headers, body: parsed, text, requestId };
}

/**
 * Origin and path of an absolute http(s) URL, undefined for anything else;
 * cheaper than new URL() on every request. The origin is checked and
 * normalised by the URL policy.
 */
function splitUrl(url: string): { origin: string; path: string } | undefined {
  const scheme = url.indexOf("://");
  if (scheme === -1 || !/^https?$/i.test(url.slice(0, scheme))) return undefined;
  let end = scheme + 3;
  while (end < url.length && !PATH_START.has(url.charCodeAt(end))) end++;
  const rest = url.slice(end);
  const hash = rest.indexOf("#");
  const path = hash === -1 ? rest : rest.slice(0, hash);
  return { origin: url.slice(0, end), path: path.startsWith("/") ? path : `/${path}` };
}

/** "/", "?", "#" and "\\" (which URL parsers read as "/") end the authority of a URL. */
const PATH_START = new Set([..."/?#\\"].map((c) => c.charCodeAt(0)));

function toOutboundError(err: unknown, url: string): OutboundError {
  if (err instanceof OutboundError) return err;
  if (err instanceof UrlRefused) {
    return new OutboundError(
      "url-refused",
      `${url} is refused: ${err.message}`,
      undefined,
      err.reason,
    );
  }
  const timedOut =
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError ||
    (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"));
  if (timedOut) return new OutboundError("timeout", `no answer from ${url} in time`);
  const code = (err as { code?: string } | undefined)?.code;
  if (err instanceof undiciErrors.InvalidArgumentError) {
    return new OutboundError("unreachable", `cannot call ${url}: ${err.message}`);
  }
  return new OutboundError("unreachable", `cannot reach ${url}${code ? ` (${code})` : ""}`);
}
