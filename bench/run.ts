/**
 * npm run bench: what the hub's request pipeline costs.
 *
 * A child process serves both the hub (in-memory PGlite, in-process bus) and,
 * as the baseline measured in the same run, a bare node:http server that
 * answers a fixed OCPI envelope with no checks. This process generates the
 * load over keep-alive connections on loopback and prints p50/p99 latency,
 * throughput, the serving process's CPU time per request (steadier than
 * latency on a shared machine) and the ratios; plus the time of a complete
 * credentials handshake. Figures only: nothing here passes or fails on time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 30);
/** Set to a folder to get a V8 CPU profile of the serving process there. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const ADMIN = "bench-admin-token-0123456789";

/** Child: the hub and the bare server, ports reported on stdout. */
async function serve(): Promise<void> {
  const { serve: listen } = await import("@hono/node-server");
  const { createApp } = await import("../src/app.js");
  const { loadConfig } = await import("../src/config/load.js");
  const { createDeps } = await import("../src/deps.js");
  const { createLogger } = await import("../src/logging/logger.js");
  const bare = createServer((_req, res) => {
    const body = JSON.stringify({
      data: { ok: true },
      status_code: 1000,
      timestamp: new Date().toISOString(),
    });
    res.writeHead(200, { "content-type": "application/json", "x-request-id": randomUUID() });
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const { Hono } = await import("hono");
  const honoApp = new Hono();
  honoApp.get("*", (c) =>
    c.json({ data: { ok: true }, status_code: 1000, timestamp: new Date().toISOString() }),
  );
  const honoServer = listen({ fetch: honoApp.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => honoServer.once("listening", () => resolve()));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const config = loadConfig({
    PORT: String(port),
    HUB_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: "memory://",
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: "silent",
  });
  const deps = await createDeps(config, { logger: createLogger("silent") });
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", () => {
    const usage = process.cpuUsage();
    process.send?.(usage.user + usage.system);
  });
  listen({ fetch: createApp(deps).fetch, port, hostname: "127.0.0.1" }, () => {
    process.stdout.write(
      `${JSON.stringify({
        hub: config.hubUrl,
        bare: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`,
        hono: `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}`,
      })}\n`,
    );
  });
}

interface Result {
  name: string;
  p50: number;
  p99: number;
  rps: number;
  /** CPU time of the serving process per request, in microseconds. */
  cpuUs: number;
}

let serverCpu: () => Promise<number> = async () => Number.NaN;

async function main(): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "serve",
    ],
    {
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    },
  );
  serverCpu = () =>
    new Promise((resolve) => {
      child.once("message", (m) => resolve(m as number));
      child.send("cpu");
    });
  try {
    const urls = await readUrls(child);
    const platform = await startPlatform();
    const token = await onboard(urls.hub, platform.url);

    const path = "/ocpi/2.2.1/credentials";
    const hubHeaders = { authorization: `Token ${Buffer.from(token).toString("base64")}` };
    await load("warm-up", urls.hub, path, hubHeaders, 2_000);
    await load("warm-up", urls.bare, path, {}, 2_000);
    await load("warm-up", urls.hono, path, {}, 2_000);
    const bare = await load("bare node:http, fixed envelope", urls.bare, path, {}, REQUESTS);
    const hono = await load(
      "bare Hono on @hono/node-server, fixed envelope",
      urls.hono,
      path,
      {},
      REQUESTS,
    );
    const hub = await load(
      "hub: auth + envelope (GET credentials)",
      urls.hub,
      path,
      hubHeaders,
      REQUESTS,
    );
    const versions = await load(
      "hub: GET versions",
      urls.hub,
      "/ocpi/versions",
      hubHeaders,
      REQUESTS,
    );
    const handshake = await handshakes(urls.hub, platform.url, HANDSHAKES);

    console.log(
      `\nocpi-hub bench — node ${process.version}, ${REQUESTS} requests, concurrency ${CONCURRENCY}, loopback\n`,
    );
    console.log("| what | p50 ms | p99 ms | requests/s | server CPU µs/request |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const r of [bare, hono, hub, versions]) {
      console.log(
        `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.rps)} | ${r.cpuUs.toFixed(1)} |`,
      );
    }
    console.log(
      `\nhub / bare node:http throughput: ${(hub.rps / bare.rps).toFixed(2)}; p50 added: ${(hub.p50 - bare.p50).toFixed(2)} ms`,
    );
    console.log(
      `hub / bare Hono throughput: ${(hub.rps / hono.rps).toFixed(2)}; p50 added by the hub's own stages: ${(hub.p50 - hono.p50).toFixed(2)} ms; CPU added: ${(hub.cpuUs - hono.cpuUs).toFixed(1)} µs/request`,
    );
    console.log(
      `credentials handshake (party-initiated, incl. the hub's GETs of versions and details): p50 ${handshake.p50.toFixed(1)} ms, p99 ${handshake.p99.toFixed(1)} ms over ${HANDSHAKES}`,
    );
    await new Promise<void>((resolve) => platform.server.close(() => resolve()));
  } finally {
    child.kill("SIGTERM");
  }
}

function readUrls(child: ChildProcess): Promise<{ hub: string; bare: string; hono: string }> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

/** A minimal 2.2.1 platform: versions and details, so the hub can complete handshakes. */
async function startPlatform(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = `http://${req.headers.host}`;
    const data =
      req.url === "/ocpi/versions"
        ? [{ version: "2.2.1", url: `${url}/ocpi/2.2.1` }]
        : {
            version: "2.2.1",
            endpoints: [
              { identifier: "credentials", role: "SENDER", url: `${url}/ocpi/2.2.1/credentials` },
            ],
          };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ data, status_code: 1000, timestamp: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let party = 0;

/** Invites a CPO and registers it party-initiated; returns the token the hub issued. */
async function onboard(hub: string, platformUrl: string): Promise<string> {
  party += 1;
  const role = {
    role: "CPO",
    country_code: "NL",
    party_id: party.toString(36).toUpperCase().padStart(3, "0"),
  };
  const invite = await fetch(`${hub}/admin/platforms`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `bench ${party}`, roles: [role] }),
  });
  const { token_a } = (await invite.json()) as { token_a: string };
  const res = await fetch(`${hub}/ocpi/2.2.1/credentials`, {
    method: "POST",
    headers: {
      authorization: `Token ${Buffer.from(token_a).toString("base64")}`,
      "content-type": "application/json",
    },
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

async function handshakes(
  hub: string,
  platformUrl: string,
  n: number,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await onboard(hub, platformUrl);
    times.push(performance.now() - started);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

async function load(
  name: string,
  origin: string,
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<Result> {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const times: number[] = [];
  let next = 0;
  const cpuBefore = await serverCpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next += 1;
        const t = performance.now();
        const res = await pool.request({ method: "GET", path, headers });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${name}: HTTP ${res.statusCode}`);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((await serverCpu()) - cpuBefore) / total;
  await pool.close();
  return {
    name,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    rps: total / seconds,
    cpuUs,
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

if (process.argv[2] === "serve") await serve();
else await main();
