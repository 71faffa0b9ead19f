/**
 * What the benchmarks share: their child processes, the hub they start in
 * one, small OCPI platforms on loopback, the hub's admin and credentials
 * calls, timed request series and the figures made of them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Pool } from "undici";
import type { Deps } from "../src/deps.js";

/** The hub's admin token in every benchmark. */
export const ADMIN = "bench-admin-token-0123456789";

// ---------------------------------------------------------------------------
// Child processes.

/**
 * The V8 settings the hub is started with (package.json's start script,
 * deploy/Dockerfile, deploy/k8s/deployment.yaml; docs/production.md):
 * children that run a hub get them too, so that the benches measure the
 * hub as it runs.
 */
export const HUB_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];

/** HUB_NODE_FLAGS, or BENCH_HUB_NODE_FLAGS (space-separated; empty for none) to compare others. */
export const hubNodeFlags = (): readonly string[] =>
  process.env.BENCH_HUB_NODE_FLAGS === undefined
    ? HUB_NODE_FLAGS
    : process.env.BENCH_HUB_NODE_FLAGS.split(" ").filter(Boolean);

/**
 * Runs `script` with `args` under tsx in a child process: stdout piped (see
 * readLine), stderr shared, and an IPC channel. With `profileDir`, the child
 * writes a V8 CPU profile there; `nodeFlags` go to node before anything else
 * (HUB_NODE_FLAGS for a child that runs a hub).
 */
export function spawnScript(
  script: string,
  args: string[],
  profileDir?: string,
  nodeFlags: readonly string[] = [],
): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...nodeFlags,
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
      "--import",
      "tsx",
      script,
      ...args,
    ],
    { stdio: ["ignore", "pipe", "inherit", "ipc"] },
  );
}

/** In a child: the line its parent waits for with readLine. */
export function writeLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The first JSON line a child prints. */
export function readLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as T);
    });
    child.once("exit", (code) => reject(new Error(`bench child exited with ${code}`)));
  });
}

// ---------------------------------------------------------------------------
// Servers on loopback.

/** Listens on a free loopback port; resolves to the server's origin. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * In a child: the hub on a free loopback port with the bench admin token and
 * `database` (DATABASE_URL or DATA_DIR), logging at `logLevel` to stderr,
 * with any further settings in `env`; resolves once it listens.
 */
export async function startHub(
  database: { DATABASE_URL: string } | { DATA_DIR: string },
  logLevel: string,
  env: Record<string, string> = {},
): Promise<{ url: string; deps: Deps }> {
  const { serve } = await import("@hono/node-server");
  const { createApp } = await import("../src/app.js");
  const { loadConfig } = await import("../src/config/load.js");
  const { createDeps } = await import("../src/deps.js");
  const { createLogger } = await import("../src/logging/logger.js");
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HUB_URL: `http://127.0.0.1:${port}`,
    ...database,
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: logLevel,
    // One platform sends every request of a run, several thousand a second:
    // the rate limit still runs on each, it just never refuses one.
    PLATFORM_RATE_LIMIT: "1000000",
    ...env,
  });
  const deps = await createDeps(config, {
    logger: createLogger(config.logLevel, process.stderr),
  });
  await new Promise<void>((resolve) => {
    serve({ fetch: createApp(deps).fetch, port, hostname: "127.0.0.1" }, () => resolve());
  });
  return { url: config.hubUrl, deps };
}

// ---------------------------------------------------------------------------
// OCPI platforms.

/** An OCPI response body: status 1000 with `data`. */
export function envelope(data: unknown): string {
  return JSON.stringify({ data, status_code: 1000, timestamp: new Date().toISOString() });
}

/** The value of the Authorization header that presents `token`. */
export function tokenAuthorization(token: string): string {
  return `Token ${Buffer.from(token).toString("base64")}`;
}

type Module = readonly [identifier: string, role: "SENDER" | "RECEIVER"];

/**
 * The 2.2.1 details of a platform whose OCPI base URL is `base`: credentials,
 * then each module at `<base>/2.2.1/<identifier>/<sender|receiver>`.
 */
export function versionDetails(base: string, modules: readonly Module[]): unknown {
  return {
    version: "2.2.1",
    endpoints: [
      { identifier: "credentials", role: "SENDER", url: `${base}/2.2.1/credentials` },
      ...modules.map(([identifier, role]) => ({
        identifier,
        role,
        url: `${base}/2.2.1/${identifier}/${role.toLowerCase()}`,
      })),
    ],
  };
}

/**
 * What a 2.2.1 platform whose OCPI base URL is `base` answers to GET
 * `path` when it is its versions list or its version details; else undefined.
 */
export function versionAnswer(
  path: string | undefined,
  base: string,
  modules: readonly Module[],
): unknown {
  if (path === "/ocpi/versions") return [{ version: "2.2.1", url: `${base}/2.2.1` }];
  if (path === "/ocpi/2.2.1") return versionDetails(base, modules);
  return undefined;
}

/** Answers 1000 with `data`, with the request's X-Request-ID (a new one if it had none). */
export function respond(req: IncomingMessage, res: ServerResponse, data: unknown): void {
  res.writeHead(200, {
    "content-type": "application/json",
    "x-request-id": String(req.headers["x-request-id"] ?? randomUUID()),
  });
  res.end(envelope(data));
}

// ---------------------------------------------------------------------------
// The hub's admin API and credentials module.

/** A role of a party, as the admin API and the credentials module take it. */
export interface Role {
  role: string;
  country_code: string;
  party_id: string;
}

/** Invites a platform with `roles` through the admin API. */
export async function invite(
  hub: string,
  name: string,
  roles: Role[],
): Promise<{ id: string; token_a: string }> {
  const res = await fetch(`${hub}/admin/platforms`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, roles }),
  });
  if (res.status !== 201)
    throw new Error(`invitation failed: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; token_a: string };
}

/** Registers a platform party-initiated with its Token A; returns the token the hub issued. */
export async function register(
  hub: string,
  tokenA: string,
  platformUrl: string,
  role: Role,
): Promise<string> {
  const res = await fetch(`${hub}/ocpi/2.2.1/credentials`, {
    method: "POST",
    headers: { authorization: tokenAuthorization(tokenA), "content-type": "application/json" },
    body: JSON.stringify({
      token: `bench-${randomUUID()}`,
      url: `${platformUrl}/ocpi/versions`,
      roles: [{ ...role, business_details: { name: "bench" } }],
    }),
  });
  const body = (await res.json()) as { status_code: number; data: { token: string } };
  if (body.status_code !== 1000) throw new Error(`registration failed: ${JSON.stringify(body)}`);
  return body.data.token;
}

// ---------------------------------------------------------------------------
// Timed requests and figures.

/**
 * `total` requests over `concurrency` connections of `pool`, each connection
 * one at a time; with a `deadline` (a performance.now() time), no request
 * starts after it once 5 have been answered. Each answer goes to `verify`
 * once its time is taken; resolves to the times in ms.
 */
export async function timeRequests(
  pool: Pool,
  /** `headers` may be made anew for each request (fresh X-Request-IDs, as real traffic has). */
  request: {
    method: "GET";
    path: string;
    headers: Record<string, string> | (() => Record<string, string>);
  },
  series: { total: number; concurrency: number; deadline?: number },
  verify: (status: number, headers: Record<string, unknown>, text: string) => void,
): Promise<number[]> {
  const { total, concurrency, deadline } = series;
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (
        next < total &&
        (deadline === undefined || times.length < 5 || performance.now() < deadline)
      ) {
        next += 1;
        const t = performance.now();
        const { headers } = request;
        const res = await pool.request({
          ...request,
          headers: typeof headers === "function" ? headers() : headers,
        });
        const text = await res.body.text();
        times.push(performance.now() - t);
        verify(res.statusCode, res.headers, text);
      }
    }),
  );
  return times;
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export interface Timing {
  p50: number;
  p99: number;
  n: number;
}

export function timing(times: number[]): Timing {
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), n: times.length };
}

/** Asks a child over IPC; the child answers with the same id. */
export function asker<Q extends object>(child: ChildProcess) {
  let id = 0;
  const waiting = new Map<number, (m: Record<string, unknown>) => void>();
  child.on("message", (m: Record<string, unknown>) => {
    const resolve = waiting.get(m.id as number);
    waiting.delete(m.id as number);
    resolve?.(m);
  });
  return (q: Omit<Q, "id">): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      id += 1;
      waiting.set(id, resolve);
      if (!child.send({ ...q, id })) reject(new Error("child gone"));
    });
}

/** SIGTERM, then SIGKILL if the child is still busy (a PGlite query holds its event loop) after 30 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/** A database of its own for a benchmark on a PostgreSQL server. */
export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
  drop(): Promise<void>;
  /** CPU seconds used so far by the server processes connected to it (NaN where unknown). */
  cpuSeconds(): Promise<number>;
  /**
   * The server processes that work for this database: its backends and the
   * server's background processes (WAL writer, checkpointer, …), which other
   * databases on the server share. Empty where the server does not say.
   */
  serverPids(): Promise<number[]>;
}

/** USER_HZ of Linux's /proc/<pid>/stat times; 100 on every common platform. */
const CLOCK_TICKS = 100;

/**
 * CPU seconds (user + system) a process on this host has used, from Linux's
 * /proc/<pid>/stat; NaN when it cannot be read (another OS, the process gone).
 */
export function processCpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds of the whole host so far, from Linux's /proc/stat: `busy`
 * (every state but idle and waiting for I/O) and `total`, summed over its
 * cores; undefined when it cannot be read.
 */
export function hostCpuSeconds(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] as string;
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    if (!Number.isFinite(total) || total === 0) return undefined;
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds one thread of a process on this host has used (a process's
 * main thread has its pid as tid): from Linux's
 * /proc/<pid>/task/<tid>/schedstat, in nanoseconds, where the kernel keeps
 * it (its stat counts clock ticks of 10 ms, 5 µs per request in a round of
 * 2,000), else from that stat; NaN when neither can be read.
 */
export function threadCpuSeconds(pid: number, tid = pid): number {
  try {
    const ran = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    if (Number.isFinite(ran)) return ran / 1e9;
  } catch {
    // No schedstat: the ticks of stat.
  }
  return processCpuSeconds(`${pid}/task/${tid}`);
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** True when `url` names a server on this host, whose processes /proc shows. */
export function onThisHost(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The processes on this host whose command name (/proc/<pid>/comm) is `name`; none off Linux. */
export function pidsNamed(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/**
 * With a postgres:// DATABASE_URL, a new database `<name>_bench_<random>` on
 * that server, dropped at the end. The statements run on the named database,
 * or on `postgres` when the named one does not exist.
 */
export async function createBenchDatabase(
  url: string | undefined,
): Promise<BenchDatabase | undefined> {
  if (url === undefined || !/^postgres(ql)?:\/\//.test(url)) return undefined;
  const { default: postgres } = await import("postgres");
  const base = new URL(url);
  const name = `${base.pathname.slice(1) || "ocpi_hub"}_bench_${randomBytes(4).toString("hex")}`;
  let admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch (err) {
    if ((err as { code?: string }).code !== "3D000") throw err;
    await admin.end();
    const maintenance = new URL(url);
    maintenance.pathname = "/postgres";
    admin = postgres(maintenance.toString(), { max: 1, onnotice: () => {} });
  }
  await admin.unsafe(`create database "${name}"`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    url: dbUrl.toString(),
    close: () => admin.end(),
    async cpuSeconds() {
      // Linux: utime + stime of the server processes serving this database, in clock ticks.
      const rows = await admin<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = ${name}`;
      let seconds = 0;
      for (const { pid } of rows) seconds += processCpuSeconds(pid);
      return seconds;
    },
    async serverPids() {
      const rows = await admin<{ pid: number }[]>`
        select pid from pg_stat_activity
        where datname = ${name} or (datname is null and backend_type <> 'client backend')`;
      return rows.map((r) => r.pid);
    },
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
