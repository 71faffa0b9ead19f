/**
 * npm run bench: what the hub's request pipeline costs.
 *
 * A child process serves both the hub (in-memory PGlite, in-process bus) and,
 * as the baseline measured in the same run, a bare node:http server that
 * answers a fixed OCPI envelope with no checks. This process generates the
 * load over keep-alive connections on loopback and prints p50/p99 latency,
 * throughput, the serving process's CPU time per request (steadier than
 * latency on a shared machine) and the ratios; plus the time of a complete
 * credentials handshake.
 *
 * Forwarding: a fake CPO in a process of its own serves one location; the
 * same GETs go straight to it, through a bare node:http pass-through proxy
 * (keep-alive, no checks) and through the hub (an eMSP's token and routing
 * headers), and the ratios hub / proxy are printed.
 * Figures only: nothing here passes or fails on time.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, Agent as HttpAgent, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import {
  envelope,
  hubNodeFlags,
  invite,
  listenLocal,
  quantile,
  readLine,
  register,
  respond,
  spawnScript,
  startHub,
  timeRequests,
  timing,
  tokenAuthorization,
  versionAnswer,
  versionDetails,
  writeLine,
} from "./support.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 30);
/** The forwarding comparison runs in this many alternating rounds. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
/** Set to a folder to get a V8 CPU profile of the serving process there. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

/** Child: the hub and the bare server, ports reported on stdout. */
async function serve(cpoUrl: string): Promise<void> {
  const { serve: listen } = await import("@hono/node-server");
  const bare = createServer((_req, res) => {
    const body = envelope({ ok: true });
    res.writeHead(200, { "content-type": "application/json", "x-request-id": randomUUID() });
    res.end(body);
  });
  const bareUrl = await listenLocal(bare);
  const { Hono } = await import("hono");
  const honoApp = new Hono();
  honoApp.get("*", (c) =>
    c.json({ data: { ok: true }, status_code: 1000, timestamp: new Date().toISOString() }),
  );
  const honoServer = listen({ fetch: honoApp.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => honoServer.once("listening", () => resolve()));
  const upstream = new URL(cpoUrl);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const proxy = createServer((req, res) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  const proxyUrl = await listenLocal(proxy);
  const hub = await startHub({ DATABASE_URL: "memory://" }, "silent");
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", () => {
    const usage = process.cpuUsage();
    process.send?.(usage.user + usage.system);
  });
  writeLine({
    hub: hub.url,
    bare: bareUrl,
    hono: `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}`,
    proxy: proxyUrl,
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
  const script = fileURLToPath(import.meta.url);
  const cpo = spawnScript(script, ["cpo"]);
  let child: ChildProcess | undefined;
  try {
    const { cpo: cpoUrl } = await readLine<{ cpo: string }>(cpo);
    child = spawnScript(script, ["serve", cpoUrl], PROFILE_DIR, hubNodeFlags());
    const server = child;
    serverCpu = () =>
      new Promise((resolve) => {
        server.once("message", (m) => resolve(m as number));
        server.send("cpu");
      });
    const urls = await readLine<{ hub: string; bare: string; hono: string; proxy: string }>(child);
    const platform = await startPlatform();
    const token = await onboard(urls.hub, platform.url);

    const path = "/ocpi/2.2.1/credentials";
    const hubHeaders = { authorization: tokenAuthorization(token) };
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

    // Forwarding: one location GET, straight, through the bare proxy, through the hub.
    await onboard(urls.hub, cpoUrl, { country_code: "NL", party_id: "CPO" });
    const emspToken = await onboard(urls.hub, platform.url, {
      role: "EMSP",
      country_code: "DE",
      party_id: "EMS",
    });
    const locationPath = `/ocpi/2.2.1/locations/sender/${LOCATION_ID}`;
    const emspHeaders = {
      authorization: tokenAuthorization(emspToken),
      "ocpi-from-country-code": "DE",
      "ocpi-from-party-id": "EMS",
      "ocpi-to-country-code": "NL",
      "ocpi-to-party-id": "CPO",
      "x-correlation-id": randomUUID(),
    };
    await load("warm-up", cpoUrl, locationPath, {}, 2_000);
    await load("warm-up", urls.proxy, locationPath, {}, 2_000);
    await load("warm-up", urls.hub, locationPath, emspHeaders, 2_000);
    // Rounds alternate the three targets, so drift on a shared host hits each alike; medians are reported.
    const rounds: Result[][] = [[], [], []];
    for (let round = 0; round < ROUNDS; round++) {
      const n = Math.ceil(REQUESTS / ROUNDS);
      rounds[0]?.push(await load("GET location straight to the CPO", cpoUrl, locationPath, {}, n));
      rounds[1]?.push(
        await load("GET location through a bare node:http proxy", urls.proxy, locationPath, {}, n),
      );
      rounds[2]?.push(
        await load(
          "GET location through the hub (auth, routing headers, forward, relay)",
          urls.hub,
          locationPath,
          emspHeaders,
          n,
        ),
      );
    }
    const [direct, proxied, routed] = rounds.map(median) as [Result, Result, Result];
    // The CPO runs in a process of its own; the measured CPU is the hub process's.
    direct.cpuUs = Number.NaN;
    // Each round's hub run follows its proxy run at once, so per-round ratios see the same host.
    const ratios = rounds[1]?.map((p, k) => (rounds[2]?.[k]?.rps ?? 0) / p.rps) ?? [];
    const added = rounds[1]?.map((p, k) => (rounds[2]?.[k]?.p50 ?? 0) - p.p50) ?? [];
    console.log(
      `\nocpi-hub bench — node ${process.version}, ${REQUESTS} requests, concurrency ${CONCURRENCY}, loopback\n`,
    );
    console.log("| what | p50 ms | p99 ms | requests/s | server CPU µs/request |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const r of [bare, hono, hub, versions, direct, proxied, routed]) {
      const cpu = Number.isNaN(r.cpuUs) ? "–" : r.cpuUs.toFixed(1);
      console.log(
        `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.rps)} | ${cpu} |`,
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
    console.log(
      `forwarding (medians over ${ROUNDS} alternating rounds): hub / bare proxy throughput ${quantile(ratios, 0.5).toFixed(2)} (per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}; target ≥ 0.8); p50 added by the hub over the proxy ${quantile(added, 0.5).toFixed(2)} ms (target ≤ 1 ms); hub / straight throughput ${(routed.rps / direct.rps).toFixed(2)}; CPU per forwarded request: hub ${routed.cpuUs.toFixed(1)} µs, proxy ${proxied.cpuUs.toFixed(1)} µs`,
    );
    await new Promise<void>((resolve) => platform.server.close(() => resolve()));
  } finally {
    child?.kill("SIGTERM");
    cpo.kill("SIGTERM");
  }
}

const LOCATION_ID = "LOC1";

/** Child: a CPO that serves one realistic location (the spec's example) on its locations Sender. */
async function serveCpo(): Promise<void> {
  const example = JSON.parse(
    readFileSync(
      new URL("../test/support/ocpi-examples/location_example.json", import.meta.url),
      "utf8",
    ),
  ) as Record<string, unknown>;
  const location = { ...example, country_code: "NL", party_id: "CPO", id: LOCATION_ID };
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}/ocpi`;
    respond(req, res, versionAnswer(req.url, base, [["locations", "SENDER"]]) ?? location);
  });
  const url = await listenLocal(server);
  process.on("SIGTERM", () => process.exit(0));
  writeLine({ cpo: url });
}

/** A minimal 2.2.1 platform: versions and details, so the hub can complete handshakes. */
async function startPlatform(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}/ocpi`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(envelope(versionAnswer(req.url, base, []) ?? versionDetails(base, [])));
  });
  return { url: await listenLocal(server), server };
}

let party = 0;

/** Invites a party (a CPO unless told) and registers it party-initiated; returns the hub's token. */
async function onboard(
  hub: string,
  platformUrl: string,
  as: { role?: string; country_code: string; party_id: string } = {
    country_code: "NL",
    party_id: (party + 1).toString(36).toUpperCase().padStart(3, "0"),
  },
): Promise<string> {
  party += 1;
  const role = { role: "CPO", ...as };
  const { token_a } = await invite(hub, `bench ${party}`, [role]);
  return register(hub, token_a, platformUrl, role);
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
  return timing(times);
}

async function load(
  name: string,
  origin: string,
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<Result> {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const cpuBefore = await serverCpu();
  const started = performance.now();
  const times = await timeRequests(
    pool,
    { method: "GET", path, headers },
    { total, concurrency: CONCURRENCY },
    (status) => {
      if (status !== 200) throw new Error(`${name}: HTTP ${status}`);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((await serverCpu()) - cpuBefore) / total;
  await pool.close();
  const { p50, p99 } = timing(times);
  return { name, p50, p99, rps: total / seconds, cpuUs };
}

/** Per figure, the median over rounds of one target. */
function median(results: Result[]): Result {
  const mid = (values: number[]) => quantile(values, 0.5);
  return {
    name: results[0]?.name ?? "",
    p50: mid(results.map((r) => r.p50)),
    p99: mid(results.map((r) => r.p99)),
    rps: mid(results.map((r) => r.rps)),
    cpuUs: mid(results.map((r) => r.cpuUs)),
  };
}

if (process.argv[2] === "serve") await serve(process.argv[3] as string);
else if (process.argv[2] === "cpo") await serveCpo();
else await main();
