import { request } from "node:http";
import { connect, type Socket } from "node:net";
import type { HubAnswer } from "./fake-platform.js";

/**
 * A request whose target goes on the wire exactly as written: fetch would
 * resolve dot segments (`..`, `%2e`) before sending, node:http does not.
 */
export function rawRequest(
  base: string,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HubAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path: target,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {}
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === "string") headers.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, headers, body });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A plain TCP connection to an http:// base URL, and everything it received. */
export interface RawConnection {
  socket: Socket;
  /** What arrived so far, as latin1 text. */
  received(): string;
  /** Resolves when the server has closed the connection, with the time it took from `connected`. */
  closed: Promise<number>;
  /** Bytes this side wrote so far. */
  written(): number;
  /** Writes unless the connection is gone; false once it is. */
  write(data: string | Buffer): boolean;
}

export async function openConnection(base: string): Promise<RawConnection> {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const connected = Date.now();
  let text = "";
  let written = 0;
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
  });
  // A reset after the server's answer is the server closing too.
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => {
    socket.once("close", () => resolve(Date.now() - connected));
  });
  return {
    socket,
    received: () => text,
    closed,
    written: () => written,
    write(data) {
      if (socket.destroyed || socket.writableEnded) return false;
      written += typeof data === "string" ? Buffer.byteLength(data, "latin1") : data.length;
      socket.write(data);
      return true;
    },
  };
}

/** The status line's code and the body of the first answer in raw HTTP/1.1 text. */
export function parseAnswer(text: string): { status: number; headers: string; body: string } {
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  let body = end === -1 ? "" : text.slice(end + 4);
  if (/\r\ntransfer-encoding: chunked/i.test(head)) {
    // One or more chunks: join their data.
    let rest = body;
    body = "";
    for (;;) {
      const line = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.slice(0, line), 16);
      if (!(size > 0)) break;
      body += rest.slice(line + 2, line + 2 + size);
      rest = rest.slice(line + 2 + size + 2);
    }
  }
  return { status, headers: head, body };
}

/**
 * Sends `head` (request line and headers), then body bytes in 64 KiB
 * pieces, chunk-framed when `chunked`, until an answer has arrived, the
 * server closed the connection, or `maxBytes` of body went out. Resolves
 * with the answer and how much of the body had been written by then.
 */
export async function sendUntilAnswered(
  base: string,
  head: string,
  options: { chunked: boolean; maxBytes: number },
): Promise<{ status: number; headers: string; body: string; written: number; closed: boolean }> {
  const conn = await openConnection(base);
  let closed = false;
  void conn.closed.then(() => {
    closed = true;
  });
  conn.write(head);
  const piece = Buffer.alloc(64 * 1024, "x");
  let sent = 0;
  const answered = () => /\r\n\r\n/.test(conn.received());
  while (!answered() && !closed && sent < options.maxBytes) {
    const framed = options.chunked
      ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")])
      : piece;
    if (!conn.write(framed)) break;
    sent += piece.length;
    if (conn.socket.writableNeedDrain) {
      await Promise.race([
        new Promise((resolve) => conn.socket.once("drain", resolve)),
        conn.closed,
        new Promise((resolve) => setTimeout(resolve, 50)),
      ]);
    } else {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  // The whole answer, then the server's close (or ours after a while).
  const deadline = Date.now() + 10_000;
  while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  conn.socket.destroy();
  return { ...parseAnswer(conn.received()), written: sent, closed };
}
