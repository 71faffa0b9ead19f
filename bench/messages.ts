/**
 * tsx bench/messages.ts: what the message log costs on forwarding.
 *
 * Two hubs run in child processes of their own (embedded PGlite in a
 * DATA_DIR of its own, as the hub runs by default, and the in-process bus;
 * with DATABASE_URL=postgres://… a database of its own each on that server,
 * whose server processes' CPU counts with the hub's), started with the
 * V8 settings the hub runs with (support.ts HUB_NODE_FLAGS;
 * BENCH_HUB_NODE_FLAGS to compare others), one
 * with MESSAGE_LOG=true (the default) and one with MESSAGE_LOG=false. A
 * fake CPO in a process of its own serves one location; an eMSP registered
 * on both hubs GETs it through the hub (a message and a leg per request on
 * the logging hub, stored as one row). The load generator and the CPO speak
 * HTTP on bare sockets (raw-http.ts): with undici and node:http they took
 * about as much of this two-core host's CPU as the hub, which then measured
 * them as much as itself; the subject is the hub.
 *
 * Both hubs first serve BENCH_MESSAGES_WARMUP requests (default 20,000),
 * so that the rounds measure hubs that run, not hubs that start (WARMUP).
 * Then measured in alternating rounds so that drift on a shared host hits both
 * hubs alike; a round ends once the log has written its entries, so that
 * each round pays for its own writes. Its time is its requests' and the
 * hub's main thread's busy time in that last flush (the event loop's
 * utilisation), not the flush's wait for the database's thread: under
 * continuous load that thread writes while the hub forwards, and the hub
 * waits for it at a round's end only because the load generator stopped
 * (4–8 ms of a round of about 300, against 0.3–1.7 ms of the main
 * thread's work; docs/performance.md, "A round's last flush"). The
 * throughput with the wait counted is printed as well. Two processes running the same code
 * differ by themselves, by up to a fifth of their throughput on a shared
 * host, for the whole of their life (BENCH_MESSAGES_CONTROL=true shows it:
 * both hubs with the log off). So the rounds are spread over several pairs
 * of new processes (BENCH_MESSAGES_PAIRS, default 12, of
 * BENCH_MESSAGES_ROUNDS rounds each, default 8), the pairs started in
 * turn with the logging hub first and second: one pair's luck does not
 * decide the ratio. Each pair's own median still spreads by about ±10 %
 * (the control's pairs read 0.90–1.25), so the run's median narrows with
 * the number of pairs more than with rounds (with eight pairs, runs of
 * the same code spread over 0.89–0.94); both hubs of a pair start
 * and warm up at once, which keeps a pair to about 20 seconds.
 *
 * Printed: throughput, p50/p99 and the hub's CPU per request (the
 * database's server processes' too on PostgreSQL, where the log's inserts
 * land), with the hub's main thread's share (the rest of the hub's is the
 * database's thread on PGlite, the collector's and libuv's threads) and
 * the collector's pauses of the main thread, what the load generator and
 * the CPO took, and the hub's peak resident set, medians over all rounds;
 * the ratios on / off (medians of the per-round ratios of all pairs, and
 * each pair's own) of throughput, of CPU per request and of the main
 * thread's CPU per request; the ratio of each mode's fastest rounds (its 90th percentile: a
 * shared host's other work only slows rounds down); and the log's own
 * counts (written, dropped). Figures only: nothing passes or fails on
 * time; a wrong answer or a log that wrote fewer rows than it was sent
 * makes the exit code 1. BENCH_PROFILE_DIR=<dir> writes a CPU profile of
 * each hub there.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rawRequests, serveRaw } from "./raw-http.js";
import {
  asker,
  type BenchDatabase,
  createBenchDatabase,
  envelope,
  hubNodeFlags,
  invite,
  listenLocal,
  processCpuSeconds,
  quantile,
  readLine,
  register,
  respond,
  spawnScript,
  startHub,
  stopChild,
  threadCpuSeconds,
  timing,
  tokenAuthorization,
  versionAnswer,
  writeLine,
} from "./support.js";

const PAIRS = Number(process.env.BENCH_MESSAGES_PAIRS ?? 12);
const ROUNDS = Number(process.env.BENCH_MESSAGES_ROUNDS ?? 8);
/** Both hubs with the log off: how far two processes differ with nothing between them. */
const CONTROL = process.env.BENCH_MESSAGES_CONTROL === "true";
const FORWARDS = Number(process.env.BENCH_MESSAGES_FORWARDS ?? 2_000);
/**
 * Requests each hub serves before the rounds. A new hub process is still
 * compiling after its first thousand requests (V8 its hot JavaScript, and
 * PGlite's WebAssembly, on the hub's other threads). The log's insert runs
 * once per batch, every 2,000 requests or so, so its code is compiled
 * last: its first several batches cost several times what the later ones
 * do. With 1,000 requests before the rounds, as before, that start, once
 * in the life of a hub, counted as the log's cost per request
 * (docs/performance.md, "Measured running, not starting").
 */
const WARMUP = Number(process.env.BENCH_MESSAGES_WARMUP ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LOCATION_ID = "LOC1";
/** What every forwarded answer's body holds. */
const EXPECTED = Buffer.from(`"id":"${LOCATION_ID}"`);

type Mode = "on" | "off";
const MODES: readonly Mode[] = ["off", "on"];

/** Child: a CPO serving one location on its locations Sender, on bare sockets (see raw-http.ts). */
async function serveCpo(): Promise<void> {
  const location = {
    ...(JSON.parse(
      readFileSync(
        new URL("../test/support/ocpi-examples/location_example.json", import.meta.url),
        "utf8",
      ),
    ) as Record<string, unknown>),
    country_code: "NL",
    party_id: "CPO",
    id: LOCATION_ID,
  };
  const one = Buffer.from(envelope(location));
  const list = Buffer.from(envelope([location]));
  let base = "";
  const cpo = await serveRaw((_method, path) => {
    if (path.startsWith("/ocpi/2.2.1/locations/sender?"))
      return { headers: { "x-total-count": "1", "x-limit": "1000" }, body: list };
    if (path === `/ocpi/2.2.1/locations/sender/${LOCATION_ID}`) return { body: one };
    const versions = versionAnswer(path, base, [["locations", "SENDER"]]);
    return versions === undefined ? { status: 404, body: "{}" } : { body: envelope(versions) };
  });
  base = `${cpo.url}/ocpi`;
  process.on("SIGTERM", () => process.exit(0));
  writeLine({ cpo: cpo.url });
}

/** Child: a hub with the log on or off; reports its CPU time and the log's counts. */
async function serveHub(mode: Mode, databaseUrl: string, dataDir: string): Promise<void> {
  const hub = await startHub(
    databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir },
    "silent",
    {
      MESSAGE_LOG: mode === "on" && !CONTROL ? "true" : "false",
    },
  );
  process.on("SIGTERM", () => process.exit(0));
  // The collector's pauses of the main thread, summed (µs).
  let gc = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gc += entry.duration * 1000;
  }).observe({ entryTypes: ["gc"] });
  process.on("message", async (m: { id: number; kind: string }) => {
    if (m.kind === "cpu") {
      const usage = process.cpuUsage();
      const main = threadCpuSeconds(process.pid) * 1e6;
      const rss = process.resourceUsage().maxRSS / 1024;
      process.send?.({ id: m.id, cpu: usage.user + usage.system, main, gc, rss });
      return;
    }
    // "flush" and "stats" alike: what is buffered is written before the counts are read.
    const before = performance.eventLoopUtilization();
    await hub.deps.messages.flush();
    // The main thread's busy time meanwhile (ms): the flush's own work, not its wait.
    const busyMs = performance.eventLoopUtilization(before).active;
    process.send?.({ id: m.id, ...hub.deps.messages.stats(), busyMs });
  });
  writeLine({ hub: hub.url });
}

interface Result {
  p50: number;
  p99: number;
  /** Requests a second: by the time of the requests and the main thread's share of the last flush. */
  rps: number;
  /** The same with the whole wait for the last flush counted. */
  rpsWaited: number;
  cpuUs: number;
  /** Of cpuUs, the database server's share (0 on PGlite, which runs in the hub). */
  dbUs: number;
  /** Of cpuUs, the hub's main thread (the rest of the hub's: the collector's and libuv's threads). */
  mainUs: number;
  /** Of mainUs, the collector's pauses of the main thread. */
  gcUs: number;
  /** Not the hub's: the load generator's (this process) and the CPO's. */
  harnessUs: number;
  /** The hub's peak resident set so far (MB). */
  peakMb: number;
}

interface Hub {
  mode: Mode;
  url: string;
  child: ChildProcess;
  ask: ReturnType<typeof asker>;
  /** The eMSP's header lines for every request ("name: value\r\n" each); the ids are added per request. */
  headers: string;
  database: BenchDatabase | undefined;
  sent: number;
}

const problems: string[] = [];

async function main(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const cpo = spawnScript(script, ["cpo"]);
  const results: Record<Mode, Result[]> = { on: [], off: [] };
  const log = { written: 0, dropped: 0, failedFlushes: 0 };
  try {
    const { cpo: cpoUrl } = await readLine<{ cpo: string }>(cpo);
    for (let pair = 0; pair < PAIRS; pair++) {
      // Started in turn: the logging hub first in one pair, second in the next.
      const order = pair % 2 === 0 ? MODES : [...MODES].reverse();
      const counts = await measurePair(script, { url: cpoUrl, pid: cpo.pid ?? 0 }, order, results);
      log.written += counts.written as number;
      log.dropped += counts.dropped as number;
      log.failedFlushes += counts.failedFlushes as number;
    }
    printReport(results, log);
  } finally {
    await stopChild(cpo);
  }
  if (problems.length > 0) {
    console.error(
      `\n${problems.length} problem(s):\n${[...new Set(problems)].slice(0, 20).join("\n")}`,
    );
    process.exitCode = 1;
  }
}

/**
 * One pair of new hub processes, started in `order`: ROUNDS alternating
 * rounds each, appended to `results`. Answers the logging hub's counts.
 */
async function measurePair(
  script: string,
  cpo: { url: string; pid: number },
  order: readonly Mode[],
  results: Record<Mode, Result[]>,
): Promise<Record<string, unknown>> {
  const hubs: Hub[] = [];
  const databases: BenchDatabase[] = [];
  const dataDirs: string[] = [];
  try {
    for (const mode of order) {
      const database = await createBenchDatabase(process.env.DATABASE_URL);
      if (database !== undefined) databases.push(database);
      const dataDir = database ? "" : mkdtempSync(join(tmpdir(), "ocpi-hub-bench-"));
      if (dataDir) dataDirs.push(dataDir);
      const child = spawnScript(
        script,
        ["hub", mode, database?.url ?? "", dataDir],
        process.env.BENCH_PROFILE_DIR,
        hubNodeFlags(),
      );
      hubs.push({ mode, url: "", child, ask: asker(child), headers: "", database, sent: 0 });
    }
    // Both start at once (starting took about half of a pair's time); registered in order.
    await Promise.all(
      hubs.map(async (hub) => {
        hub.url = (await readLine<{ hub: string }>(hub.child)).hub;
      }),
    );
    for (const hub of hubs) hub.headers = await prepare(hub, cpo.url);
    const path = `/ocpi/2.2.1/locations/sender/${LOCATION_ID}`;
    // Both hubs are measured running, not starting (see WARMUP); warmed at once.
    await Promise.all(hubs.map((hub) => load(hub, path, WARMUP, cpo.pid)));
    for (let round = 0; round < ROUNDS; round++) {
      for (const hub of round % 2 === 0 ? hubs : [...hubs].reverse())
        results[hub.mode].push(await load(hub, path, FORWARDS, cpo.pid));
    }
    const logging = hubs.find((h) => h.mode === "on") as Hub;
    const stats = await logging.ask({ kind: "stats" });
    // Per forwarded GET one row: the message, with its forward attempt on it.
    const expected = CONTROL ? 0 : logging.sent;
    if ((stats.written as number) + (stats.dropped as number) < expected)
      problems.push(`log wrote ${stats.written} and dropped ${stats.dropped} of ${expected}`);
    return stats;
  } finally {
    for (const hub of hubs) await stopChild(hub.child);
    for (const database of databases) await database.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers the CPO and the eMSP through the credentials module; the eMSP's header lines (Hub.headers). */
async function prepare(hub: Hub, cpoUrl: string): Promise<string> {
  const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
  const cpoInvite = await invite(hub.url, "bench CPO", [cpoRole]);
  await register(hub.url, cpoInvite.token_a, cpoUrl, cpoRole);
  const server = createServer((req, res) => {
    respond(req, res, versionAnswer(req.url, `http://${req.headers.host}/ocpi`, []) ?? {});
  });
  server.unref();
  const emsp = await listenLocal(server);
  const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
  const emspInvite = await invite(hub.url, "bench eMSP", [emspRole]);
  const token = await register(hub.url, emspInvite.token_a, emsp, emspRole);
  return [
    `authorization: ${tokenAuthorization(token)}`,
    "ocpi-from-country-code: DE",
    "ocpi-from-party-id: EMS",
    "ocpi-to-country-code: NL",
    "ocpi-to-party-id: CPO",
  ]
    .map((line) => `${line}\r\n`)
    .join("");
}

async function load(hub: Hub, path: string, total: number, cpoPid: number): Promise<Result> {
  const db = async () => (hub.database === undefined ? 0 : (await hub.database.cpuSeconds()) * 1e6);
  const hubCpu = async () => {
    const m = await hub.ask({ kind: "cpu" });
    return {
      all: m.cpu as number,
      main: m.main as number,
      gc: m.gc as number,
      rss: m.rss as number,
    };
  };
  const benchBefore = process.cpuUsage();
  const cpoBefore = processCpuSeconds(cpoPid);
  const dbBefore = await db();
  const hubBefore = await hubCpu();
  const started = performance.now();
  const times = await rawRequests(
    hub.url,
    path,
    // Every request its own ids, as in real traffic: each is a search key of the log.
    () => `${hub.headers}x-request-id: ${randomUUID()}\r\nx-correlation-id: ${randomUUID()}\r\n`,
    { total, concurrency: CONCURRENCY },
    (status, body) => {
      if (status !== 200 || body.indexOf(EXPECTED) === -1)
        problems.push(
          `${hub.mode}: forwarded GET answered ${status} ${body.toString("utf8", 0, 200)}`,
        );
    },
  );
  // The entries still buffered are written now, inside the round that made
  // them: left to the timer, a round's last flush lands in the next round,
  // half the time the other hub's, and its cost would count there.
  const answered = performance.now();
  const flushed = await hub.ask({ kind: "flush" });
  const waited = (performance.now() - started) / 1000;
  const seconds = (answered - started + (flushed.busyMs as number)) / 1000;
  const hubAfter = await hubCpu();
  const bench = process.cpuUsage(benchBefore);
  const harnessUs =
    (bench.user + bench.system + (processCpuSeconds(cpoPid) - cpoBefore) * 1e6) / total;
  const dbUs = ((await db()) - dbBefore) / total;
  const cpuUs = (hubAfter.all - hubBefore.all) / total + dbUs;
  const mainUs = (hubAfter.main - hubBefore.main) / total;
  const gcUs = (hubAfter.gc - hubBefore.gc) / total;
  hub.sent += total;
  const { p50, p99 } = timing(times);
  return {
    p50,
    p99,
    rps: total / seconds,
    rpsWaited: total / waited,
    cpuUs,
    dbUs,
    mainUs,
    gcUs,
    harnessUs,
    peakMb: hubAfter.rss,
  };
}

const mid = (values: number[]) => quantile(values, 0.5);

function printReport(
  results: Record<Mode, Result[]>,
  log: { written: number; dropped: number; failedFlushes: number },
): void {
  const label = CONTROL ? "control: MESSAGE_LOG=false in both hubs" : "MESSAGE_LOG=true vs false";
  console.log(
    `\n${label} — GET location forwarded to the CPO, ${FORWARDS} per round, concurrency ${CONCURRENCY}, ${PAIRS} pairs of hub processes × ${ROUNDS} alternating rounds (medians); the hubs run with ${hubNodeFlags().join(" ") || "node's defaults"}\n`,
  );
  console.log(
    "| log | p50 ms | p99 ms | requests/s | CPU µs/request | of which database | of which the hub's main thread | of which its collector's pauses | not the hub's: load generator and CPO | the hub's peak RSS MB |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const mode of MODES) {
    const series = results[mode];
    console.log(
      `| ${mode} | ${mid(series.map((r) => r.p50)).toFixed(2)} | ${mid(series.map((r) => r.p99)).toFixed(2)} | ${Math.round(mid(series.map((r) => r.rps)))} | ${mid(series.map((r) => r.cpuUs)).toFixed(1)} | ${mid(series.map((r) => r.dbUs)).toFixed(1)} | ${mid(series.map((r) => r.mainUs)).toFixed(1)} | ${mid(series.map((r) => r.gcUs)).toFixed(1)} | ${mid(series.map((r) => r.harnessUs)).toFixed(1)} | ${Math.round(mid(series.map((r) => r.peakMb)))} |`,
    );
  }
  const ratio = (figure: keyof Result) =>
    results.on.map((r, k) => r[figure] / (results.off[k]?.[figure] ?? Number.NaN));
  const rps = ratio("rps");
  const cpu = ratio("cpuUs");
  const pairs = Array.from({ length: PAIRS }, (_, p) =>
    mid(rps.slice(p * ROUNDS, (p + 1) * ROUNDS)),
  );
  // Other work on a shared host only ever slows a round down: each mode's
  // fastest rounds (the 90th percentile) are its throughput with the least of it.
  const best = (mode: Mode) =>
    quantile(
      results[mode].map((r) => r.rps),
      0.9,
    );
  const fastest = best("on") / best("off");
  const verdict = (r: number) => (r >= 0.9 ? "within 10 %" : "NOT within 10 %");
  console.log(
    `\nforwarding: on / off throughput ${mid(rps).toFixed(3)} (${verdict(mid(rps))}); each pair's: ${pairs.map((r) => r.toFixed(2)).join(", ")}; CPU per request ${mid(cpu).toFixed(3)}, of the main thread ${mid(ratio("mainUs")).toFixed(3)}; p50 ${mid(ratio("p50")).toFixed(3)}`,
  );
  console.log(`per round: ${rps.map((r) => r.toFixed(2)).join(", ")}`);
  console.log(
    `with each round's wait for its last flush counted: on / off throughput ${mid(ratio("rpsWaited")).toFixed(3)}`,
  );
  console.log(
    `fastest rounds (90th percentile of each): on / off throughput ${fastest.toFixed(3)} (${verdict(fastest)})`,
  );
  console.log(
    `log: ${log.written} rows written, ${log.dropped} dropped, ${log.failedFlushes} failed flushes`,
  );
}

if (process.argv[2] === "hub")
  await serveHub(process.argv[3] as Mode, process.argv[4] ?? "", process.argv[5] ?? "");
else if (process.argv[2] === "cpo") await serveCpo();
else await main();
