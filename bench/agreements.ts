/**
 * tsx bench/agreements.ts: what ROAMING_POLICY=agreements costs on the two
 * paths every request of an eMSP takes.
 *
 * Two hubs run in child processes of their own (in-memory PGlite and the
 * in-process bus; with DATABASE_URL=postgres://… a database of its own each
 * on that server, whose server processes' CPU counts with the hub's), one
 * with ROAMING_POLICY=open and one with
 * ROAMING_POLICY=agreements, on the same data: 1,000 parties (500 CPOs and
 * 500 eMSPs, ten to a platform) and 20,000 ACTIVE agreements, forty per CPO,
 * written straight into the hub's database and then loaded into the
 * registry snapshot, and ten cached locations of each CPO. The measured
 * pair, the CPO NL/CPO (a fake CPO in a process of its own serving one
 * location) and the eMSP DE/EMS, registers through the credentials module
 * and has an agreement on both hubs.
 *
 * Measured, in alternating rounds so that drift on a shared host hits both
 * hubs alike: a forwarded GET of the location (direct routing) and a GET-all
 * page of locations from the cache. Printed: medians over the rounds of
 * p50/p99, throughput and the hub process's CPU per request, and the ratios
 * agreements / open (medians of the per-round ratios). Figures only:
 * nothing here passes or fails on time; a wrong answer makes the exit code 1.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import {
  asker,
  type BenchDatabase,
  createBenchDatabase,
  hubNodeFlags,
  invite,
  listenLocal,
  quantile,
  readLine,
  register,
  respond,
  spawnScript,
  startHub,
  stopChild,
  timeRequests,
  timing,
  tokenAuthorization,
  versionAnswer,
  writeLine,
} from "./support.js";

const CPOS = 500;
const EMSPS = 500;
/** Parties per inserted platform. */
const PARTIES_PER_PLATFORM = 10;
/** Agreements per CPO: CPOS × this many in all. */
const AGREEMENTS_PER_CPO = 40;
const LOCATIONS_PER_CPO = 10;
const ROUNDS = Number(process.env.BENCH_AGREEMENT_ROUNDS ?? 6);
const FORWARDS = Number(process.env.BENCH_AGREEMENT_FORWARDS ?? 6_000);
const PAGES = Number(process.env.BENCH_AGREEMENT_PAGES ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PAGE_CONCURRENCY = 8;
const PAGE = 100;
/** Set to a folder to get V8 CPU profiles of both hub processes there. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

type Policy = "open" | "agreements";
const POLICIES: readonly Policy[] = ["open", "agreements"];

const LOCATION_ID = "LOC1";
const MODULES = ["locations", "tariffs", "sessions", "cdrs", "tokens", "commands"];

/** Party codes: index 0 is the measured pair, NL/CPO and DE/EMS. */
const cpoCode = (i: number) => ({
  countryCode: "NL",
  partyId: i === 0 ? "CPO" : `C${i.toString(36).toUpperCase().padStart(2, "0")}`,
});
const emspCode = (j: number) => ({
  countryCode: "DE",
  partyId: j === 0 ? "EMS" : `E${j.toString(36).toUpperCase().padStart(2, "0")}`,
});
/** The eMSPs of CPO i: forty distinct ones (13 is prime to 500); CPO 0 has eMSP 0. */
const partnersOfCpo = (i: number) =>
  Array.from({ length: AGREEMENTS_PER_CPO }, (_, k) => (i * 7 + k * 13) % EMSPS);

function example(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(
      new URL("../test/support/ocpi-examples/location_example.json", import.meta.url),
      "utf8",
    ),
  ) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// Children.

/** Child: a CPO serving one location on its locations Sender (object and list). */
async function serveCpo(): Promise<void> {
  const location = { ...example(), country_code: "NL", party_id: "CPO", id: LOCATION_ID };
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}/ocpi`;
    const path = req.url?.split("?")[0];
    if (path === "/ocpi/2.2.1/locations/sender") {
      res.setHeader("x-total-count", "1");
      res.setHeader("x-limit", "1000");
      respond(req, res, [location]);
      return;
    }
    respond(req, res, versionAnswer(req.url, base, [["locations", "SENDER"]]) ?? location);
  });
  const url = await listenLocal(server);
  process.on("SIGTERM", () => process.exit(0));
  writeLine({ cpo: url });
}

/**
 * Child: a hub under `policy` on `databaseUrl` (in-memory PGlite when
 * empty); loads the bench data when asked, reports its CPU time.
 */
async function serveHub(policy: Policy, databaseUrl: string): Promise<void> {
  const hub = await startHub({ DATABASE_URL: databaseUrl || "memory://" }, "silent", {
    ROAMING_POLICY: policy,
    // The inserted platforms have no URLs: no still-alive check during the run.
    PROBE_INTERVAL_MS: "86400000",
  });
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", async (m: { id: number; kind: string; cpoPlatform?: string }) => {
    if (m.kind === "cpu") {
      const usage = process.cpuUsage();
      process.send?.({ id: m.id, cpu: usage.user + usage.system });
      return;
    }
    const started = performance.now();
    const loaded = await loadData(hub.deps, m.cpoPlatform as string);
    // What autovacuum (PostgreSQL) or the store's own vacuum (PGlite) does after a load this
    // size: fresh statistics for the planner, and a visibility map for index-only scans.
    const { sql } = await import("drizzle-orm");
    await hub.deps.db.db.execute(sql`vacuum (analyze)`);
    await hub.deps.registry.refresh();
    const index = hub.deps.registry.agreements();
    process.send?.({
      id: m.id,
      ...loaded,
      agreementsInSnapshot: index.list().length,
      seconds: (performance.now() - started) / 1000,
    });
  });
  writeLine({ hub: hub.url });
}

type HubDeps = Awaited<ReturnType<typeof startHub>>["deps"];

/**
 * The parties other than the measured pair (on platforms of ten), every
 * agreement, and ten cached locations per CPO, in batched inserts.
 */
async function loadData(
  deps: HubDeps,
  cpoPlatform: string,
): Promise<{ parties: number; agreements: number; locations: number }> {
  const { count } = await import("drizzle-orm");
  const schema = await import("../src/db/schema/index.js");
  const db = deps.db.db;
  const now = new Date();
  const platformOf = new Map<string, string>();
  const platformRows: (typeof schema.platforms.$inferInsert)[] = [];
  const partyRows: (typeof schema.parties.$inferInsert)[] = [];
  const add = (role: "CPO" | "EMSP", n: number, code: { countryCode: string; partyId: string }) => {
    const platform = `bench-${role.toLowerCase()}-${Math.floor(n / PARTIES_PER_PLATFORM)}`;
    if (!platformRows.some((p) => p.id === platform))
      platformRows.push({
        id: platform,
        name: `bench ${platform}`,
        status: "CONNECTED",
        version: "2.2.1",
        createdAt: now,
        updatedAt: now,
      });
    platformOf.set(`${role}:${code.partyId}`, platform);
    partyRows.push({ platformId: platform, role, ...code });
  };
  for (let i = 1; i < CPOS; i++) add("CPO", i, cpoCode(i));
  for (let j = 1; j < EMSPS; j++) add("EMSP", j, emspCode(j));
  await db.insert(schema.platforms).values(platformRows);
  await db.insert(schema.parties).values(partyRows);

  const agreementRows: (typeof schema.agreements.$inferInsert)[] = [];
  for (let i = 0; i < CPOS; i++)
    for (const j of partnersOfCpo(i)) {
      const cpo = cpoCode(i);
      const emsp = emspCode(j);
      agreementRows.push({
        id: randomUUID(),
        cpoCountryCode: cpo.countryCode,
        cpoPartyId: cpo.partyId,
        emspCountryCode: emsp.countryCode,
        emspPartyId: emsp.partyId,
        modules: MODULES,
        status: "ACTIVE",
        createdAt: now,
        updatedAt: now,
        changedBy: "bench",
        changedFrom: null,
        // Recorded and started long ago, as through the admin API.
        exchangeStartedAt: now,
      });
    }
  for (let k = 0; k < agreementRows.length; k += 1_000)
    await db.insert(schema.agreements).values(agreementRows.slice(k, k + 1_000));

  const base = example();
  const locationRows: (typeof schema.locations.$inferInsert)[] = [];
  for (let i = 0; i < CPOS; i++) {
    const code = cpoCode(i);
    const platformId = i === 0 ? cpoPlatform : (platformOf.get(`CPO:${code.partyId}`) as string);
    for (let n = 1; n <= LOCATIONS_PER_CPO; n++) {
      const id = `BENCH${String(n).padStart(3, "0")}`;
      locationRows.push({
        platformId,
        countryCode: code.countryCode,
        partyId: code.partyId,
        locationId: id,
        lastUpdated: now,
        published: true,
        refreshedAt: now,
        data: { ...base, country_code: code.countryCode, party_id: code.partyId, id },
      });
    }
  }
  for (let k = 0; k < locationRows.length; k += 500)
    await db.insert(schema.locations).values(locationRows.slice(k, k + 500));
  const [counted] = await db.select({ n: count() }).from(schema.parties);
  return {
    parties: counted?.n ?? 0,
    agreements: agreementRows.length,
    locations: locationRows.length,
  };
}

// ---------------------------------------------------------------------------
// The run.

interface Result {
  p50: number;
  p99: number;
  rps: number;
  /** CPU time of the hub process per request, in microseconds. */
  cpuUs: number;
}

interface Hub {
  policy: Policy;
  url: string;
  child: ChildProcess;
  ask: ReturnType<typeof asker>;
  emspHeaders: Record<string, string>;
  /** Its PostgreSQL database, when the bench runs on one. */
  database: BenchDatabase | undefined;
}

const problems: string[] = [];

async function main(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const cpo = spawnScript(script, ["cpo"]);
  const children: ChildProcess[] = [cpo];
  const databases: BenchDatabase[] = [];
  try {
    const { cpo: cpoUrl } = await readLine<{ cpo: string }>(cpo);
    const hubs: Hub[] = [];
    for (const policy of POLICIES) {
      // On PostgreSQL each hub has a database of its own, and its server processes' CPU counts.
      const database = await createBenchDatabase(process.env.DATABASE_URL);
      if (database !== undefined) databases.push(database);
      const child = spawnScript(
        script,
        ["hub", policy, database?.url ?? ""],
        PROFILE_DIR,
        hubNodeFlags(),
      );
      children.push(child);
      const { hub: url } = await readLine<{ hub: string }>(child);
      hubs.push({ policy, url, child, ask: asker(child), emspHeaders: {}, database });
    }
    for (const hub of hubs) await prepare(hub, cpoUrl);

    const forwardPath = `/ocpi/2.2.1/locations/sender/${LOCATION_ID}`;
    const pagePath = `/ocpi/2.2.1/locations/sender?offset=0&limit=${PAGE}`;
    const forwardHeaders = (hub: Hub) => ({
      ...hub.emspHeaders,
      "ocpi-to-country-code": "NL",
      "ocpi-to-party-id": "CPO",
    });
    const pageHeaders = (hub: Hub) => ({
      ...hub.emspHeaders,
      "ocpi-to-country-code": "NL",
      "ocpi-to-party-id": "HUB",
    });
    const expectedTotal = (hub: Hub) =>
      // The inserted ones, and the CPO's own location, which the hub synced at its registration.
      1 + (hub.policy === "open" ? CPOS : countPartnersOfEmsp(0)) * LOCATIONS_PER_CPO;
    for (const hub of hubs) {
      await load(hub, forwardPath, forwardHeaders(hub), 1_000, CONCURRENCY, checkForward(hub));
      await load(
        hub,
        pagePath,
        pageHeaders(hub),
        30,
        PAGE_CONCURRENCY,
        checkPage(hub, expectedTotal(hub)),
      );
    }
    const forwards: Record<Policy, Result[]> = { open: [], agreements: [] };
    const pages: Record<Policy, Result[]> = { open: [], agreements: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Which hub goes first alternates too, so neither always follows the other's load.
      const order = round % 2 === 0 ? hubs : [...hubs].reverse();
      for (const hub of order)
        forwards[hub.policy].push(
          await load(
            hub,
            forwardPath,
            forwardHeaders(hub),
            FORWARDS,
            CONCURRENCY,
            checkForward(hub),
          ),
        );
      for (const hub of order)
        pages[hub.policy].push(
          await load(
            hub,
            pagePath,
            pageHeaders(hub),
            PAGES,
            PAGE_CONCURRENCY,
            checkPage(hub, expectedTotal(hub)),
          ),
        );
    }
    printReport(forwards, pages);
  } finally {
    for (const child of children) await stopChild(child);
    for (const database of databases) await database.drop();
  }
  if (problems.length > 0) {
    console.error(
      `\n${problems.length} wrong answer(s):\n${[...new Set(problems)].slice(0, 20).join("\n")}`,
    );
    process.exitCode = 1;
  }
}

/** How many CPOs have an agreement with eMSP j. */
function countPartnersOfEmsp(j: number): number {
  let n = 0;
  for (let i = 0; i < CPOS; i++) if (partnersOfCpo(i).includes(j)) n += 1;
  return n;
}

/** Registers the measured pair through the credentials module, then has the hub load the rest. */
async function prepare(hub: Hub, cpoUrl: string): Promise<void> {
  const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
  const cpoInvite = await invite(hub.url, "bench CPO", [cpoRole]);
  await register(hub.url, cpoInvite.token_a, cpoUrl, cpoRole);
  const emsp = await startEmspPlatform();
  const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
  const emspInvite = await invite(hub.url, "bench eMSP", [emspRole]);
  const token = await register(hub.url, emspInvite.token_a, emsp, emspRole);
  hub.emspHeaders = {
    authorization: tokenAuthorization(token),
    "ocpi-from-country-code": "DE",
    "ocpi-from-party-id": "EMS",
    "x-request-id": randomUUID(),
    "x-correlation-id": randomUUID(),
  };
  const loaded = await hub.ask({ kind: "load", cpoPlatform: cpoInvite.id });
  const parties = loaded.parties as number;
  const inSnapshot = loaded.agreementsInSnapshot as number;
  if (parties !== CPOS + EMSPS) problems.push(`${hub.policy}: ${parties} parties, not 1000`);
  if (inSnapshot !== CPOS * AGREEMENTS_PER_CPO)
    problems.push(`${hub.policy}: ${inSnapshot} agreements in the registry snapshot`);
  console.log(
    `hub (${hub.policy}): ${parties} parties, ${inSnapshot} agreements in the snapshot, ${loaded.locations} locations, loaded in ${(loaded.seconds as number).toFixed(1)} s`,
  );
}

/** The eMSP's platform: versions and details only (it receives nothing here). */
async function startEmspPlatform(): Promise<string> {
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}/ocpi`;
    respond(req, res, versionAnswer(req.url, base, []) ?? {});
  });
  server.unref();
  return listenLocal(server);
}

type Verify = (status: number, headers: Record<string, unknown>, text: string) => void;

function checkForward(hub: Hub): Verify {
  return (status, _headers, text) => {
    if (status !== 200 || !text.includes(`"id":"${LOCATION_ID}"`))
      problems.push(`${hub.policy}: forwarded GET answered ${status} ${text.slice(0, 200)}`);
  };
}

function checkPage(hub: Hub, total: number): Verify {
  return (status, headers, text) => {
    const count = Number(headers["x-total-count"]);
    const body = JSON.parse(text) as { data?: { party_id: string }[] };
    const shown = body.data?.length ?? 0;
    if (status !== 200 || count !== total || shown !== Math.min(PAGE, total))
      problems.push(
        `${hub.policy}: GET-all answered ${status}, X-Total-Count ${count} (expected ${total}), ${shown} objects`,
      );
  };
}

async function load(
  hub: Hub,
  path: string,
  headers: Record<string, string>,
  total: number,
  concurrency: number,
  verify: Verify,
): Promise<Result> {
  const pool = new Pool(hub.url, { connections: concurrency, pipelining: 1 });
  // Microseconds of the hub process, and of its database's server processes on PostgreSQL.
  const cpu = async () =>
    ((await hub.ask({ kind: "cpu" })).cpu as number) +
    (hub.database === undefined ? 0 : (await hub.database.cpuSeconds()) * 1e6);
  const cpuBefore = await cpu();
  const started = performance.now();
  const times = await timeRequests(
    pool,
    { method: "GET", path, headers },
    { total, concurrency },
    verify,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((await cpu()) - cpuBefore) / total;
  await pool.close();
  const { p50, p99 } = timing(times);
  return { p50, p99, rps: total / seconds, cpuUs };
}

const mid = (values: number[]) => quantile(values, 0.5);

function median(results: Result[]): Result {
  return {
    p50: mid(results.map((r) => r.p50)),
    p99: mid(results.map((r) => r.p99)),
    rps: mid(results.map((r) => r.rps)),
    cpuUs: mid(results.map((r) => r.cpuUs)),
  };
}

/** Per round, agreements / open of one figure; the median of those. */
function ratios(series: Record<Policy, Result[]>, figure: keyof Result): number[] {
  return series.agreements.map((a, k) => a[figure] / (series.open[k]?.[figure] ?? Number.NaN));
}

function printReport(forwards: Record<Policy, Result[]>, pages: Record<Policy, Result[]>): void {
  console.log(
    `\nROAMING_POLICY=agreements vs open — ${CPOS + EMSPS} parties, ${CPOS * AGREEMENTS_PER_CPO} agreements, ${ROUNDS} alternating rounds (medians)\n`,
  );
  console.log("| what | policy | p50 ms | p99 ms | requests/s | hub CPU µs/request |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: |");
  const rows: [string, Record<Policy, Result[]>][] = [
    [
      `GET location forwarded to the CPO (${FORWARDS} per round, concurrency ${CONCURRENCY})`,
      forwards,
    ],
    [
      `GET-all locations page from the cache (limit ${PAGE}, ${PAGES} per round, concurrency ${PAGE_CONCURRENCY})`,
      pages,
    ],
  ];
  for (const [name, series] of rows)
    for (const policy of POLICIES) {
      const r = median(series[policy]);
      console.log(
        `| ${name} | ${policy} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.rps)} | ${r.cpuUs.toFixed(1)} |`,
      );
    }
  console.log("");
  for (const [name, series] of [
    ["forwarding", forwards],
    ["GET-all page", pages],
  ] as const) {
    const rps = ratios(series, "rps");
    const cpu = ratios(series, "cpuUs");
    const p50 = ratios(series, "p50");
    const within = (ratio: number, better: 1 | -1) =>
      (better === 1 ? ratio >= 0.95 : ratio <= 1.05) ? "within 5 %" : "NOT within 5 %";
    console.log(
      `${name}: agreements / open throughput ${mid(rps).toFixed(3)} (${within(mid(rps), 1)}; per round: ${rps.map((r) => r.toFixed(2)).join(", ")}); CPU per request ${mid(cpu).toFixed(3)} (${within(mid(cpu), -1)}); p50 ${mid(p50).toFixed(3)}`,
    );
  }
}

if (process.argv[2] === "hub") await serveHub(process.argv[3] as Policy, process.argv[4] ?? "");
else if (process.argv[2] === "cpo") await serveCpo();
else await main();
