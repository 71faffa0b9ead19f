import { randomUUID } from "node:crypto";
import { Agent, type Dispatcher, Pool, errors as undiciErrors } from "undici";
import { type Envelope, isEnvelope } from "../ocpi/envelope.js";
import { authorizationHeader, type TokenEncoding } from "../ocpi/tokens.js";

/** Why an outbound call produced no usable OCPI answer. */
export type OutboundFailure = "timeout" | "unreachable" | "invalid-response";

/** Thrown by the client; `failure` maps to 4002 / 4003 / 3000-class answers upstream. */
export class OutboundError extends Error {
  override readonly name = "OutboundError";
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    readonly httpStatus?: number,
    /** A short reason without URLs, fit for the requester's eyes. */
    readonly reason: string = failure,
  ) {
    super(message);
  }
}

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
  headers?: Record<string, string>;
  /** Keeps a keep-alive pool of its own for this key (a receiving platform's id). */
  pool?: string;
  /** Instead of the client's timeout, for calls that may take longer (a sync's large pages). */
  timeoutMs?: number;
}

/** The answer headers the hub acts on; no others are read. */
const KEPT_HEADERS = new Set(["x-total-count", "x-limit", "link", "location"]);
const KEPT_LENGTHS = new Set([...KEPT_HEADERS].map((name) => name.length));

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
  close(): Promise<void>;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createOcpiClient(options: { timeoutMs: number }): OcpiClient {
  const settings = {
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 64,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(options.timeoutMs, 5_000) },
  };
  const shared = new Agent(settings);
  const pools = new Map<string, Pool>();

  function dispatcher(key: string | undefined, origin: string): Dispatcher {
    if (key === undefined) return shared;
    const id = `${key} ${origin}`;
    let pool = pools.get(id);
    if (pool === undefined) {
      pool = new Pool(origin, settings);
      pools.set(id, pool);
    }
    return pool;
  }

  return {
    async send(req) {
      const requestId = req.requestId ?? randomUUID();
      const headers: Record<string, string> = {
        authorization: authorizationHeader(req.token, req.encoding),
        "x-request-id": requestId,
        "x-correlation-id": req.correlationId ?? randomUUID(),
        accept: "application/json",
        ...req.headers,
      };
      let body = req.rawBody;
      if (body === undefined && req.body !== undefined) body = JSON.stringify(req.body);
      if (body !== undefined) headers["content-type"] = "application/json";
      let answer: Answer;
      try {
        const { origin, path } = splitUrl(req.url);
        const timeoutMs = req.timeoutMs ?? options.timeoutMs;
        const limits =
          req.timeoutMs === undefined ? {} : { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
        answer = await new Promise<Answer>((resolve, reject) => {
          dispatcher(req.pool, origin).dispatch(
            { origin, path, method: req.method, headers, body, ...limits },
            new Collector(resolve, reject, performance.now() + timeoutMs),
          );
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
      const { status: statusCode, text } = answer;
      const resHeaders = answer.headers;
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
          `${req.method} ${req.url} answered HTTP ${statusCode} with ${what}`,
          statusCode,
          `HTTP ${statusCode} with ${what}`,
        );
      }
      return { status: statusCode, headers: resHeaders, body: parsed, text, requestId };
    },
    async release(key) {
      const closing: Promise<void>[] = [];
      for (const [id, pool] of pools) {
        if (!id.startsWith(`${key} `)) continue;
        pools.delete(id);
        closing.push(pool.close());
      }
      await Promise.all(closing);
    },
    async close() {
      await Promise.all([shared.close(), ...[...pools.values()].map((pool) => pool.close())]);
      pools.clear();
    },
  };
}

/** Origin and path of an absolute http(s) URL; cheaper than new URL() on every request. */
function splitUrl(url: string): { origin: string; path: string } {
  const scheme = url.indexOf("://");
  if (scheme === -1 || !/^https?$/i.test(url.slice(0, scheme))) {
    throw new undiciErrors.InvalidArgumentError(`not an http(s) URL: ${url}`);
  }
  const slash = url.indexOf("/", scheme + 3);
  return slash === -1
    ? { origin: url, path: "/" }
    : { origin: url.slice(0, slash), path: url.slice(slash) };
}

interface Answer {
  status: number;
  headers: OutboundResponse["headers"];
  text: string;
}

/**
 * Collects an answer through undici's dispatch handler interface, without
 * the stream the request() API builds for every body. The body is refused
 * beyond MAX_RESPONSE_BYTES or past the deadline: undici's own timeouts only
 * see silence, and a body trickled byte by byte is never silent for long.
 * An error after the headers carries the HTTP status, so the caller can
 * tell a broken answer from an unreachable peer.
 */
class Collector implements Dispatcher.DispatchHandler {
  private abort: ((err: Error) => void) | undefined;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (err: unknown) => void,
    private readonly deadline: number,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (performance.now() > this.deadline) {
      this.fail(new OutboundError("timeout", "the answer took longer than the forward timeout"));
      return false;
    }
    this.size += chunk.length;
    if (this.size > MAX_RESPONSE_BYTES) {
      this.fail(
        new OutboundError(
          "invalid-response",
          `answer larger than ${MAX_RESPONSE_BYTES} bytes`,
          this.status,
          `an answer larger than ${MAX_RESPONSE_BYTES} bytes`,
        ),
      );
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    const text =
      this.chunks.length === 1
        ? (this.chunks[0] as Buffer).toString("utf8")
        : Buffer.concat(this.chunks).toString("utf8");
    this.resolve({
      status: this.status,
      headers: pickHeaders(this.rawHeaders),
      text,
    });
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    if (this.status !== 0 && !(err instanceof OutboundError)) {
      Object.assign(err, { statusCode: this.status });
    }
    this.reject(err);
  }

  private fail(err: OutboundError): void {
    this.onError(err);
    this.abort?.(err);
  }
}

/** The kept headers out of undici's raw name/value list; the first of a repeated one wins. */
function pickHeaders(raw: Buffer[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as Buffer;
    if (!KEPT_LENGTHS.has(name.length)) continue;
    const lower = name.toString("latin1").toLowerCase();
    if (KEPT_HEADERS.has(lower) && picked[lower] === undefined) {
      picked[lower] = (raw[i + 1] as Buffer).toString("latin1");
    }
  }
  return picked;
}

function toOutboundError(err: unknown, url: string): OutboundError {
  if (err instanceof OutboundError) return err;
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
