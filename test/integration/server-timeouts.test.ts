import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_LIMITS } from "../../src/ingress/server-limits.js";
import {
  type HubProcess,
  killHubProcesses,
  startHubProcess,
  waitHealthy,
} from "../support/hub-process.js";
import { openConnection, parseAnswer } from "../support/raw-http.js";

/**
 * The hub process's HTTP server does not keep Node's defaults: a client
 * that sends its headers slowly is cut off after 10 s (not 60 s), one that
 * sends its body slowly after 30 s (not 300 s); idle keep-alive connections
 * last 65 s; and it listens on HOST only.
 */

const ADMIN = "timeouts-test-admin-token-0123456789";

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHubProcess({
    DATABASE_URL: "memory://",
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
  });
  await waitHealthy(hub, 30_000);
});

afterAll(async () => {
  await killHubProcesses();
});

/** Writes `line` every second until the connection closes; resolves with the close time and the answer. */
async function dribble(head: string, line: () => string) {
  const conn = await openConnection(hub.url);
  conn.write(head);
  const timer = setInterval(() => conn.write(line()), 1_000);
  try {
    const ms = await conn.closed;
    return { ms, answer: parseAnswer(conn.received()) };
  } finally {
    clearInterval(timer);
  }
}

describe.concurrent("the hub process's HTTP server", () => {
  it("closes a connection whose headers have not all come within 10 s, with 408", async () => {
    let n = 0;
    const { ms, answer } = await dribble(
      "GET /healthz HTTP/1.1\r\nHost: hub\r\n",
      () => `X-Slow-${n++}: 1\r\n`,
    );
    expect(answer.status).toBe(408);
    expect(ms).toBeGreaterThanOrEqual(SERVER_LIMITS.headersTimeout - 1_000);
    // The timeout plus Node's check interval, with room to spare; Node's default is 60 s.
    expect(ms).toBeLessThan(SERVER_LIMITS.headersTimeout + 8_000);
  }, 40_000);

  it("closes a connection whose body has not all come within 30 s, with 408", async () => {
    const head = [
      "POST /admin/platforms HTTP/1.1",
      "Host: hub",
      `Authorization: Bearer ${ADMIN}`,
      "Content-Type: application/json",
      "Content-Length: 1000",
      "",
      "",
    ].join("\r\n");
    const { ms, answer } = await dribble(head, () => " ");
    expect(answer.status).toBe(408);
    expect(ms).toBeGreaterThanOrEqual(SERVER_LIMITS.requestTimeout - 1_000);
    // Node's default is 300 s.
    expect(ms).toBeLessThan(SERVER_LIMITS.requestTimeout + 8_000);
  }, 60_000);

  it("keeps idle keep-alive connections for 65 s, and says so", async () => {
    const res = await fetch(`${hub.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("keep-alive")).toBe("timeout=65");
  });

  it("listens on HOST only", async () => {
    const v6 = await startHubProcess({
      DATABASE_URL: "memory://",
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: "warn",
      HOST: "::1",
    });
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline && !v6.hasExited()) {
      status = await fetch(`http://[::1]:${v6.port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status, v6.output()).toBe(200);
    expect(await connectOutcome(v6.port, "127.0.0.1")).toBe("ECONNREFUSED");
  }, 40_000);
});

function connectOutcome(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
  });
}
