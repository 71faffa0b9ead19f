import { randomUUID } from "node:crypto";
import { Agent, request, errors as undiciErrors } from "undici";
import { isEnvelope } from "../ocpi/envelope.js";
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
  correlationId?: string;
  headers?: Record<string, string>;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed OCPI envelope, when the answer was one. */
  body: unknown;
  requestId: string;
}

/** The one outbound HTTP path: keep-alive pools per receiving origin, a timeout, the peer's token. */
export interface OcpiClient {
  send(req: OutboundRequest): Promise<OutboundResponse>;
  close(): Promise<void>;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createOcpiClient(options: { timeoutMs: number }): OcpiClient {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 64,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(options.timeoutMs, 5_000) },
  });

  return {
    async send(req) {
      const requestId = randomUUID();
      const headers: Record<string, string> = {
        authorization: authorizationHeader(req.token, req.encoding),
        "x-request-id": requestId,
        "x-correlation-id": req.correlationId ?? randomUUID(),
        accept: "application/json",
        ...req.headers,
      };
      let body: string | undefined;
      if (req.body !== undefined) {
        body = JSON.stringify(req.body);
        headers["content-type"] = "application/json";
      }
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(req.url, {
          method: req.method,
          headers,
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        throw toOutboundError(err, req.url);
      }
      let text: string;
      try {
        text = await readLimited(res.body, MAX_RESPONSE_BYTES);
      } catch (err) {
        throw toOutboundError(err, req.url);
      }
      let parsed: unknown;
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const response = { status: res.statusCode, headers: res.headers, body: parsed, requestId };
      if (!isEnvelope(parsed)) {
        const what = text === "" ? "an empty body" : "a body that is not an OCPI envelope";
        throw new OutboundError(
          "invalid-response",
          `${req.method} ${req.url} answered HTTP ${res.statusCode} with ${what}`,
          res.statusCode,
        );
      }
      return response;
    },
    async close() {
      await agent.close();
    },
  };
}

async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit)
      throw new OutboundError("invalid-response", `answer larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
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
