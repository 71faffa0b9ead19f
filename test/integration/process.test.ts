import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ADMIN = "process-test-admin-token-0123456789";
/** The form of a generated token: five groups of eight hex digits. */
const TOKEN_PATTERN = /[0-9a-f]{8}(-[0-9a-f]{8}){4}/;

interface HubProcess {
  child: ChildProcess;
  port: number;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

const children: HubProcess[] = [];
const servers: Server[] = [];
const dirs: string[] = [];

/**
 * Only what a shell needs to run node: nothing of the hub's own variables
 * (DATABASE_URL, NATS_URL, ADMIN_TOKEN …) leaks in from the test run.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "SYSTEMROOT"]) {
    // biome-ignore lint/style/noProcessEnv: the child needs PATH and HOME of the shell running the tests
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs `node --import tsx src/main.ts` with exactly `env` (plus PATH/HOME) and PORT set unless given. */
async function startProcess(env: Record<string, string>): Promise<HubProcess> {
  const port =
    env.PORT !== undefined && /^\d+$/.test(env.PORT) ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...baseEnv(), PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const proc: HubProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    hasExited: () => done,
  };
  children.push(proc);
  return proc;
}

/** Resolves with the exit, or fails after `ms`. */
async function exitWithin(proc: HubProcess, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `process still running after ${ms} ms\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([proc.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls GET /healthz until 200, failing early when the process dies. */
async function waitHealthy(proc: HubProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(
        `the hub exited while starting\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`,
      );
    }
    try {
      const res = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `no healthy hub within ${ms} ms\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`,
  );
}

function jsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {}
  }
  return lines;
}

async function admin(
  proc: HubProcess,
  method: string,
  path: string,
  token: string,
  body?: unknown,
) {
  const res = await fetch(`${proc.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
  };
}

async function stop(proc: HubProcess, ms = 10_000) {
  proc.child.kill("SIGTERM");
  return exitWithin(proc, ms);
}

afterEach(async () => {
  for (const proc of children.splice(0)) {
    if (!proc.hasExited()) {
      proc.child.kill("SIGKILL");
      await proc.exited;
    }
  }
  for (const server of servers.splice(0)) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("configuration errors stop the start", () => {
  async function refused(env: Record<string, string>) {
    const proc = await startProcess({ DATABASE_URL: "memory://", LOG_LEVEL: "info", ...env });
    const { code } = await exitWithin(proc, 20_000);
    const lines = proc
      .stderr()
      .split("\n")
      .filter((l) => l.trim() !== "");
    return { code, lines, stdout: proc.stdout() };
  }

  it("exits 2 with one line naming PORT when PORT is not a number", async () => {
    const { code, lines, stdout } = await refused({ PORT: "abc" });
    expect(code).toBe(2);
    expect(lines.length, lines.join("\n")).toBe(1);
    expect(lines[0]).toMatch(/\bPORT\b/);
    expect(stdout).not.toMatch(/listening/);
  });

  it("exits 2 with one line naming DATABASE_URL for a mysql:// URL", async () => {
    const { code, lines } = await refused({ DATABASE_URL: "mysql://x" });
    expect(code).toBe(2);
    expect(lines.length, lines.join("\n")).toBe(1);
    expect(lines[0]).toMatch(/\bDATABASE_URL\b/);
  });

  it("names every bad variable in the one line", async () => {
    const { code, lines } = await refused({ HUB_COUNTRY_CODE: "NLD", LOG_LEVEL: "loud" });
    expect(code).toBe(2);
    expect(lines.length, lines.join("\n")).toBe(1);
    expect(lines[0]).toMatch(/\bHUB_COUNTRY_CODE\b/);
    expect(lines[0]).toMatch(/\bLOG_LEVEL\b/);
  });
});

describe("the entry point as a process", () => {
  it("starts on the embedded defaults, is ready, and stops cleanly on SIGTERM", async () => {
    const proc = await startProcess({
      DATABASE_URL: "memory://",
      LOG_LEVEL: "info",
      ADMIN_TOKEN: ADMIN,
    });
    await waitHealthy(proc, 20_000);

    const ready = await fetch(`${proc.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { database: string; nats: string; durable: boolean };
    expect(body.database).toBe("up");
    expect(body.nats).toBe("in-process");
    expect(body.durable).toBe(false);

    const { code } = await stop(proc);
    expect(code).toBe(0);
    const logs = jsonLines(proc.stdout());
    expect(logs.some((l) => l.msg === "ocpi-hub listening")).toBe(true);
    expect(logs.some((l) => l.msg === "stopped")).toBe(true);
  }, 60_000);

  it("finishes a request in flight when told to stop, then exits 0", async () => {
    // A platform's versions endpoint that answers slowly, and not in OCPI.
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const slow = createHttpServer((_req, res) => {
      arrived();
      setTimeout(() => {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no such page");
      }, 1_500);
    });
    servers.push(slow);
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const address = slow.address();
    const slowPort = typeof address === "object" && address !== null ? address.port : 0;

    const proc = await startProcess({
      DATABASE_URL: "memory://",
      LOG_LEVEL: "info",
      ADMIN_TOKEN: ADMIN,
    });
    await waitHealthy(proc, 20_000);
    const invited = await admin(proc, "POST", "/platforms", ADMIN, {
      name: "slow eMSP",
      roles: [{ role: "EMSP", country_code: "DE", party_id: "SLO" }],
    });
    expect(invited.status).toBe(201);

    const inFlight = admin(proc, "POST", `/platforms/${invited.body.id}/register`, ADMIN, {
      versions_url: `http://127.0.0.1:${slowPort}/ocpi/versions`,
      token: "slow-token-a",
    });
    await reached;
    const signalledAt = Date.now();
    proc.child.kill("SIGTERM");

    // Stopping: new connections are refused while the request in flight goes on.
    const deadline = Date.now() + 1_000;
    while (!proc.stdout().includes("shutting down") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(proc.stdout()).toContain("shutting down");
    const refused = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => `HTTP ${res.status}`,
      (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
    );
    expect(["ECONNREFUSED", "ECONNRESET"]).toContain(refused);

    const answer = await inFlight;
    expect(Date.now() - signalledAt).toBeGreaterThan(1_000); // it really was in flight
    expect(answer.status).toBe(502);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.body.error.code).toBe("REGISTRATION_FAILED");
    expect(answer.body.error.message).toEqual(expect.any(String));

    const { code } = await exitWithin(proc, 10_000);
    expect(code).toBe(0);
    expect(jsonLines(proc.stdout()).some((l) => l.msg === "stopped")).toBe(true);
  }, 60_000);

  it("generates the admin token on the first start only and keeps it across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ocpi-hub-process-"));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, LOG_LEVEL: "info" };

    const first = await startProcess(env);
    await waitHealthy(first, 30_000);
    const printed = first
      .stdout()
      .split("\n")
      .map((line) => TOKEN_PATTERN.exec(line)?.[0])
      .filter((t): t is string => t !== undefined);
    expect(printed.length).toBe(1);
    const token = printed[0] as string;
    expect((await admin(first, "GET", "/platforms", token)).status).toBe(200);
    expect((await stop(first, 20_000)).code).toBe(0);

    const second = await startProcess({ ...env, PORT: String(first.port) });
    await waitHealthy(second, 30_000);
    expect(second.stdout()).not.toMatch(TOKEN_PATTERN);
    const listed = await admin(second, "GET", "/platforms", token);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);
    expect(
      (await admin(second, "GET", "/platforms", "ffffffff-ffffffff-ffffffff-ffffffff-ffffffff"))
        .status,
    ).toBe(401);
    expect((await stop(second, 20_000)).code).toBe(0);
    expect(second.stdout()).not.toMatch(TOKEN_PATTERN);
  }, 120_000);
});
