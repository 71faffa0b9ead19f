/**
 * HTTP/1.1 on bare sockets for benchmarks whose subject is the hub alone: a
 * load generator and a platform whose own cost per request is a small
 * fraction of Node's HTTP client's and server's. On a host of two cores the
 * hub shares the CPU with both; with undici and node:http on either side,
 * they took about as much of it as the hub did (docs/performance.md, "A
 * load generator that leaves the hub its core"). Only what the benchmarks
 * send and answer is understood: requests without bodies or with a
 * Content-Length, answers with a Content-Length or chunked.
 */
import { createServer, Socket } from "node:net";

const HEAD_END = Buffer.from("\r\n\r\n");

/** Where the head of the message at `from` ends (the blank line's end); -1 while it is incomplete. */
function headEnd(buffer: Buffer, from: number): number {
  const at = buffer.indexOf(HEAD_END, from);
  return at === -1 ? -1 : at + 4;
}

/**
 * A header's value in a head read as latin1, found by its lower-case `name`
 * in the head's lower-case copy `lower`; undefined without it.
 */
function headerValue(head: string, lower: string, name: string): string | undefined {
  const at = lower.indexOf(`\r\n${name}:`);
  if (at === -1) return undefined;
  const start = at + name.length + 3;
  const end = head.indexOf("\r\n", start);
  return head.slice(start, end === -1 ? undefined : end).trim();
}

/** Reads framed messages off a socket: `take` answers how many bytes of `buffer` from `from` one message used (0: incomplete). */
function frames(socket: Socket, take: (buffer: Buffer, from: number) => number): void {
  let pending: Buffer | undefined;
  socket.on("data", (chunk: Buffer) => {
    const buffer = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let from = 0;
    for (;;) {
      const used = from < buffer.length ? take(buffer, from) : 0;
      if (used === 0) break;
      from += used;
    }
    pending = from < buffer.length ? buffer.subarray(from) : undefined;
  });
}

/** What the platform answers to one request: a status (200 if left out), further headers and a JSON body. */
export interface RawAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/**
 * A platform on a free loopback port answering each request with
 * `answer(method, path, requestId)`, echoing the request's X-Request-ID.
 * Resolves to its origin and a way to close it.
 */
export async function serveRaw(
  answer: (method: string, path: string, requestId: string) => RawAnswer,
): Promise<{ url: string; close: () => void }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    frames(socket, (buffer, from) => {
      const end = headEnd(buffer, from);
      if (end === -1) return 0;
      const head = buffer.toString("latin1", from, end);
      const lower = head.toLowerCase();
      const length = Number(headerValue(head, lower, "content-length") ?? 0);
      if (buffer.length < end + length) return 0;
      const [method = "GET", path = "/"] = head.slice(0, head.indexOf("\r\n")).split(" ");
      const requestId = headerValue(head, lower, "x-request-id") ?? "";
      const { status = 200, headers = {}, body } = answer(method, path, requestId);
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      let lines = "";
      for (const [name, value] of Object.entries(headers)) lines += `${name}: ${value}\r\n`;
      const top = `HTTP/1.1 ${status} ${status === 200 ? "OK" : "Answer"}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\nx-request-id: ${requestId}\r\n${lines}\r\n`;
      socket.write(Buffer.concat([Buffer.from(top, "latin1"), bytes]));
      return end + length - from;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** The body of a chunked answer starting at `from`, and where it ends; undefined while incomplete. */
function dechunk(buffer: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const line = buffer.indexOf("\r\n", at, "latin1");
    if (line === -1) return undefined;
    const size = Number.parseInt(buffer.toString("latin1", at, line), 16);
    if (size === 0) {
      const end = buffer.indexOf(HEAD_END, line);
      return end === -1 ? undefined : { body: Buffer.concat(parts), end: end + 4 };
    }
    if (buffer.length < line + 2 + size + 2) return undefined;
    parts.push(buffer.subarray(line + 2, line + 2 + size));
    at = line + 2 + size + 2;
  }
}

/**
 * `total` GETs of `path` at `origin` over `concurrency` keep-alive
 * connections, one request at a time on each; `headers()` makes each
 * request's header lines ("name: value\r\n" each). `verify` sees each
 * answer's status and body. Resolves to each request's time in ms.
 */
export async function rawRequests(
  origin: string,
  path: string,
  headers: () => string,
  series: { total: number; concurrency: number },
  verify: (status: number, body: Buffer) => void,
): Promise<number[]> {
  const { hostname, port } = new URL(origin);
  const times: number[] = [];
  let next = 0;
  const connection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = new Socket();
      let started = 0;
      const send = () => {
        if (next >= series.total) {
          socket.end();
          resolve();
          return;
        }
        next += 1;
        started = performance.now();
        socket.write(
          `GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${headers()}\r\n`,
          "latin1",
        );
      };
      socket.setNoDelay(true);
      socket.on("error", reject);
      frames(socket, (buffer, from) => {
        const end = headEnd(buffer, from);
        if (end === -1) return 0;
        const head = buffer.toString("latin1", from, end);
        const status = Number(head.slice(9, 12));
        const length = headerValue(head, head.toLowerCase(), "content-length");
        let body: Buffer;
        let used: number;
        if (length === undefined) {
          const chunked = dechunk(buffer, end);
          if (chunked === undefined) return 0;
          body = chunked.body;
          used = chunked.end - from;
        } else {
          if (buffer.length < end + Number(length)) return 0;
          body = buffer.subarray(end, end + Number(length));
          used = end + Number(length) - from;
        }
        times.push(performance.now() - started);
        verify(status, body);
        send();
        return used;
      });
      socket.connect(Number(port), hostname, send);
    });
  await Promise.all(Array.from({ length: series.concurrency }, connection));
  return times;
}
