import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "../app-env.js";

/** After a refusal: what is still discarded of the body before the connection closes. */
const LINGER = { ms: 1_000, bytes: 1024 * 1024 };

/**
 * Limits every request body to `maxBytes` (MAX_BODY_BYTES) while it is
 * read. A larger Content-Length is refused at once, before a byte of the
 * body is read (Node's parser never hands on more than the declared
 * length). A chunked body is counted as the handler reads it, after
 * authentication, and reading ends at the limit. `tooLarge` makes the
 * refusal for the route (an OCPI envelope or an admin JSON error).
 *
 * The connection then closes: the hub's side right after the answer, the
 * client's once a little more (LINGER) has been discarded. Closing at once
 * would reset a client still sending, which then loses the answer.
 */
export function limitBody(
  maxBytes: number,
  tooLarge: (c: Context<AppEnv>) => Error,
): MiddlewareHandler<AppEnv> {
  if (!(maxBytes > 0)) throw new Error("the body limit must be positive");
  // Not async: a request without a body passes on without a promise of its own.
  return (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    if (c.req.header("transfer-encoding") !== undefined) return countChunked(c, next);
    if (Number(c.req.header("content-length") ?? 0) > maxBytes) {
      c.get("deps").metrics.observeLimit("body-size");
      closeAfterAnswer(c);
      throw tooLarge(c);
    }
    return next();
  };

  async function countChunked(c: Context<AppEnv>, next: Next): Promise<void> {
    const source = c.req.raw.body;
    if (source === null) return next();
    let exceeded = false;
    const counted = countBytes(source, maxBytes, () => {
      exceeded = true;
      c.get("deps").metrics.observeLimit("body-size");
      closeAfterAnswer(c);
      return tooLarge(c);
    });
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: "half" } as RequestInit);
    await next();
    // The reader may have caught the failure and answered something else ("not JSON").
    if (exceeded && c.res.status !== 413) throw tooLarge(c);
  }
}

/**
 * The body as it arrives, failing with `overflow()` once more than `max`
 * bytes came. The source is left as it is rather than cancelled: cancelling
 * it would destroy the socket before the refusal could be sent.
 */
function countBytes(
  source: ReadableStream<Uint8Array>,
  max: number,
  overflow: () => Error,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      seen += value.byteLength;
      if (seen > max) {
        reader.releaseLock();
        controller.error(overflow());
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * Once the answer is out: the hub's half of the connection closes, what the
 * client still sends is discarded up to LINGER, then the socket goes.
 */
function closeAfterAnswer(c: Context<AppEnv>): void {
  const incoming = c.env?.incoming;
  const outgoing = c.env?.outgoing;
  if (incoming === undefined || outgoing === undefined) return;
  outgoing.once("finish", () => {
    const socket = incoming.socket;
    let discarded = 0;
    const close = () => socket.destroy();
    const timer = setTimeout(close, LINGER.ms);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER.bytes) close();
    });
    incoming.resume();
    socket.end();
  });
}
