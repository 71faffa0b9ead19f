import type { Dispatcher } from "undici";

/**
 * Why an outbound call produced no usable OCPI answer: no answer in time,
 * no connection, an answer that is not OCPI, one past the relay limit, or
 * a URL the URL policy refuses (then nothing was sent).
 */
export type OutboundFailure =
  | "timeout"
  | "unreachable"
  | "invalid-response"
  | "too-large"
  | "url-refused";

/** Thrown by the client; `failure` maps to 4002 / 4003 / 3000-class answers upstream. */
export class OutboundError extends Error {
  override readonly name = "OutboundError";
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    readonly httpStatus?: number,
    /** A short reason without URLs or addresses, fit for the requester's eyes. */
    readonly reason: string = failure,
  ) {
    super(message);
  }
}

/** The answer headers the hub acts on (pagination, a CDR's Location); no others are read. */
const KEPT_HEADERS = new Set(["x-total-count", "x-limit", "link", "location"]);
const KEPT_LENGTHS = new Set([...KEPT_HEADERS].map((name) => name.length));

/** An answer as it came: its status, the headers the hub acts on, the body as text. */
export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

/**
 * Collects an answer through undici's dispatch handler interface, without
 * the stream the request() API builds for every body. One timer bounds the
 * whole call, from dispatch on: the wait for a socket behind busy ones
 * included (undici's own timeouts start once the request is written, and
 * only see silence, which a body trickled byte by byte never is for long).
 * A request whose time ran out before its turn is dropped unsent when the
 * turn comes. The body is refused beyond maxBytes. An error after the
 * headers carries the HTTP status, so the caller can tell a broken answer
 * from an unreachable peer.
 */
export class Collector implements Dispatcher.DispatchHandler {
  private abort: ((err: Error) => void) | undefined;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly maxBytes: number;

  constructor(
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (err: unknown) => void,
    limits: { timeoutMs: number; maxBytes: number },
  ) {
    this.maxBytes = limits.maxBytes;
    this.timer = setTimeout(() => this.expire(limits.timeoutMs), limits.timeoutMs);
  }

  onConnect(abort: (err?: Error) => void): void {
    // Its time ran out while it waited: undici drops it without writing it.
    if (this.settled) throw new OutboundError("timeout", "the request waited past its timeout");
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.fail(
        new OutboundError(
          "too-large",
          `answer larger than ${this.maxBytes} bytes`,
          this.status,
          `an answer larger than ${this.maxBytes} bytes`,
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
    clearTimeout(this.timer);
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
    clearTimeout(this.timer);
    if (this.status !== 0 && !(err instanceof OutboundError)) {
      Object.assign(err, { statusCode: this.status });
    }
    this.reject(err);
  }

  private expire(timeoutMs: number): void {
    this.fail(new OutboundError("timeout", `no complete answer within ${timeoutMs} ms`));
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
