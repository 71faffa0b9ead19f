import type { Server } from "node:http";
import { createServer, type Socket } from "node:net";

/** A port on 127.0.0.1 that was free a moment ago: nothing listens there until someone binds it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Closes an HTTP server, dropping the connections it still holds. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A TCP listener on 127.0.0.1 that counts the connections it gets: proof that nothing connected. */
export interface CountingListener {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and counts connections; it holds each one open and
 * silent, or with `reset` drops it at once.
 */
export async function countingListener(
  options: { reset?: boolean } = {},
): Promise<CountingListener> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    count++;
    if (options.reset) return void socket.destroy();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    connections: () => count,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
