/**
 * tsx bench/delivery.ts: what broadcast push costs.
 *
 * The hub runs in a child process on a fresh database: a PostgreSQL database
 * made for this run when DATABASE_URL is set (dropped at the end), else PGlite
 * in a temporary folder; with NATS_URL its deliveries go through JetStream,
 * else through the in-process queue. This process plays the CPO and
 * BENCH_RECIPIENTS (default 100) eMSPs, each a node:http server on loopback
 * with a locations Receiver that answers 1000 at once and notes what arrives.
 *
 * Measured, in one run:
 * - baseline: keep-alive PUTs from another child process (an undici Pool per
 *   eMSP, as the hub keeps) straight to the same eMSP servers, no hub;
 * - broadcast: one location PUT from the CPO (OCPI-to = the hub) until every
 *   eMSP has it, BENCH_BROADCASTS times, one after the other;
 * - sustained: EVSE status PATCHes of distinct locations, BENCH_PUSH_CONCURRENCY
 *   in flight, for BENCH_SECONDS; deliveries received per second, next to the
 *   baseline's requests per second (the CPO waits while the backlog is over
 *   a cap, so that every push reaches every eMSP as sent);
 * - acceptance: the same without the cap, the CPO sending each push once
 *   the last is answered: pushes accepted per second while the hub fans out,
 *   recipients behind getting an EVSE's updates merged; every eMSP must end
 *   with the newest status of every EVSE, and never get an older one after
 *   a newer;
 * - the hub process's RSS at the end;
 * - with DATABASE_URL and NATS_URL both set: the sustained series again
 *   through two hub processes on the same database and NATS, the CPO's
 *   pushes alternating between them.
 * - with NATS_URL set, last: the bare fan-out (bench/bare-fanout.ts), the
 *   same delivery design on the same NATS and eMSP servers with nothing of
 *   the hub, as the floor of what the hub can reach on this host.
 * The report ends with the fan-out target table (today, floor, aim,
 * measured). CPU per delivery counts the NATS and PostgreSQL server
 * processes beside the hub's when they run on this host (/proc), and the
 * host's whole CPU in the sustained window is split by who used it (the
 * hub, those services, this process's eMSP servers and CPO, the rest), to
 * show what bounds a missed floor.
 * Figures only: nothing here passes or fails on time; a wrong answer or a
 * delivery that never came is listed and makes the exit code 1.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import type { BareResult } from "./bare-fanout.js";
import {
  ADMIN,
  asker,
  type BenchDatabase,
  createBenchDatabase,
  envelope,
  hostCpuSeconds,
  hubNodeFlags,
  invite,
  listenLocal,
  onThisHost,
  pidsNamed,
  processCpuSeconds,
  type Role,
  readLine,
  register,
  respond,
  spawnScript,
  startHub,
  stopChild,
  type Timing,
  threadCpuSeconds,
  timing,
  tokenAuthorization,
  versionAnswer,
  writeLine,
} from "./support.js";

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100);
/** Length of the baseline and of the sustained series, each after a 1 s warm-up. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? 50);
/** The CPO's pushes in flight during the sustained series. */
const PUSH_CONCURRENCY = Number(process.env.BENCH_PUSH_CONCURRENCY ?? 8);
/** Requests in flight overall in the baseline. */
const BASELINE_CONCURRENCY = Number(process.env.BENCH_BASELINE_CONCURRENCY ?? 128);
/** The hub's deliveries in flight per recipient (src/delivery/service.ts); the baseline's cap too. */
const PER_RECIPIENT = 16;
/** Locations the sustained series patches, one after the other. */
const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 1_000);
/** Locations the acceptance series patches (the CPO unthrottled), made with the sustained ones. */
const ACCEPT_LOCATIONS = Number(process.env.BENCH_ACCEPT_LOCATIONS ?? 1_000);
/** The EVSE of every bench location the series patch (location_example.json). */
const EVSE_UID = "3256";
/**
 * The CPO waits while more than this many pushes are not yet delivered to
 * everyone: the hub always has work, and the backlog drains in seconds.
 */
const BACKLOG_PUSHES = Number(process.env.BENCH_BACKLOG_PUSHES ?? 50);
const HUB_LOG_LEVEL = process.env.BENCH_HUB_LOG_LEVEL ?? "warn";
/** Set to a folder to get V8 CPU profiles of the hub processes and the bare fan-out there. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const WARMUP_MS = 1_000;
/** A delivery that has not arrived after this long counts as lost. */
const ARRIVAL_TIMEOUT_MS = 30_000;

const CPO: Role = { role: "CPO", country_code: "NL", party_id: "CPO" };
const LOCATION_PATH = "/ocpi/2.2.1/locations/receiver/NL/CPO";
/** The location id in a delivery's path, the owner's codes kept. */
const DELIVERED = /^\/ocpi\/2\.2\.1\/locations\/receiver\/NL\/CPO\/([^/?]+)/;

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** OCPI DateTime without milliseconds. */
const ocpiTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const emspParty = (index: number): Role => ({
  role: "EMSP",
  country_code: "DE",
  party_id: `E${pad(index, 2)}`,
});

const EXAMPLE = JSON.parse(
  readFileSync(
    new URL("../test/support/ocpi-examples/location_example.json", import.meta.url),
    "utf8",
  ),
) as Record<string, unknown>;

/** The spec's example location (two EVSEs, 3256 and 3257) as the CPO's location `id`. */
function locationOf(id: string, lastUpdated: number): Record<string, unknown> {
  return {
    ...EXAMPLE,
    country_code: "NL",
    party_id: "CPO",
    id,
    publish: true,
    last_updated: ocpiTime(lastUpdated),
  };
}

// ---------------------------------------------------------------------------
// Child: the hub, answering questions of the parent over IPC.

interface Ask {
  id: number;
  /** stop: deliveries end (before another hub on the same queue removes its consumers). */
  kind: "stats" | "stop" | "close";
}

async function serveHub(databaseUrl: string | undefined, dataDir: string): Promise<void> {
  const { closeDeps } = await import("../src/deps.js");
  const natsUrl = process.env.NATS_URL || undefined;
  const database = databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir };
  // startHub hands every variable of this object to the hub's configuration.
  const env = natsUrl === undefined ? database : { ...database, NATS_URL: natsUrl };
  const { url, deps } = await startHub(env, HUB_LOG_LEVEL);
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", (m: Ask) => {
    if (m.kind === "stop") {
      deps.deliveries.stop().then(
        () => process.send?.({ id: m.id }),
        (err: unknown) => process.send?.({ id: m.id, error: String(err) }),
      );
      return;
    }
    if (m.kind === "close") {
      (async () => {
        await deps.deliveries.stop();
        // The NATS server outlives this run: the consumers of its platforms go now.
        if (deps.bus.kind === "nats") {
          for (const p of deps.registry.list()) await deps.queue.remove(p.id).catch(() => {});
        }
        await closeDeps(deps);
      })().then(
        () => process.send?.({ id: m.id }, undefined, {}, () => process.exit(0)),
        (err: unknown) =>
          process.send?.({ id: m.id, error: String(err) }, undefined, {}, () => process.exit(1)),
      );
      return;
    }
    const usage = process.cpuUsage();
    process.send?.({
      id: m.id,
      rss: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
      cpu: (usage.user + usage.system) / 1e6,
      mainThread: threadCpuSeconds(process.pid),
    });
  });
  writeLine({ hub: url, backend: deps.bus.kind, durable: deps.queue.durable });
}

// ---------------------------------------------------------------------------
// Child: the baseline, keep-alive PUTs straight to the eMSPs.

interface BaselineResult {
  requests: number;
  seconds: number;
  failed: number;
  /** CPU time of the sending process per request, in microseconds. */
  cpuUs: number;
  p50: number;
  p99: number;
}

async function runBaseline(urls: string[]): Promise<void> {
  const pools = urls.map(
    (u) => new Pool(u, { connections: PER_RECIPIENT, pipelining: 1, keepAliveTimeout: 30_000 }),
  );
  const token = tokenAuthorization("bench-baseline-token");
  const body = JSON.stringify({ status: "CHARGING", last_updated: ocpiTime(Date.now()) });
  const warmEnd = performance.now() + WARMUP_MS;
  const end = warmEnd + SECONDS * 1000;
  let next = 0;
  let failed = 0;
  let cpuAtStart = 0;
  const times: number[] = [];
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const warmTimer = setTimeout(() => {
    cpuAtStart = cpu();
  }, WARMUP_MS);
  await Promise.all(
    Array.from({ length: BASELINE_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const k = next++;
        const r = k % pools.length;
        const started = performance.now();
        const res = await (pools[r] as Pool).request({
          method: "PUT",
          path: `${LOCATION_PATH}/BASE${k}/3256`,
          headers: {
            authorization: token,
            accept: "application/json",
            "content-type": "application/json",
            "x-request-id": randomUUID(),
            "x-correlation-id": randomUUID(),
            "ocpi-to-country-code": "DE",
            "ocpi-to-party-id": `E${pad(r, 2)}`,
            "ocpi-from-country-code": "NL",
            "ocpi-from-party-id": "HUB",
          },
          body,
        });
        const text = await res.body.text();
        const answered = performance.now();
        if (res.statusCode !== 200 || statusOf(text) !== 1000) failed++;
        if (started >= warmEnd && answered <= end) times.push(answered - started);
      }
    }),
  );
  clearTimeout(warmTimer);
  const cpuUs = (cpu() - cpuAtStart) / Math.max(1, times.length);
  await Promise.all(pools.map((p) => p.close()));
  const t = timing(times);
  writeLine({
    requests: times.length,
    seconds: SECONDS,
    failed,
    cpuUs,
    p50: t.p50,
    p99: t.p99,
  } satisfies BaselineResult);
}

function statusOf(text: string): number | undefined {
  try {
    return (JSON.parse(text) as { status_code?: number }).status_code;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// The parent: CPO, eMSPs, load and report.

const benchStarted = performance.now();

/** A line on stderr so a run shows where it is; the report goes to stdout. */
function progress(message: string): void {
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${seconds} s] ${message}\n`);
}

/** Wrong answers seen; printed at the end and make the exit code 1. */
const problems: string[] = [];

/** Wrong answers beyond the first 20, counted only. */
let unlisted = 0;

function check(ok: boolean, message: string): boolean {
  if (ok || problems.includes(message)) return ok;
  if (problems.length < 20) problems.push(message);
  else unlisted++;
  return ok;
}

/** A broadcast being waited for: which eMSPs have it, and when the first and the last got it. */
interface Watch {
  correlationId: string;
  seen: Set<number>;
  first: number;
  done: (last: number) => void;
}

/** What the eMSPs have received; counted as requests arrive. */
const arrivals = {
  /** Deliveries from the hub, by location id prefix. */
  byPrefix: new Map<string, number>(),
  total: 0,
  perRecipient: [] as number[],
  /** Deliveries that came as a PUT of the hub's current copy (updates piled up). */
  currentCopies: 0,
  baseline: 0,
  /** Deliveries of the bare fan-out (bench/bare-fanout.ts). */
  bare: 0,
  watches: new Map<string, Watch>(),
};

const prefixOf = (id: string) => /^[A-Z]+/.exec(id)?.[0] ?? id;

/** An EVSE's status as pushed or received, with its last_updated (epoch ms). */
interface EvseState {
  status: string;
  at: number;
}

/** The acceptance series' EVSE state each eMSP holds, by location id: the last that arrived. */
const held: Map<string, EvseState>[] = [];

/**
 * Once the acceptance series' pushes end: the newest state of each EVSE
 * pushed, and the eMSP/location pairs not holding it yet, kept up to date
 * as deliveries arrive (a scan of every pair per poll would hold up the
 * eMSP servers in this process).
 */
let awaited: { newest: Map<string, EvseState>; behind: Set<string> } | undefined;

const sameState = (a: EvseState | undefined, b: EvseState) =>
  a !== undefined && a.status === b.status && a.at === b.at;

/**
 * Notes an acceptance-series delivery at eMSP `index`: an EVSE PATCH (the
 * updates of a recipient behind merged into one) or a PUT of the hub's
 * current copy of the location. An arrival older than what the eMSP holds
 * is a stale replay.
 */
function noteHeld(index: number, method: string | undefined, id: string, text: string): void {
  let state: EvseState | undefined;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const evse =
      method === "PATCH"
        ? body
        : (body.evses as Record<string, unknown>[] | undefined)?.find((e) => e.uid === EVSE_UID);
    if (evse !== undefined && typeof evse.status === "string")
      state = { status: evse.status, at: Date.parse(String(evse.last_updated)) };
  } catch {}
  if (
    !check(
      state !== undefined,
      `eMSP ${index}: ${method} of ${id} without an EVSE status: ${text.slice(0, 200)}`,
    )
  )
    return;
  const mine = held[index] ?? new Map<string, EvseState>();
  held[index] = mine;
  const before = mine.get(id);
  check(
    before === undefined || (state as EvseState).at >= before.at,
    `eMSP ${index}: ${id} arrived with last_updated ${new Date((state as EvseState).at).toISOString()} after ${new Date(before?.at ?? 0).toISOString()}`,
  );
  mine.set(id, state as EvseState);
  const want = awaited?.newest.get(id);
  if (want === undefined) return;
  if (sameState(state, want)) awaited?.behind.delete(`${index}/${id}`);
  else awaited?.behind.add(`${index}/${id}`);
}

function arrived(index: number, req: IncomingMessage): void {
  const at = performance.now();
  const id = DELIVERED.exec(req.url ?? "")?.[1];
  if (id === undefined) {
    check(false, `eMSP ${index} received ${req.method} ${req.url}, not a location of NL/CPO`);
    return;
  }
  if (id.startsWith("BASE")) {
    arrivals.baseline++;
    return;
  }
  if (id.startsWith("BARE")) {
    arrivals.bare++;
    return;
  }
  const h = req.headers;
  check(
    h["ocpi-from-country-code"] === "NL" && h["ocpi-from-party-id"] === "HUB",
    `a delivery came with OCPI-from ${h["ocpi-from-country-code"]}/${h["ocpi-from-party-id"]}; expected NL/HUB`,
  );
  const party = emspParty(index);
  check(
    h["ocpi-to-country-code"] === party.country_code && h["ocpi-to-party-id"] === party.party_id,
    `eMSP ${index} got a delivery with OCPI-to ${h["ocpi-to-country-code"]}/${h["ocpi-to-party-id"]}; expected its party ${party.country_code}/${party.party_id}`,
  );
  check(
    typeof h.authorization === "string" && h.authorization.startsWith("Token "),
    "a delivery came without the hub's token",
  );
  const prefix = prefixOf(id);
  arrivals.byPrefix.set(prefix, (arrivals.byPrefix.get(prefix) ?? 0) + 1);
  arrivals.total++;
  arrivals.perRecipient[index] = (arrivals.perRecipient[index] ?? 0) + 1;
  if (prefix === "SUS" && req.method === "PUT") arrivals.currentCopies++;
  const watch = arrivals.watches.get(id);
  if (watch === undefined || watch.seen.has(index)) return;
  check(
    h["x-correlation-id"] === watch.correlationId,
    `a broadcast of ${id} came with X-Correlation-ID ${String(h["x-correlation-id"])}; the CPO sent ${watch.correlationId}`,
  );
  check(req.method === "PUT", `a broadcast location PUT arrived as ${req.method}`);
  if (watch.seen.size === 0) watch.first = at;
  watch.seen.add(index);
  if (watch.seen.size === RECIPIENTS) {
    arrivals.watches.delete(id);
    watch.done(at);
  }
}

/** The eMSP with this index: versions, details with a locations Receiver, 1000 to every push. */
async function startEmsp(index: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method === "GET") {
      const version = versionAnswer(req.url, `http://${req.headers.host}/ocpi`, [
        ["locations", "RECEIVER"],
      ]);
      respond(req, res, version ?? null);
      return;
    }
    arrived(index, req);
    const id = DELIVERED.exec(req.url ?? "")?.[1];
    if (id?.startsWith("ACC")) {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        noteHeld(index, req.method, id, Buffer.concat(chunks).toString());
        respond(req, res, null);
      });
      return;
    }
    req.on("end", () => respond(req, res, null));
    req.resume();
  });
  return { server, url: await listenLocal(server) };
}

/** The CPO: versions, details with a locations Sender that lists nothing (the hub's sync on connect). */
async function startCpo(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const version = versionAnswer(req.url, `http://${req.headers.host}/ocpi`, [
      ["locations", "SENDER"],
    ]);
    if (version !== undefined) return respond(req, res, version);
    res.writeHead(200, {
      "content-type": "application/json",
      "x-request-id": String(req.headers["x-request-id"] ?? randomUUID()),
      "x-total-count": "0",
      "x-limit": "1000",
    });
    res.end(envelope([]));
  });
  return { server, url: await listenLocal(server) };
}

interface Pushed {
  ms: number;
  ok: boolean;
}

/** The CPO's pushes to the hub (OCPI-to = the hub) over keep-alive connections. */
function pusher(hub: string, token: string, connections: number) {
  const pool = new Pool(hub, { connections, pipelining: 1 });
  return {
    /** Sends one push; its answer must be 1000 "queued for `expected` platforms". */
    async push(
      method: "PUT" | "PATCH",
      path: string,
      body: unknown,
      expected: number,
      correlationId = randomUUID(),
    ): Promise<Pushed> {
      const started = performance.now();
      const res = await pool.request({
        method,
        path,
        headers: {
          authorization: tokenAuthorization(token),
          "content-type": "application/json",
          "ocpi-from-country-code": "NL",
          "ocpi-from-party-id": "CPO",
          "ocpi-to-country-code": "NL",
          "ocpi-to-party-id": "HUB",
          "x-request-id": randomUUID(),
          "x-correlation-id": correlationId,
        },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      const ms = performance.now() - started;
      let answer: { status_code?: number; status_message?: string } = {};
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {}
      const message = `queued for ${expected} platform${expected === 1 ? "" : "s"}`;
      const ok = check(
        res.statusCode === 200 &&
          answer.status_code === 1000 &&
          answer.status_message === message &&
          res.headers["ocpi-to-party-id"] === "CPO" &&
          res.headers["ocpi-from-party-id"] === "HUB",
        `${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}; expected 1000 "${message}" to NL/CPO from NL/HUB`,
      );
      return { ms, ok };
    },
    close: () => pool.close(),
  };
}

/** Resolves once `done()` holds, polling; rejects after `ms`. */
async function eventually(what: string, done: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`${what}: not after ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function admin(hub: string, method: string, path: string): Promise<unknown> {
  const res = await fetch(`${hub}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  if (res.status >= 300) throw new Error(`${method} /admin${path}: HTTP ${res.status}`);
  return res.json();
}

interface DeliveryRow {
  name: string;
  status: string;
  pending: number;
  in_flight: number;
  delivered: number;
  dropped: number;
  last_error: string | null;
}

interface BroadcastFigures {
  all: number[];
  first: number[];
  answer: number[];
}

/** One location PUT at a time (a new id each), until every eMSP has it. */
async function broadcasts(
  cpo: ReturnType<typeof pusher>,
  prefix: string,
  count: number,
): Promise<BroadcastFigures> {
  const figures: BroadcastFigures = { all: [], first: [], answer: [] };
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${pad(i + 1, 4)}`;
    const correlationId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const watch: Watch = { correlationId, seen: new Set(), first: 0, done: () => {} };
    const last = new Promise<number | undefined>((resolve) => {
      watch.done = resolve;
      timer = setTimeout(() => resolve(undefined), ARRIVAL_TIMEOUT_MS);
    });
    arrivals.watches.set(id, watch);
    const started = performance.now();
    const answer = await cpo.push(
      "PUT",
      `${LOCATION_PATH}/${id}`,
      locationOf(id, Date.now()),
      RECIPIENTS,
      correlationId,
    );
    const at = await last;
    clearTimeout(timer);
    if (at === undefined) {
      arrivals.watches.delete(id);
      check(
        false,
        `location ${id} reached ${watch.seen.size} of ${RECIPIENTS} eMSPs within ${ARRIVAL_TIMEOUT_MS / 1000} s`,
      );
      continue;
    }
    if (!answer.ok) continue;
    figures.answer.push(answer.ms);
    figures.all.push(at - started);
    figures.first.push(watch.first - started);
  }
  return figures;
}

interface Sustained {
  deliveriesPerSecond: number;
  pushesPerSecond: number;
  pushes: number;
  /** Deliveries of the series that came as a PUT of the hub's current copy. */
  currentCopies: number;
  answer: Timing;
  drainMs: number;
  /** Share of the pushers' time spent waiting for the backlog to shrink. */
  heldBack: number;
  hubCpuUsPerDelivery: number;
  /** Of which the hub processes' main threads. */
  hubMainThreadUsPerDelivery: number;
  /** CPU of the NATS and PostgreSQL server processes on this host, per delivery, by process. */
  servicesCpuUsPerDelivery: Map<string, number>;
  /** This process's CPU per delivery: the eMSP servers and the CPO's pushes. */
  benchCpuUsPerDelivery: number;
  /** The host's busy share of its cores over the window, and its busy CPU per delivery. */
  host: { busyShare: number; busyUsPerDelivery: number } | undefined;
  /** The last_updated base for a later series: newer than every patch of this one. */
  nextBase: number;
}

/** CPU seconds so far of the hub processes and of the service processes counted beside them. */
interface CpuSample {
  hubs: number;
  /** The hub processes' main threads (their event loops). */
  hubMainThreads: number;
  /** By process, e.g. "nats-server 2961". */
  services: Map<string, number>;
  /** This process (the eMSP servers and the CPO), user and system. */
  bench: number;
  host: { busy: number; total: number } | undefined;
}

/**
 * A series' measured window, WARMUP_MS from now and SECONDS long: the
 * time and the counts at its start and its end; `atEdge` runs at each.
 */
function measuredWindow(
  counts: () => { received: number; accepted: number },
  atEdge?: (edge: "from" | "to") => void,
) {
  const window = { from: 0, to: 0, receivedFrom: 0, receivedTo: 0, acceptedFrom: 0, acceptedTo: 0 };
  const mark = (edge: "from" | "to") => {
    const { received, accepted } = counts();
    window[edge] = performance.now();
    if (edge === "from") {
      window.receivedFrom = received;
      window.acceptedFrom = accepted;
    } else {
      window.receivedTo = received;
      window.acceptedTo = accepted;
    }
    atEdge?.(edge);
  };
  const timers = [
    setTimeout(() => mark("from"), WARMUP_MS),
    setTimeout(() => mark("to"), WARMUP_MS + SECONDS * 1000),
  ];
  return { window, clear: () => timers.forEach(clearTimeout) };
}

/**
 * EVSE status PATCHes, each of the next location, PUSH_CONCURRENCY in flight
 * (push i to hub i mod the number of hubs); deliveries received are counted
 * over SECONDS after a warm-up, then the backlog drains and every push must
 * have reached every eMSP. Each patch's last_updated is `base` plus one
 * second per round over the locations.
 */
async function sustained(
  cpos: ReturnType<typeof pusher>[],
  cpuSample: () => Promise<CpuSample>,
  base: number,
): Promise<Sustained> {
  const statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED"] as const;
  const receivedBefore = arrivals.byPrefix.get("SUS") ?? 0;
  const received = () => (arrivals.byPrefix.get("SUS") ?? 0) - receivedBefore;
  const copiesBefore = arrivals.currentCopies;
  const times: number[] = [];
  let next = 0;
  let sent = 0;
  let accepted = 0;
  /** Time the CPO's pushers spent held back by the backlog cap, after the warm-up. */
  let waitedMs = 0;
  const warmEnd = performance.now() + WARMUP_MS;
  const end = warmEnd + SECONDS * 1000;
  let cpuFrom: Promise<CpuSample> | undefined;
  let cpuTo: Promise<CpuSample> | undefined;
  const { window, clear } = measuredWindow(
    () => ({ received: received(), accepted }),
    (edge) => {
      if (edge === "from") cpuFrom = cpuSample();
      else cpuTo = cpuSample();
    },
  );
  await Promise.all(
    Array.from({ length: PUSH_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        if (sent * RECIPIENTS - received() > BACKLOG_PUSHES * RECIPIENTS) {
          const paused = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (paused >= warmEnd) waitedMs += performance.now() - paused;
          continue;
        }
        const i = next++;
        const n = 1 + (i % LOCATIONS);
        const round = Math.floor(i / LOCATIONS);
        sent++;
        const started = performance.now();
        const cpo = cpos[i % cpos.length] as ReturnType<typeof pusher>;
        const answer = await cpo.push(
          "PATCH",
          `${LOCATION_PATH}/SUS${pad(n, 5)}/3256`,
          {
            status: statuses[i % statuses.length],
            last_updated: ocpiTime(base + (round + 1) * 1000),
          },
          RECIPIENTS,
        );
        if (answer.ok) accepted++;
        else sent--;
        if (started >= warmEnd && performance.now() <= end) times.push(answer.ms);
      }
    }),
  );
  const drainStarted = performance.now();
  await eventually(
    `${accepted} EVSE PATCHes to each of ${RECIPIENTS} eMSPs (${received()} received)`,
    () => received() >= accepted * RECIPIENTS,
    60_000,
  ).catch((err: unknown) => check(false, String((err as Error).message)));
  const drainMs = performance.now() - drainStarted;
  clear();
  const seconds = (window.to - window.from) / 1000;
  const deliveries = window.receivedTo - window.receivedFrom;
  const [from, to] = await Promise.all([cpuFrom, cpuTo]);
  const perDelivery = (secondsOfCpu: number) => (secondsOfCpu * 1e6) / Math.max(1, deliveries);
  const services = new Map<string, number>();
  for (const [name, at] of to?.services ?? []) {
    const before = from?.services.get(name) ?? 0;
    if (!Number.isNaN(at) && !Number.isNaN(before)) services.set(name, perDelivery(at - before));
  }
  return {
    deliveriesPerSecond: deliveries / seconds,
    pushesPerSecond: (window.acceptedTo - window.acceptedFrom) / seconds,
    pushes: accepted,
    currentCopies: arrivals.currentCopies - copiesBefore,
    answer: timing(times),
    drainMs,
    heldBack: waitedMs / (PUSH_CONCURRENCY * SECONDS * 1000),
    hubCpuUsPerDelivery: from && to ? perDelivery(to.hubs - from.hubs) : Number.NaN,
    hubMainThreadUsPerDelivery:
      from && to ? perDelivery(to.hubMainThreads - from.hubMainThreads) : Number.NaN,
    servicesCpuUsPerDelivery: services,
    benchCpuUsPerDelivery: from && to ? perDelivery(to.bench - from.bench) : Number.NaN,
    host:
      from?.host && to?.host
        ? {
            busyShare: (to.host.busy - from.host.busy) / (to.host.total - from.host.total),
            busyUsPerDelivery: perDelivery(to.host.busy - from.host.busy),
          }
        : undefined,
    nextBase: base + (Math.floor(next / LOCATIONS) + 2) * 1000,
  };
}

async function main(): Promise<void> {
  const database = await createBenchDatabase(process.env.DATABASE_URL);
  const dataDir = database ? "" : mkdtempSync(join(tmpdir(), "ocpi-hub-bench-"));
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  /** The hub processes, the first one first. */
  const hubs: HubChild[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanUp = () => {
    cleaned ??= (async () => {
      // Every hub stops delivering before one of them removes the run's consumers.
      if (hubs.length > 1) {
        const stopped = Promise.all(
          hubs.filter((h) => h.child.exitCode === null).map((h) => h.ask({ kind: "stop" })),
        ).catch(() => {});
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      }
      for (const h of [...hubs].reverse()) {
        if (h.child.exitCode !== null) continue;
        const closed = h.ask({ kind: "close" }).then(
          (m) => {
            if (m.error !== undefined) progress(`a hub did not close cleanly: ${String(m.error)}`);
          },
          () => {},
        );
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      }
      await Promise.all(children.map(stopChild));
      for (const s of servers) {
        s.close();
        s.closeAllConnections();
      }
      await database?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    })();
    return cleaned;
  };
  const interrupted = () => {
    progress("interrupted; stopping the children and removing the database");
    cleanUp().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const script = fileURLToPath(import.meta.url);
    const startHubChild = async (): Promise<HubChild> => {
      const child = spawnScript(
        script,
        ["hub", database?.url ?? "", dataDir],
        PROFILE_DIR,
        hubNodeFlags(),
      );
      children.push(child);
      const ask = asker<Ask>(child);
      const h = { child, ask, ...(await readLine<HubStarted>(child)) };
      hubs.push(h);
      return h;
    };
    const started = await startHubChild();
    const { hub, ask, child: hubChild } = started;
    const backend = `${database ? "PostgreSQL" : "PGlite (on disk)"}, ${
      started.backend === "nats" ? "NATS JetStream" : "in-process queue"
    }`;
    const deliveriesView = (await admin(hub, "GET", "/deliveries")) as { durable: boolean };
    check(
      deliveriesView.durable === started.durable,
      `GET /admin/deliveries says durable ${deliveriesView.durable}; the queue is durable: ${started.durable}`,
    );
    progress(`hub ${hub} up (${backend}); the CPO registers`);

    const cpoSide = await startCpo();
    servers.push(cpoSide.server);
    const cpoInvite = await invite(hub, "bench CPO NL/CPO", [CPO]);
    const cpoToken = await register(hub, cpoInvite.token_a, cpoSide.url, CPO);
    // The sync on connect reconciles the cache with the CPO's (empty) list: it ends first.
    await awaitSync(hub, cpoInvite.id);
    const cpo = pusher(hub, cpoToken, PUSH_CONCURRENCY);

    progress(
      `${LOCATIONS + ACCEPT_LOCATIONS} locations for the sustained and acceptance series, before any eMSP is there`,
    );
    let made = 0;
    await Promise.all(
      Array.from({ length: PUSH_CONCURRENCY }, async () => {
        while (made < LOCATIONS + ACCEPT_LOCATIONS) {
          made += 1;
          const id = made <= LOCATIONS ? `SUS${pad(made, 5)}` : `ACC${pad(made - LOCATIONS, 5)}`;
          await cpo.push(
            "PUT",
            `${LOCATION_PATH}/${id}`,
            locationOf(id, Date.now() - 7_200_000),
            0,
          );
        }
      }),
    );

    progress(`${RECIPIENTS} eMSPs register`);
    const emsps: { url: string }[] = [];
    for (let i = 0; i < RECIPIENTS; i++) {
      const e = await startEmsp(i);
      servers.push(e.server);
      emsps.push(e);
    }
    let nextEmsp = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (nextEmsp < RECIPIENTS) {
          const i = nextEmsp++;
          const party = emspParty(i);
          const { token_a } = await invite(hub, `bench eMSP ${party.party_id}`, [party]);
          await register(hub, token_a, (emsps[i] as { url: string }).url, party);
        }
      }),
    );

    const setupRss = await rssOf(hubChild, ask);
    progress("baseline: PUTs straight to the eMSPs, no hub");
    const baselineChild = spawnScript(script, [
      "baseline",
      JSON.stringify(emsps.map((e) => e.url)),
    ]);
    children.push(baselineChild);
    const baseline = await readLine<BaselineResult>(baselineChild);
    check(baseline.failed === 0, `${baseline.failed} baseline PUTs were not answered 1000`);
    const baselineRps = baseline.requests / baseline.seconds;

    progress("warm-up broadcasts (the hub takes up its recipients)");
    await broadcasts(cpo, "WARM", 3);
    progress(`${BROADCASTS} broadcasts, one after the other`);
    const b = await broadcasts(cpo, "BCAST", BROADCASTS);

    progress(`sustained EVSE PATCHes for ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up`);
    const services = servicesOnThisHost(started.backend, database);
    const cpuSample = async (): Promise<CpuSample> => {
      const stats = await Promise.all(hubs.map((h) => h.ask({ kind: "stats" })));
      const counted = new Map<string, number>();
      for (const { name, pid } of await services.pids())
        counted.set(`${name} ${pid}`, processCpuSeconds(pid));
      const own = process.cpuUsage();
      return {
        hubs: stats.reduce((sum: number, c) => sum + Number(c.cpu), 0),
        hubMainThreads: stats.reduce((sum: number, c) => sum + Number(c.mainThread), 0),
        services: counted,
        bench: (own.user + own.system) / 1e6,
        host: hostCpuSeconds(),
      };
    };
    const s = await sustained([cpo], cpuSample, Date.now() - 3_600_000);

    // The hub's own account: nothing left, every delivery counted, nobody OFFLINE.
    const rows = await settledRows(hub);
    const delivered = rows.reduce((sum, r) => sum + Number(r.delivered), 0);
    const busy = rows.filter((r) => r.pending !== 0 || r.in_flight !== 0);
    check(
      busy.length === 0,
      `${busy.length} platforms still have deliveries pending or in flight: ${JSON.stringify(busy[0])}`,
    );
    const unwell = rows.filter((r) => r.status !== "CONNECTED" || r.dropped > 0 || r.last_error);
    check(
      unwell.length === 0,
      `${unwell.length} platforms show a problem: ${JSON.stringify(unwell[0])}`,
    );
    check(
      delivered === arrivals.total,
      `GET /admin/deliveries counts ${delivered} delivered; the eMSPs received ${arrivals.total}`,
    );
    const expected = (3 + BROADCASTS + s.pushes) * RECIPIENTS;
    check(
      arrivals.total === expected,
      `the eMSPs received ${arrivals.total} deliveries; ${3 + BROADCASTS + s.pushes} pushes to ${RECIPIENTS} eMSPs make ${expected}`,
    );
    const counts = arrivals.perRecipient;
    const spread = {
      min: Math.min(...Array.from({ length: RECIPIENTS }, (_, i) => counts[i] ?? 0)),
      max: Math.max(...counts),
    };

    progress(
      `the CPO unthrottled: EVSE PATCHes as fast as the hub answers, for ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up`,
    );
    const a = await acceptance(cpo, s.nextBase);
    const afterAcceptance = await settledRows(hub);
    const acceptedDelivered = afterAcceptance.reduce((sum, r) => sum + Number(r.delivered), 0);
    check(
      afterAcceptance.every((r) => r.pending === 0 && r.in_flight === 0 && r.dropped === 0),
      `after the acceptance series a platform has deliveries pending, in flight or dropped: ${JSON.stringify(afterAcceptance.find((r) => r.pending !== 0 || r.in_flight !== 0 || r.dropped !== 0))}`,
    );
    check(
      acceptedDelivered === arrivals.total,
      `after the acceptance series GET /admin/deliveries counts ${acceptedDelivered} delivered; the eMSPs received ${arrivals.total}`,
    );

    const rss = await rssOf(hubChild, ask);
    let two: Sustained | string = "n/a: needs a shared database (DATABASE_URL and NATS_URL)";
    if (database !== undefined && started.backend === "nats") {
      progress("a second hub process on the same database and NATS");
      const second = await startHubChild();
      const cpo2 = pusher(second.hub, cpoToken, PUSH_CONCURRENCY);
      progress(`sustained EVSE PATCHes through both hubs, half to each, for ${SECONDS} s`);
      two = await sustained([cpo, cpo2], cpuSample, s.nextBase);
      await cpo2.close();
      for (const h of hubs) {
        const left = await settledRows(h.hub);
        const busy = left.filter((r) => r.pending !== 0 || r.in_flight !== 0);
        check(
          busy.length === 0,
          `two hubs: ${busy.length} platforms still have deliveries pending or in flight at ${h.hub}: ${JSON.stringify(busy[0])}`,
        );
      }
      const all = (3 + BROADCASTS + s.pushes + two.pushes) * RECIPIENTS;
      // The acceptance series' updates may have been merged: counted apart.
      const counted = arrivals.total - (arrivals.byPrefix.get("ACC") ?? 0);
      check(
        counted === all,
        `two hubs: the eMSPs received ${counted} deliveries of the capped series in all; ${all / RECIPIENTS} pushes to ${RECIPIENTS} eMSPs make ${all}`,
      );
    }
    let bare: BareResult | undefined;
    if (started.backend === "nats" && process.env.NATS_URL) {
      // Last, so that its load on NATS comes after every series of the hub's.
      progress("the bare fan-out: the design with nothing of the hub, on the same NATS");
      const bareChild = spawnScript(
        fileURLToPath(new URL("./bare-fanout.ts", import.meta.url)),
        [JSON.stringify(emsps.map((e) => e.url)), process.env.NATS_URL],
        PROFILE_DIR,
      );
      children.push(bareChild);
      bare = await readLine<BareResult>(bareChild);
      await Promise.race([
        new Promise((resolve) => bareChild.once("exit", resolve)),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]);
      check(bare.failed === 0, `${bare.failed} bare fan-out deliveries were not answered 1000`);
      check(
        arrivals.bare >= bare.sustained.deliveries + bare.unthrottled.deliveries,
        `the eMSPs received ${arrivals.bare} bare fan-out deliveries; it counted ${bare.sustained.deliveries + bare.unthrottled.deliveries} answered`,
      );
    }
    await cpo.close();
    printReport({
      two,
      services: services.description,
      backend,
      baseline,
      baselineRps,
      bare,
      broadcasts: b,
      sustained: s,
      acceptance: a,
      rss,
      setupRss: setupRss.rss,
      spread,
    });
  } finally {
    await cleanUp();
  }
  if (problems.length > 0) process.exitCode = 1;
}

interface Acceptance {
  pushesPerSecond: number;
  pushes: number;
  answer: Timing;
  /** Deliveries received per second in the same window. */
  deliveriesPerSecond: number;
  /** Deliveries of the series ÷ its pushes × recipients: below 1 when updates were merged. */
  delivered: number;
  /** From the last push until every eMSP held the newest status of every EVSE. */
  drainMs: number;
}

/**
 * The CPO unthrottled: EVSE status PATCHes of ACCEPT_LOCATIONS locations in
 * turn, PUSH_CONCURRENCY in flight, each sent as soon as the last was
 * answered, for SECONDS after a warm-up: what the hub accepts while it
 * fans out to every eMSP at the same time. A recipient that falls behind
 * gets the updates of one EVSE merged (never an older one after a newer);
 * at the end every eMSP must hold the newest status of every EVSE.
 */
async function acceptance(cpo: ReturnType<typeof pusher>, base: number): Promise<Acceptance> {
  const statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED"] as const;
  const received = () => arrivals.byPrefix.get("ACC") ?? 0;
  const receivedBefore = received();
  const newest = new Map<string, EvseState>();
  const times: number[] = [];
  let next = 0;
  let accepted = 0;
  const warmEnd = performance.now() + WARMUP_MS;
  const end = warmEnd + SECONDS * 1000;
  const { window, clear } = measuredWindow(() => ({ received: received(), accepted }));
  await Promise.all(
    Array.from({ length: PUSH_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const i = next++;
        const id = `ACC${pad(1 + (i % ACCEPT_LOCATIONS), 5)}`;
        const state = {
          status: statuses[i % statuses.length] as string,
          // As the push carries it: whole seconds.
          at: Date.parse(ocpiTime(base + (Math.floor(i / ACCEPT_LOCATIONS) + 1) * 1000)),
        };
        const started = performance.now();
        const answer = await cpo.push(
          "PATCH",
          `${LOCATION_PATH}/${id}/${EVSE_UID}`,
          { status: state.status, last_updated: ocpiTime(state.at) },
          RECIPIENTS,
        );
        if (!answer.ok) continue;
        accepted++;
        const before = newest.get(id);
        if (before === undefined || before.at < state.at) newest.set(id, state);
        if (started >= warmEnd && performance.now() <= end) times.push(answer.ms);
      }
    }),
  );
  const drainStarted = performance.now();
  const behind = new Set<string>();
  for (let i = 0; i < RECIPIENTS; i++) {
    for (const [id, want] of newest)
      if (!sameState(held[i]?.get(id), want)) behind.add(`${i}/${id}`);
  }
  awaited = { newest, behind };
  await eventually(
    `every eMSP holds the newest status of the ${newest.size} EVSEs patched`,
    () => behind.size === 0,
    60_000,
  ).catch((err: unknown) =>
    check(false, `${(err as Error).message}: ${behind.size} EVSE states behind or wrong`),
  );
  awaited = undefined;
  const drainMs = performance.now() - drainStarted;
  clear();
  const seconds = (window.to - window.from) / 1000;
  return {
    pushesPerSecond: (window.acceptedTo - window.acceptedFrom) / seconds,
    pushes: accepted,
    answer: timing(times),
    deliveriesPerSecond: (window.receivedTo - window.receivedFrom) / seconds,
    delivered: (received() - receivedBefore) / Math.max(1, accepted * RECIPIENTS),
    drainMs,
  };
}

/** A hub child process: its URL, queue kind and IPC questions. */
interface HubStarted {
  hub: string;
  backend: string;
  durable: boolean;
}

interface HubChild extends HubStarted {
  child: ChildProcess;
  ask: (q: Omit<Ask, "id">) => Promise<Record<string, unknown>>;
}

/** GET /admin/deliveries until no platform has deliveries pending or in flight (30 s at most). */
async function settledRows(hub: string): Promise<DeliveryRow[]> {
  let rows: DeliveryRow[] = [];
  const deadline = performance.now() + 30_000;
  do {
    rows = ((await admin(hub, "GET", "/deliveries")) as { data: DeliveryRow[] }).data;
    if (rows.every((r) => r.pending === 0 && r.in_flight === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (performance.now() < deadline);
  return rows;
}

/**
 * The NATS and PostgreSQL server processes whose CPU counts beside the hub's:
 * nats-server processes when the hub's NATS server is on this host; the
 * bench database's backends and the server's background processes when its
 * PostgreSQL server is. `description` says which were counted.
 */
function servicesOnThisHost(
  backend: string,
  database: BenchDatabase | undefined,
): { pids(): Promise<{ name: string; pid: number }[]>; description: string } {
  const nats =
    backend === "nats" && onThisHost(process.env.NATS_URL) ? pidsNamed("nats-server") : [];
  const postgres = database !== undefined && onThisHost(database.url) ? database : undefined;
  const parts: string[] = [];
  if (nats.length > 0)
    parts.push(`nats-server (pid ${nats.join(", ")}, with whatever else on this host uses it)`);
  else if (backend === "nats") parts.push("not the NATS server (not on this host)");
  if (postgres)
    parts.push("PostgreSQL (the bench database's backends and the server's background processes)");
  else if (database) parts.push("not PostgreSQL (not on this host)");
  return {
    async pids() {
      const pg = postgres ? await postgres.serverPids().catch(() => []) : [];
      return [
        ...nats.map((pid) => ({ name: "nats-server", pid })),
        ...pg.map((pid) => ({ name: "postgres", pid })),
      ];
    },
    description:
      parts.length > 0 ? parts.join("; ") : "none (no NATS or PostgreSQL server in this run)",
  };
}

/** Polls the admin API until the platform's sync has ended. */
async function awaitSync(hub: string, id: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const view = (await admin(hub, "GET", `/platforms/${id}`)) as {
      sync?: { status: string } | null;
    };
    if (view.sync && view.sync.status !== "RUNNING") {
      check(
        view.sync.status === "SUCCEEDED",
        `the CPO's sync on connect ended ${view.sync.status}`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  check(false, "the CPO's sync on connect did not end within 30 s");
}

/** The hub process's resident set: /proc on Linux, else what it reports itself. */
async function rssOf(
  child: ChildProcess,
  ask: (q: Omit<Ask, "id">) => Promise<Record<string, unknown>>,
): Promise<{ rss: number; peak: number; source: string }> {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    const rss = kb("VmRSS") * 1024;
    const peak = kb("VmHWM") * 1024;
    if (!Number.isNaN(rss)) return { rss, peak, source: `/proc/${child.pid}/status` };
  } catch {}
  const m = await ask({ kind: "stats" });
  return { rss: m.rss as number, peak: m.maxRss as number, source: "process.memoryUsage()" };
}

// ---------------------------------------------------------------------------
// Report.

function printReport(r: {
  /** The series through two hub processes, or why there was none. */
  two: Sustained | string;
  /** Which NATS and PostgreSQL processes' CPU was counted. */
  services: string;
  backend: string;
  baseline: BaselineResult;
  baselineRps: number;
  /** The bare fan-out, on NATS only. */
  bare: BareResult | undefined;
  broadcasts: BroadcastFigures;
  sustained: Sustained;
  acceptance: Acceptance;
  rss: { rss: number; peak: number; source: string };
  /** Once every platform was registered, before any load. */
  setupRss: number;
  spread: { min: number; max: number };
}): void {
  const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;
  const ms = (v: number) => v.toFixed(1);
  const all = timing(r.broadcasts.all);
  const allMax = Math.max(...r.broadcasts.all);
  const first = timing(r.broadcasts.first);
  const answer = timing(r.broadcasts.answer);
  const s = r.sustained;
  const ratio = s.deliveriesPerSecond / r.baselineRps;
  console.log(
    `\nocpi-hub delivery bench — node ${process.version}, ${r.backend}, ${RECIPIENTS} eMSPs, loopback\n`,
  );
  console.log(
    `Baseline: keep-alive PUTs from a child process straight to the ${RECIPIENTS} eMSP servers (an undici Pool of ${PER_RECIPIENT} connections per eMSP, ${BASELINE_CONCURRENCY} in flight overall), ${r.baseline.seconds} s after ${WARMUP_MS / 1000} s warm-up: ${Math.round(r.baselineRps)} requests/s, p50 ${r.baseline.p50.toFixed(2)} ms, p99 ${r.baseline.p99.toFixed(2)} ms, sender CPU ${r.baseline.cpuUs.toFixed(0)} µs/request`,
  );
  if (r.bare !== undefined) console.log(`\n${bareLines(r.bare, r.baselineRps)}`);
  console.log(
    `\nBroadcast: one location PUT from the CPO (OCPI-to = the hub) until all ${RECIPIENTS} eMSPs have it, ${all.n} times one after the other\n`,
  );
  console.log("| what | p50 ms | p99 ms | max ms |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| the hub's 1000 answer to the CPO | ${ms(answer.p50)} | ${ms(answer.p99)} | ${ms(Math.max(...r.broadcasts.answer))} |`,
  );
  console.log(
    `| first eMSP has it | ${ms(first.p50)} | ${ms(first.p99)} | ${ms(Math.max(...r.broadcasts.first))} |`,
  );
  console.log(
    `| all ${RECIPIENTS} eMSPs have it | ${ms(all.p50)} | ${ms(all.p99)} | ${ms(allMax)} |`,
  );
  console.log(
    `\nSustained: EVSE status PATCHes of ${LOCATIONS} locations in turn, ${PUSH_CONCURRENCY} in flight from the CPO (pausing while more than ${BACKLOG_PUSHES} pushes are not delivered to everyone), ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up`,
  );
  console.log(
    `deliveries received: ${Math.round(s.deliveriesPerSecond)}/s (${(ratio).toFixed(2)} × baseline); pushes accepted: ${Math.round(s.pushesPerSecond)}/s; CPO answer p50 ${ms(s.answer.p50)} ms, p99 ${ms(s.answer.p99)} ms; hub CPU ${s.hubCpuUsPerDelivery.toFixed(0)} µs/delivery; pushers held back by the backlog cap ${Math.round(s.heldBack * 100)} % of the time; backlog drained ${ms(s.drainMs)} ms after the last push; ${s.pushes} pushes, ${s.currentCopies} deliveries as the current copy`,
  );
  console.log(
    `CPU per delivery of the services beside the hub: ${cpuBreakdown(s)}; counted: ${r.services}`,
  );
  console.log(hostLine(s));
  const a = r.acceptance;
  console.log(
    `\nAcceptance: EVSE status PATCHes of ${ACCEPT_LOCATIONS} locations in turn, ${PUSH_CONCURRENCY} in flight from the CPO, each sent once the last is answered (no backlog cap; a recipient behind gets an EVSE's updates merged), ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up`,
  );
  console.log(
    `pushes accepted: ${Math.round(a.pushesPerSecond)}/s; CPO answer p50 ${ms(a.answer.p50)} ms, p99 ${ms(a.answer.p99)} ms; deliveries received: ${Math.round(a.deliveriesPerSecond)}/s; ${a.pushes} pushes, delivered as ${(a.delivered * 100).toFixed(0)} % of pushes × recipients (the rest merged); every eMSP held the newest status of every EVSE ${ms(a.drainMs)} ms after the last push`,
  );
  if (typeof r.two !== "string") {
    const t = r.two;
    console.log(
      `\nTwo hub processes on the same database and NATS, the CPO's pushes alternating between them (${PUSH_CONCURRENCY} in flight), ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up`,
    );
    console.log(
      `deliveries received: ${Math.round(t.deliveriesPerSecond)}/s (${(t.deliveriesPerSecond / s.deliveriesPerSecond).toFixed(2)} × one hub); pushes accepted: ${Math.round(t.pushesPerSecond)}/s; CPO answer p50 ${ms(t.answer.p50)} ms, p99 ${ms(t.answer.p99)} ms; both hubs' CPU ${t.hubCpuUsPerDelivery.toFixed(0)} µs/delivery; services ${cpuBreakdown(t)}; pushers held back by the backlog cap ${Math.round(t.heldBack * 100)} % of the time; ${t.pushes} pushes, ${t.currentCopies} deliveries as the current copy`,
    );
    console.log(hostLine(t));
  }
  console.log(
    `per eMSP: ${r.spread.min}–${r.spread.max} deliveries; hub process RSS after the setup ${mb(r.setupRss)}, at the end ${mb(r.rss.rss)}, peak ${mb(r.rss.peak)} (${r.rss.source})`,
  );

  console.log("\nSummary\n");
  console.log("| figure | measured | target | met |");
  console.log("| --- | ---: | ---: | :---: |");
  console.log(`| backend | ${r.backend} | | |`);
  console.log(
    `| baseline PUTs/s (${BASELINE_CONCURRENCY} in flight, ≤ ${PER_RECIPIENT} per eMSP) | ${Math.round(r.baselineRps)} | | |`,
  );
  console.log(`| broadcast to all ${RECIPIENTS}, p50 | ${ms(all.p50)} ms | | |`);
  console.log(`| broadcast to all ${RECIPIENTS}, max | ${ms(allMax)} ms | | |`);
  console.log(`| CPO's 1000 answer, p50 / p99 | ${ms(answer.p50)} / ${ms(answer.p99)} ms | | |`);
  console.log(`| sustained deliveries/s | ${Math.round(s.deliveriesPerSecond)} | | |`);
  console.log(`| hub RSS at the end | ${mb(r.rss.rss)} | | |`);
  printTargets({
    ratio,
    allP99: all.p99,
    sustained: s,
    acceptance: a,
    two: r.two,
    services: r.services,
    bare: r.bare,
    baselineRps: r.baselineRps,
  });
  if (problems.length > 0) {
    console.log("\nWrong answers\n");
    for (const p of problems) console.log(`- ${p}`);
    if (unlisted > 0) console.log(`- and ${unlisted} more`);
  } else {
    console.log(
      "\nEvery answer checked was right (1000 queued for every eMSP, routing headers, every push delivered to every eMSP once, the hub's counters).",
    );
  }
}

/**
 * The host's CPU in the sustained window, per delivery, by who used it: the
 * hub, the services counted beside it, this process (the eMSP servers and
 * the CPO) and the rest of the host. With the cores nearly all busy, the
 * host's CPU bounds the deliveries per second: more of them needs less CPU
 * per delivery somewhere, not more hub processes.
 */
function hostLine(s: Sustained): string {
  if (s.host === undefined) return "host CPU: not read (no /proc/stat)";
  const servicesUs = sumOf(s.servicesCpuUsPerDelivery);
  const rest =
    s.host.busyUsPerDelivery - s.hubCpuUsPerDelivery - servicesUs - s.benchCpuUsPerDelivery;
  return `host CPU in the window: ${Math.round(s.host.busyShare * 100)} % of its ${availableParallelism()} cores busy, ${s.host.busyUsPerDelivery.toFixed(0)} µs per delivery: the hub ${s.hubCpuUsPerDelivery.toFixed(0)} (its main thread ${s.hubMainThreadUsPerDelivery.toFixed(0)}), the services ${servicesUs.toFixed(0)}, this process (the ${RECIPIENTS} eMSP servers and the CPO) ${s.benchCpuUsPerDelivery.toFixed(0)}, the rest of the host ${rest.toFixed(0)}`;
}

/** "12 µs (nats-server 9, postgres 3)": the services' CPU per delivery, in all and by program. */
function cpuBreakdown(s: Sustained): string {
  const byProgram = new Map<string, number>();
  for (const [name, us] of s.servicesCpuUsPerDelivery) {
    const program = name.split(" ")[0] as string;
    byProgram.set(program, (byProgram.get(program) ?? 0) + us);
  }
  if (byProgram.size === 0) return "none counted";
  const total = [...byProgram.values()].reduce((a, b) => a + b, 0);
  const parts = [...byProgram].map(([program, us]) => `${program} ${us.toFixed(0)}`);
  return `${total.toFixed(0)} µs (${parts.join(", ")})`;
}

/** One row of the target table: a figure, issue 17's figures for it, and this run's. */
interface TargetRow {
  figure: string;
  today: string;
  floor: string;
  aim: string;
  measured: string;
  /** Whether the measured value meets the floor / the aim; undefined where not measured here. */
  meets?: { floor: boolean; aim: boolean };
}

const atLeast = (value: number, floor: number, aim: number) => ({
  floor: value >= floor,
  aim: value >= aim,
});
const atMost = (value: number, floor: number, aim: number) => ({
  floor: value <= floor,
  aim: value <= aim,
});

/**
 * The target table of the delivery rework: "today" holds the figures it
 * started from (PostgreSQL + NATS JetStream, 100 eMSPs, 2 shared cores), the
 * floor and aim what it asks for, "measured" this run. The EVSE PATCH and
 * GET-all figures come from bench/cache.ts.
 */
function printTargets(r: {
  ratio: number;
  allP99: number;
  sustained: Sustained;
  acceptance: Acceptance;
  two: Sustained | string;
  services: string;
  bare: BareResult | undefined;
  baselineRps: number;
}): void {
  const s = r.sustained;
  const a = r.acceptance;
  const cpuUs = hubAndServicesUs(s);
  const twoRatio =
    typeof r.two === "string" ? undefined : r.two.deliveriesPerSecond / s.deliveriesPerSecond;
  const rows: TargetRow[] = [
    {
      figure: `sustained deliveries/s ÷ plain PUT loop to the same ${RECIPIENTS} servers`,
      today: "0.19 ×",
      floor: `≥ ${RATIO_FLOOR} ×`,
      aim: "≥ 0.9 ×",
      measured: `${r.ratio.toFixed(2)} ×`,
      meets: atLeast(r.ratio, RATIO_FLOOR, 0.9),
    },
    {
      figure: "hub CPU per delivery",
      today: "196 µs",
      floor: "≤ 60 µs",
      aim: "≤ 30 µs",
      measured: `${cpuUs.toFixed(0)} µs (hub ${s.hubCpuUsPerDelivery.toFixed(0)}; services ${cpuBreakdown(s)})`,
      meets: atMost(cpuUs, 60, 30),
    },
    {
      figure: "CPO's 1000 answer to a broadcast PATCH under sustained load, p99",
      today: "354 ms",
      floor: "≤ 20 ms",
      aim: "≤ 5 ms",
      measured: `${s.answer.p99.toFixed(1)} ms`,
      meets: atMost(s.answer.p99, 20, 5),
    },
    {
      figure: `pushes accepted per second (${RECIPIENTS} recipients, ${PUSH_CONCURRENCY} in flight)`,
      today: "37",
      floor: "≥ 300",
      aim: "≥ 1,000",
      // The CPO unthrottled (the acceptance series): the sustained series' cap holds it to the deliveries.
      measured: `${Math.round(a.pushesPerSecond)} (answer p50 ${a.answer.p50.toFixed(1)} ms; with the sustained series' backlog cap ${Math.round(s.pushesPerSecond)})`,
      meets: atLeast(a.pushesPerSecond, 300, 1_000),
    },
    {
      figure: `broadcast to all ${RECIPIENTS}, p99 (one at a time)`,
      today: "91 ms",
      floor: "≤ 60 ms",
      aim: "≤ 30 ms",
      measured: `${r.allP99.toFixed(1)} ms`,
      meets: atMost(r.allP99, 60, 30),
    },
    {
      figure: "EVSE PATCH p50",
      today: "5.3 ms",
      floor: "≤ 5 ms",
      aim: "≤ 1 ms",
      measured: "see cache bench",
    },
    {
      figure: "GET-all page p50 at offset 99,900, 8 concurrent readers",
      today: "112 ms",
      floor: "≤ 50 ms",
      aim: "≤ 25 ms",
      measured: "see cache bench",
    },
    {
      figure: "two instances ÷ one instance, deliveries/s",
      today: "—",
      floor: "≥ 1.5 ×",
      aim: "≥ 1.8 ×",
      measured: twoRatio === undefined ? (r.two as string) : `${twoRatio.toFixed(2)} ×`,
      meets: twoRatio === undefined ? undefined : atLeast(twoRatio, 1.5, 1.8),
    },
  ];
  const met = (m: TargetRow["meets"]) =>
    m === undefined ? "" : m.aim ? "aim" : m.floor ? "floor" : "**no**";
  console.log(
    `\nTargets (issue 17; "today" as filed, on PostgreSQL + NATS JetStream; met? says whether the floor, or the aim too, is met)\n`,
  );
  console.log("| figure | today | floor | aim | measured | met? |");
  console.log("| --- | ---: | ---: | ---: | ---: | :---: |");
  for (const row of rows)
    console.log(
      `| ${row.figure} | ${row.today} | ${row.floor} | ${row.aim} | ${row.measured} | ${met(row.meets)} |`,
    );
  console.log(`\nCPU counted beside the hub process: ${r.services}.`);
  console.log(
    `\nWhat bounds the deliveries on this host (the one-hub series): ${boundBy(s, r.ratio)}`,
  );
  if (r.bare !== undefined) console.log(`\n${bareBound(r.bare, r.baselineRps, s)}`);
}

/** The bare fan-out's two series, as the report gives them. */
function bareLines(bare: BareResult, baselineRps: number): string {
  const ms = (v: number) => v.toFixed(1);
  const { sustained: s, unthrottled: u } = bare;
  return [
    `Bare fan-out: the delivery design with nothing of the hub (bench/bare-fanout.ts: one JetStream message per push, a durable consumer per eMSP reading every push, each sent as a keep-alive request and acknowledged once answered), ${PUSH_CONCURRENCY} publishers, ${s.seconds} s after ${WARMUP_MS / 1000} s warm-up`,
    `sustained (pausing while more than ${BACKLOG_PUSHES} pushes' worth of deliveries are outstanding): ${Math.round(s.deliveries / s.seconds)} deliveries/s (${(s.deliveries / s.seconds / baselineRps).toFixed(2)} × baseline); CPU per delivery: its process ${s.processUs.toFixed(0)} µs, nats-server ${s.natsUs.toFixed(0)} µs; host ${Math.round(s.hostBusy * 100)} % busy; publish acknowledged p50 ${ms(s.publish.p50)} ms, p99 ${ms(s.publish.p99)} ms`,
    `unthrottled (no pause, deliveries falling behind): ${Math.round(u.pushes / u.seconds)} publishes acknowledged/s, p50 ${ms(u.publish.p50)} ms, p99 ${ms(u.publish.p99)} ms, while delivering ${Math.round(u.deliveries / u.seconds)}/s; host ${Math.round(u.hostBusy * 100)} % busy`,
  ].join("\n");
}

/**
 * What the bare fan-out says of the floors: the deliveries/s and CPU per
 * delivery that the design reaches on this host with no work of the hub's,
 * beside the floors and the hub's own figures.
 */
function bareBound(bare: BareResult, baselineRps: number, hub: Sustained): string {
  const s = bare.sustained;
  const ratio = s.deliveries / s.seconds / baselineRps;
  const cpu = s.processUs + (Number.isNaN(s.natsUs) ? 0 : s.natsUs);
  const hubCpu = hubAndServicesUs(hub);
  return `The design alone on this host (the bare fan-out, same run): ${ratio.toFixed(2)} × the plain PUT loop (floor ${RATIO_FLOOR} ×: ${ratio >= RATIO_FLOOR ? "met" : "not met"} even with nothing of the hub), ${cpu.toFixed(0)} µs of CPU per delivery with nats-server's (floor 60 µs: ${cpu <= 60 ? "met" : "not met"}); the hub took ${(hub.deliveriesPerSecond / (s.deliveries / s.seconds)).toFixed(2)} × its deliveries/s at ${(hubCpu / cpu).toFixed(2)} × its CPU per delivery.`;
}

/**
 * The host's CPU as the bound of the deliveries per second: with its cores
 * nearly all busy, deliveries/s = busy core-seconds ÷ host CPU per delivery.
 * Says what the host CPU per delivery would have to be for the floor of
 * 0.6 × the plain PUT loop, and what that leaves the hub and its services
 * once the eMSP servers and the rest of the host have theirs.
 */
function boundBy(s: Sustained, ratio: number): string {
  if (s.host === undefined) return "the host's CPU could not be read (no /proc/stat).";
  const line = hostLine(s);
  if (s.host.busyShare < 0.8) {
    const busy = (s.hubMainThreadUsPerDelivery * s.deliveriesPerSecond) / 1e6;
    return `${line}. The host had CPU to spare; the hub's main thread, which runs its event loop, was busy ${Math.round(busy * 100)} % of the time (${s.hubMainThreadUsPerDelivery.toFixed(0)} µs per delivery)${busy >= 0.8 ? ", so that thread bounds the deliveries" : ""}.`;
  }
  const baselineRps = s.deliveriesPerSecond / ratio;
  const cores = s.host.busyShare * availableParallelism();
  const floorRps = RATIO_FLOOR * baselineRps;
  const neededUs = (cores * 1e6) / floorRps;
  const hubAndServices = hubAndServicesUs(s);
  const others = s.host.busyUsPerDelivery - hubAndServices;
  return `${line}. The cores were full, so deliveries/s = busy core-seconds ÷ host CPU per delivery (${cores.toFixed(2)} ÷ ${s.host.busyUsPerDelivery.toFixed(0)} µs = ${Math.round((cores * 1e6) / s.host.busyUsPerDelivery)}/s). The floor of ${RATIO_FLOOR} × the plain PUT loop (${Math.round(floorRps)}/s) needs at most ${neededUs.toFixed(0)} µs per delivery in all; the eMSP servers, the CPO and the rest of the host took ${others.toFixed(0)}, which leaves the hub and its services ${Math.max(0, neededUs - others).toFixed(0)} µs against the ${hubAndServices.toFixed(0)} they took.`;
}

/** Issue 17's floor for sustained deliveries/s ÷ the plain PUT loop. */
const RATIO_FLOOR = 0.6;

const sumOf = (values: Map<string, number>) => [...values.values()].reduce((a, b) => a + b, 0);

/** The hub's CPU per delivery with that of the services counted beside it (NATS, PostgreSQL). */
const hubAndServicesUs = (s: Sustained) =>
  s.hubCpuUsPerDelivery + sumOf(s.servicesCpuUsPerDelivery);

// ---------------------------------------------------------------------------
// Entry: the parent, or one of its child processes.

if (process.argv[2] === "hub")
  await serveHub(process.argv[3] || undefined, process.argv[4] as string);
else if (process.argv[2] === "baseline") await runBaseline(JSON.parse(process.argv[3] as string));
else await main();
