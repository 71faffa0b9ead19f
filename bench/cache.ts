/**
 * tsx bench/cache.ts: what the location and tariff cache costs and gives.
 *
 * A fake CPO in a process of its own serves BENCH_LOCATIONS (default 100,000)
 * realistic locations, made on the fly by a deterministic generator, and a few
 * hundred tariffs on paginated Sender endpoints. The hub runs in another child
 * process on a fresh database: a PostgreSQL database made for this run when
 * DATABASE_URL is set (dropped at the end), else PGlite in a temporary folder.
 * This process plays the eMSP (a bare node:http server answering 1000) and
 * generates the load.
 *
 * Measured: the initial sync (started by the CPO's registration, then once
 * more by the admin API), GET-all pages from the cache at the first and the
 * last offset next to the same page read by a plain SQL query in the hub's
 * own process, and EVSE status PATCHes through the hub (forward + cache
 * write). Figures only: nothing here passes or fails on time; a wrong answer
 * (count, order, status) is listed and makes the exit code 1.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import {
  ADMIN,
  asker,
  createBenchDatabase,
  envelope,
  hubNodeFlags,
  invite,
  listenLocal,
  type Role,
  readLine,
  register,
  respond,
  spawnScript,
  startHub,
  stopChild,
  type Timing,
  timeRequests,
  timing,
  tokenAuthorization,
  versionAnswer,
  writeLine,
} from "./support.js";

const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 100_000);
const TARIFFS = Number(process.env.BENCH_TARIFFS ?? 300);
/** GETs of one page per offset and concurrency. */
const PAGE_REQUESTS = Number(process.env.BENCH_PAGE_REQUESTS ?? 200);
/** Plain SQL runs per offset. */
const SQL_RUNS = Number(process.env.BENCH_SQL_RUNS ?? 200);
const PATCHES = Number(process.env.BENCH_PATCHES ?? 1_000);
/** A measured series stops early after this many seconds (with at least 5 samples). */
const SERIES_SECONDS = Number(process.env.BENCH_SERIES_SECONDS ?? 60);
/** Set to 1 to keep the bench database (or PGlite folder) for a look afterwards. */
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === "1";
/** Set to a folder to get a V8 CPU profile of the hub process there. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
/** A sync that has not ended after this long counts as hung. */
const SYNC_TIMEOUT_MS = Number(process.env.BENCH_SYNC_TIMEOUT_MS ?? 600_000);
/** The hub's log level; its lines go to stderr. */
const HUB_LOG_LEVEL = process.env.BENCH_HUB_LOG_LEVEL ?? "silent";
const PAGE = 100;
/** What the fake CPO serves at most per page (its X-Limit). */
const CPO_MAX_LIMIT = 1_000;

const TARGETS = { pageP50Ms: 25, pageOverPlain: 2, patchP50Ms: 5, syncSeconds: 60 };

// ---------------------------------------------------------------------------
// The generated CPO data: location n (1-based) is a pure function of n.

/** mulberry32: a small seeded PRNG, so every run serves the same locations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

/** Picks by weight: entries are [value, weight]. */
function weighted<T>(r: () => number, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let x = r() * total;
  for (const [value, w] of entries) {
    x -= w;
    if (x < 0) return value;
  }
  return (entries[entries.length - 1] as readonly [T, number])[0];
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** OCPI DateTime without milliseconds. */
const ocpiTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const CITIES = [
  ["Amsterdam", 52.3676, 4.9041, 10],
  ["Rotterdam", 51.9244, 4.4777, 30],
  ["Den Haag", 52.0705, 4.3007, 25],
  ["Utrecht", 52.0907, 5.1214, 35],
  ["Eindhoven", 51.4416, 5.4697, 56],
  ["Groningen", 53.2194, 6.5665, 97],
  ["Tilburg", 51.5555, 5.0913, 50],
  ["Almere", 52.3508, 5.2647, 13],
  ["Breda", 51.5719, 4.7683, 48],
  ["Nijmegen", 51.8126, 5.8372, 65],
  ["Arnhem", 51.9851, 5.8987, 68],
  ["Haarlem", 52.3874, 4.6462, 20],
  ["Enschede", 52.2215, 6.8937, 75],
  ["Amersfoort", 52.1561, 5.3878, 38],
  ["Zwolle", 52.5168, 6.083, 80],
  ["Maastricht", 50.8514, 5.691, 62],
  ["Leiden", 52.1601, 4.497, 23],
  ["Delft", 52.0116, 4.3571, 26],
] as const;

const STREETS = [
  "Stationsplein",
  "Kerkstraat",
  "Dorpsstraat",
  "Hoofdstraat",
  "Molenweg",
  "Schoolstraat",
  "Julianalaan",
  "Beatrixlaan",
  "Parallelweg",
  "Industrieweg",
  "Marktplein",
  "Wilhelminastraat",
  "Nieuwe Gracht",
  "Havenkade",
  "Europalaan",
  "Spoorlaan",
  "Burgemeester de Withstraat",
  "Van Heutszlaan",
  "Prins Hendrikkade",
  "Koningin Emmaplein",
] as const;

const SITE_NAMES = ["P+R", "Parkeergarage", "Laadplein", "Winkelcentrum", "Station", "Sportpark"];

const POSTCODE_LETTERS = [..."ABCDEFGHJKLMNPRSTVWXZ"];

const STATUSES = [
  ["AVAILABLE", 60],
  ["CHARGING", 25],
  ["BLOCKED", 4],
  ["OUTOFORDER", 3],
  ["INOPERATIVE", 3],
  ["RESERVED", 2],
  ["UNKNOWN", 3],
] as const;

/** The first of the year over which last_updated values spread. */
const YEAR_START = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

const ocpiString = (value: number) => value.toFixed(6);

interface ConnectorKind {
  standard: string;
  format: "SOCKET" | "CABLE";
  power_type: string;
  max_voltage: number;
  max_amperage: number;
  max_electric_power: number;
  dc: boolean;
}

const AC_KINDS: readonly ConnectorKind[] = [
  {
    standard: "IEC_62196_T2",
    format: "SOCKET",
    power_type: "AC_3_PHASE",
    max_voltage: 230,
    max_amperage: 16,
    max_electric_power: 11_000,
    dc: false,
  },
  {
    standard: "IEC_62196_T2",
    format: "SOCKET",
    power_type: "AC_3_PHASE",
    max_voltage: 230,
    max_amperage: 32,
    max_electric_power: 22_000,
    dc: false,
  },
  {
    standard: "IEC_62196_T2",
    format: "CABLE",
    power_type: "AC_1_PHASE",
    max_voltage: 230,
    max_amperage: 32,
    max_electric_power: 7_400,
    dc: false,
  },
  {
    standard: "DOMESTIC_F",
    format: "SOCKET",
    power_type: "AC_1_PHASE",
    max_voltage: 230,
    max_amperage: 16,
    max_electric_power: 3_700,
    dc: false,
  },
];

const CCS_350: ConnectorKind = {
  standard: "IEC_62196_T2_COMBO",
  format: "CABLE",
  power_type: "DC",
  max_voltage: 920,
  max_amperage: 500,
  max_electric_power: 350_000,
  dc: true,
};
const CCS_50: ConnectorKind = {
  ...CCS_350,
  max_voltage: 500,
  max_amperage: 125,
  max_electric_power: 50_000,
};
const CHADEMO: ConnectorKind = { ...CCS_50, standard: "CHADEMO" };
const AC_43: ConnectorKind = {
  standard: "IEC_62196_T2",
  format: "CABLE",
  power_type: "AC_3_PHASE",
  max_voltage: 400,
  max_amperage: 63,
  max_electric_power: 43_000,
  dc: false,
};
/** A fast charger's connectors in order: CCS, then CHAdeMO, then a Type 2 cable. */
const FAST_SLOTS: readonly (readonly ConnectorKind[])[] = [[CCS_350, CCS_50], [CHADEMO], [AC_43]];

/** Half the tariffs are for AC connectors, half for DC. */
const tariffId = (dc: boolean, k: number) =>
  `TAR-${dc ? "DC" : "AC"}-${pad((k % Math.max(1, Math.floor(TARIFFS / 2))) + 1, 3)}`;

const locationId = (n: number) => `LOC${pad(n, 6)}`;

/** Location n of the fake CPO; the same object on every call and in every process. */
function generateLocation(n: number): Record<string, unknown> {
  const r = prng(Math.imul(n, 2_654_435_761) ^ 0x5eed);
  const id = locationId(n);
  const [city, lat, lon, postcode] = pick(r, CITIES);
  const street = pick(r, STREETS);
  const latitude = lat + (r() - 0.5) * 0.12;
  const longitude = lon + (r() - 0.5) * 0.18;
  const lastUpdated = YEAR_START + Math.floor(r() * 365 * DAY_MS);
  const fast = r() < 0.25;
  const evseCount = 2 + Math.floor(r() * 5);
  const twentyfourseven = r() < 0.65;
  const evses = Array.from({ length: evseCount }, (_, e) => {
    const evseUpdated = lastUpdated - Math.floor(r() * 30 * DAY_MS);
    const connectorCount = 1 + Math.floor(r() * 3);
    const connectors = Array.from({ length: connectorCount }, (_, k) => {
      const kind = pick(r, fast ? (FAST_SLOTS[k] as readonly ConnectorKind[]) : AC_KINDS);
      const { dc, ...fields } = kind;
      return {
        id: String(k + 1),
        ...fields,
        tariff_ids: [tariffId(dc, n + k)],
        last_updated: ocpiTime(evseUpdated - Math.floor(r() * 60 * DAY_MS)),
      };
    });
    return {
      uid: `${id}-${e + 1}`,
      evse_id: `NL*CPO*E${pad(n, 6)}*${e + 1}`,
      status: weighted(r, STATUSES),
      capabilities: fast
        ? ["REMOTE_START_STOP_CAPABLE", "CREDIT_CARD_PAYABLE", "RFID_READER"]
        : ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE"],
      connectors,
      ...(r() < 0.2 ? { floor_level: pick(r, ["-1", "0", "1", "2"]) } : {}),
      coordinates: {
        latitude: ocpiString(latitude + (e - evseCount / 2) * 0.00002),
        longitude: ocpiString(longitude),
      },
      physical_reference: `${pick(r, ["A", "B", "P", ""])}${e + 1}`,
      ...(r() < 0.3 ? { parking_restrictions: ["EV_ONLY"] } : {}),
      last_updated: ocpiTime(evseUpdated),
    };
  });
  const site = pick(r, SITE_NAMES);
  return {
    country_code: "NL",
    party_id: "CPO",
    id,
    publish: true,
    name: `${site} ${street} ${city}`,
    address: `${street} ${1 + Math.floor(r() * 240)}`,
    city,
    postal_code: `${postcode}${pad(Math.floor(r() * 100), 2)} ${pick(r, POSTCODE_LETTERS)}${pick(r, POSTCODE_LETTERS)}`,
    country: "NLD",
    coordinates: { latitude: ocpiString(latitude), longitude: ocpiString(longitude) },
    parking_type: fast
      ? pick(r, ["ALONG_MOTORWAY", "PARKING_LOT"])
      : pick(r, ["ON_STREET", "ON_STREET", "PARKING_LOT", "PARKING_GARAGE", "UNDERGROUND_GARAGE"]),
    evses,
    operator: { name: "Bench Laadnetwerk B.V.", website: "https://laadnetwerk.example.nl" },
    facilities: fast ? ["FUEL_STATION", "CAFE", "WIFI"] : r() < 0.3 ? ["SUPERMARKET"] : [],
    time_zone: "Europe/Amsterdam",
    opening_times: twentyfourseven
      ? { twentyfourseven: true }
      : {
          twentyfourseven: false,
          regular_hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
            weekday,
            period_begin: weekday > 5 ? "08:00" : "07:00",
            period_end: weekday > 5 ? "20:00" : "23:00",
          })),
          exceptional_closings: [
            { period_begin: "2025-12-25T00:00:00Z", period_end: "2025-12-26T00:00:00Z" },
          ],
        },
    charging_when_closed: !twentyfourseven && r() < 0.5,
    ...(r() < 0.4
      ? {
          energy_mix: {
            is_green_energy: true,
            energy_sources: [
              { source: "WIND", percentage: 60 },
              { source: "SOLAR", percentage: 40 },
            ],
            supplier_name: "Groene Stroom B.V.",
            energy_product_name: "Wind & Zon",
          },
        }
      : {}),
    last_updated: ocpiTime(lastUpdated),
  };
}

/** Tariff n (1-based) of the fake CPO. */
function generateTariff(n: number): Record<string, unknown> {
  const half = Math.max(1, Math.floor(TARIFFS / 2));
  const dc = n > half;
  const id = tariffId(dc, (n - 1) % half);
  const r = prng(n * 7919 + 17);
  const energy = Math.round((dc ? 0.49 + r() * 0.3 : 0.29 + r() * 0.2) * 100) / 100;
  const euros = energy.toFixed(2).replace(".", ",");
  return {
    country_code: "NL",
    party_id: "CPO",
    id,
    currency: "EUR",
    type: "REGULAR",
    tariff_alt_text: [
      { language: "nl", text: `€ ${euros} per kWh` },
      { language: "en", text: `EUR ${energy.toFixed(2)} per kWh` },
    ],
    elements: [
      { price_components: [{ type: "ENERGY", price: energy, vat: 21, step_size: 1 }] },
      ...(dc
        ? [
            {
              price_components: [{ type: "PARKING_TIME", price: 6, vat: 21, step_size: 60 }],
              restrictions: { min_duration: 2_700 },
            },
          ]
        : []),
    ],
    last_updated: ocpiTime(YEAR_START + Math.floor(r() * 365 * DAY_MS)),
  };
}

/** Connectors of this many AC and DC tariffs are what TARIFFS splits into. */
function tariffCount(): number {
  return TARIFFS <= 0 ? 0 : Math.max(1, Math.floor(TARIFFS / 2)) * 2;
}

// ---------------------------------------------------------------------------
// Child: the fake CPO.

/** One page of a list as the fake CPO sends it. */
interface RenderedPage {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The fake CPO: versions, details, and paginated locations and tariffs
 * Senders (transport_and_format: Pagination). Pages are made on demand; after
 * answering one, it makes the next in the background, as the hub will follow
 * the Link to it, so the sync waits on the hub rather than on this generator.
 * At most a few pages are held at a time.
 */
async function serveCpo(): Promise<void> {
  let pages = 0;
  let renderMs = 0;
  const ahead = new Map<string, RenderedPage>();
  const lists: Record<string, { total: number; make: (n: number) => unknown }> = {
    "/ocpi/2.2.1/locations/sender": { total: LOCATIONS, make: generateLocation },
    "/ocpi/2.2.1/tariffs/sender": { total: tariffCount(), make: generateTariff },
  };
  const render = (origin: string, path: string, offset: number, limit: number): RenderedPage => {
    const started = performance.now();
    const { total, make } = lists[path] as { total: number; make: (n: number) => unknown };
    const end = Math.min(total, offset + limit);
    const data: unknown[] = [];
    for (let n = offset + 1; n <= end; n++) data.push(make(n));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-total-count": String(total),
      "x-limit": String(CPO_MAX_LIMIT),
    };
    if (end < total && limit > 0)
      headers.link = `<${origin}${path}?offset=${end}&limit=${limit}>; rel="next"`;
    const body = Buffer.from(envelope(data));
    renderMs += performance.now() - started;
    return { body, headers };
  };
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const url = new URL(req.url ?? "/", origin);
    const requestId = String(req.headers["x-request-id"] ?? randomUUID());
    const send = (page: RenderedPage) => {
      res.writeHead(200, { ...page.headers, "x-request-id": requestId });
      res.end(page.body);
    };
    const version = versionAnswer(url.pathname, `${origin}/ocpi`, [
      ["locations", "SENDER"],
      ["tariffs", "SENDER"],
    ]);
    if (version !== undefined || req.method !== "GET" || lists[url.pathname] === undefined)
      return respond(req, res, version ?? null);
    const offset = Math.max(0, Number.parseInt(url.searchParams.get("offset") ?? "0", 10) || 0);
    const asked = Number.parseInt(url.searchParams.get("limit") ?? "", 10);
    const limit = Number.isNaN(asked) ? CPO_MAX_LIMIT : Math.max(0, Math.min(asked, CPO_MAX_LIMIT));
    const key = `${url.pathname}?offset=${offset}&limit=${limit}`;
    const page = ahead.get(key) ?? render(origin, url.pathname, offset, limit);
    ahead.delete(key);
    send(page);
    pages += 1;
    const next = offset + limit;
    const nextKey = `${url.pathname}?offset=${next}&limit=${limit}`;
    const total = (lists[url.pathname] as { total: number }).total;
    // Once this page has left, so that making the next one does not hold it up.
    if (limit > 0 && next < total && !ahead.has(nextKey))
      res.once("finish", () => {
        if (ahead.has(nextKey)) return;
        if (ahead.size >= 4) ahead.delete(ahead.keys().next().value as string);
        ahead.set(nextKey, render(origin, url.pathname, next, limit));
      });
  });
  const url = await listenLocal(server);
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", (m: Ask) => {
    process.send?.({ id: m.id, pages, renderMs, cpu: cpuSeconds() });
  });
  writeLine({ cpo: url });
}

// ---------------------------------------------------------------------------
// Child: the hub, answering questions of the parent over IPC.

interface Ask {
  id: number;
  kind: "rss" | "sql" | "stats";
  offset?: number;
}

async function serveHub(databaseUrl: string | undefined, dataDir: string): Promise<void> {
  const { sql } = await import("drizzle-orm");
  const hub = await startHub(
    databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir },
    HUB_LOG_LEVEL,
  );
  const { deps } = hub;
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", (m: Ask) => {
    if (m.kind === "sql") {
      const started = performance.now();
      deps.db.db
        .execute(sql`select data from locations order by seq offset ${m.offset ?? 0} limit ${PAGE}`)
        .then(
          (result) => {
            const ms = performance.now() - started;
            const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
            process.send?.({ id: m.id, ms, rows: rows.length });
          },
          (err: unknown) => process.send?.({ id: m.id, error: String(err) }),
        );
      return;
    }
    process.send?.({
      id: m.id,
      rss: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
      cpu: cpuSeconds(),
    });
  });
  writeLine({ hub: hub.url });
}

// ---------------------------------------------------------------------------
// The parent: eMSP, load and report.

interface SyncView {
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  trigger: string;
  started_at: string;
  finished_at: string | null;
  pages: number;
  locations: number;
  tariffs: number;
  skipped: number;
  removed: number;
  error: string | null;
}

interface SyncRun {
  trigger: string;
  seconds: number;
  hubSeconds: number;
  view: SyncView;
  peakRss: number;
  cpoPages: number;
  cpoRenderMs: number;
  /** CPU seconds the sync took in each process (PostgreSQL: the hub's backends). */
  cpu: { hub: number; cpo: number; postgres: number };
}

const benchStarted = performance.now();

/** A line on stderr so a long run shows where it is; the report goes to stdout. */
function progress(message: string): void {
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0).padStart(5);
  process.stderr.write(`[${seconds} s] ${message}\n`);
}

/** Wrong answers seen; printed at the end and make the exit code 1. */
const problems: string[] = [];

function check(ok: boolean, message: string): boolean {
  if (!ok) problems.push(message);
  return ok;
}

async function main(): Promise<void> {
  const schemaCheck = await checkGeneratedData();
  const database = await createBenchDatabase(process.env.DATABASE_URL);
  // PGlite's folder, only when there is no PostgreSQL database.
  const dataDir = database ? "" : mkdtempSync(join(tmpdir(), "ocpi-hub-bench-"));
  const children: ChildProcess[] = [];
  let emspServer: Server | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanUp = () => {
    cleaned ??= (async () => {
      if (sampler) clearInterval(sampler);
      emspServer?.close();
      await Promise.all(children.map(stopChild));
      if (KEEP_DATABASE) {
        progress(`kept the database: ${database?.url ?? dataDir}`);
        await database?.close();
      } else {
        await database?.drop();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
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
    const cpo = spawnChild(["cpo"], false);
    children.push(cpo);
    const { cpo: cpoUrl } = await readLine<{ cpo: string }>(cpo);
    const hubChild = spawnChild(
      ["hub", database?.url ?? "", dataDir],
      Boolean(PROFILE_DIR),
      hubNodeFlags(),
    );
    children.push(hubChild);
    const { hub } = await readLine<{ hub: string }>(hubChild);
    const askHub = asker<Ask>(hubChild);
    const askCpo = asker<Ask>(cpo);

    let peakRss = 0;
    sampler = setInterval(() => {
      askHub({ kind: "rss" })
        .then((m) => {
          peakRss = Math.max(peakRss, m.rss as number);
        })
        .catch(() => {});
    }, 500);

    const received: Record<string, number> = {};
    const emsp = await startEmsp(received);
    emspServer = emsp.server;
    const emspUrl = emsp.url;

    // The eMSP first, so that its registration does not fall inside the CPO's sync.
    const emspParty = { role: "EMSP", country_code: "DE", party_id: "EMS" };
    const emspInvite = await invite(hub, partyName(emspParty), [emspParty]);
    const emspToken = await register(hub, emspInvite.token_a, emspUrl, emspParty);

    const cpoParty = { role: "CPO", country_code: "NL", party_id: "CPO" };
    const cpoInvite = await invite(hub, partyName(cpoParty), [cpoParty]);
    const syncs: SyncRun[] = [];
    /** Runs `start` and waits for the sync it triggers; the CPU figures are deltas. */
    const measureSync = async (
      trigger: string,
      start: () => Promise<void>,
      previous: string | undefined,
    ): Promise<SyncRun> => {
      const before = {
        cpo: await askCpo({ kind: "stats" }),
        hub: await askHub({ kind: "rss" }),
        postgres: await database?.cpuSeconds(),
      };
      peakRss = 0;
      const started = performance.now();
      await start();
      const view = await awaitSync(hub, cpoInvite.id, previous);
      const seconds = (performance.now() - started) / 1000;
      const after = {
        cpo: await askCpo({ kind: "stats" }),
        hub: await askHub({ kind: "rss" }),
        postgres: await database?.cpuSeconds(),
      };
      const delta = (a: Record<string, unknown>, b: Record<string, unknown>, k: string) =>
        (a[k] as number) - (b[k] as number);
      return {
        trigger,
        seconds,
        hubSeconds: hubDuration(view),
        view,
        peakRss: Math.max(peakRss, after.hub.rss as number),
        cpoPages: delta(after.cpo, before.cpo, "pages"),
        cpoRenderMs: delta(after.cpo, before.cpo, "renderMs"),
        cpu: {
          hub: delta(after.hub, before.hub, "cpu"),
          cpo: delta(after.cpo, before.cpo, "cpu"),
          postgres: (after.postgres ?? Number.NaN) - (before.postgres ?? Number.NaN),
        },
      };
    };
    progress(`hub ${hub} and CPO ${cpoUrl} up; the CPO registers, the sync on connect starts`);
    let cpoToken = "";
    const connect = await measureSync(
      "connect",
      async () => {
        cpoToken = await register(hub, cpoInvite.token_a, cpoUrl, cpoParty);
      },
      undefined,
    );
    syncs.push(connect);
    progress("sync on connect done; admin re-sync started");
    let admitted = false;
    const adminRun = await measureSync(
      "admin",
      async () => {
        const res = await fetch(`${hub}/admin/platforms/${cpoInvite.id}/sync`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        const body = (await res.json()) as { status?: string; sync?: SyncView };
        // The platform's view with its `sync`, or the sync view alone.
        const status = body.sync ? body.sync.status : body.status;
        admitted = res.status === 202;
        check(
          admitted && status === "RUNNING",
          `POST /admin/platforms/:id/sync answered HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}; the contract says 202 with the sync view, status RUNNING`,
        );
        if (!admitted) throw new Error("the admin sync was not started");
      },
      connect.view.started_at,
    ).catch((err: unknown) => {
      if (admitted) throw err;
      return undefined;
    });
    if (adminRun) syncs.push(adminRun);
    const expectedPages =
      Math.ceil(LOCATIONS / CPO_MAX_LIMIT) + Math.ceil(tariffCount() / CPO_MAX_LIMIT);
    for (const s of syncs) {
      const { view: v, trigger } = s;
      check(v.trigger === trigger, `${trigger} sync reports trigger "${v.trigger}"`);
      check(
        v.status === "SUCCEEDED",
        `${trigger} sync ended ${v.status}: ${v.error ?? "no error given"}`,
      );
      check(
        v.locations === LOCATIONS && v.tariffs === tariffCount(),
        `${trigger} sync counted ${v.locations} locations and ${v.tariffs} tariffs; the CPO served ${LOCATIONS} and ${tariffCount()}`,
      );
      check(
        v.skipped === 0 && v.removed === 0,
        `${trigger} sync skipped ${v.skipped}, removed ${v.removed}; expected 0 and 0`,
      );
      check(
        s.cpoPages === expectedPages,
        `${trigger} sync fetched ${s.cpoPages} pages from the CPO; expected ${expectedPages}`,
      );
    }

    // GET-all from the cache, at the first and the last offset.
    const lastOffset = Math.max(0, LOCATIONS - PAGE);
    const emspHeaders = {
      authorization: tokenAuthorization(emspToken),
      "ocpi-from-country-code": "DE",
      "ocpi-from-party-id": "EMS",
      "ocpi-to-country-code": "NL",
      "ocpi-to-party-id": "HUB",
      "x-request-id": randomUUID(),
      "x-correlation-id": randomUUID(),
    };
    const pageRows: PageRow[] = [];
    // The last page by its offset, and by the Link the page before it gives (its keyset cursor).
    const beforeLast = Math.max(0, lastOffset - PAGE);
    const cursorPath = await nextLinkPath(
      hub,
      `/ocpi/2.2.1/locations/sender?offset=${beforeLast}&limit=${PAGE}`,
      emspHeaders,
    );
    const pageTargets = [
      { label: "0", offset: 0, path: `/ocpi/2.2.1/locations/sender?offset=0&limit=${PAGE}` },
      {
        label: String(lastOffset),
        offset: lastOffset,
        path: `/ocpi/2.2.1/locations/sender?offset=${lastOffset}&limit=${PAGE}`,
      },
      { label: `${lastOffset} by the Link's cursor`, offset: lastOffset, path: cursorPath },
    ];
    for (const { label, offset, path } of pageTargets) {
      const firstId = locationId(offset + 1);
      const verify = pageChecker(offset, firstId);
      progress(`GET-all pages at offset ${label}`);
      await load(hub, "GET", path, emspHeaders, 20, 1, verify);
      const c1 = await load(hub, "GET", path, emspHeaders, PAGE_REQUESTS, 1, verify);
      const c8 = await load(hub, "GET", path, emspHeaders, PAGE_REQUESTS, 8, verify);
      progress(`plain SQL at offset ${offset}`);
      const plain = await plainQuery(askHub, offset);
      pageRows.push({ offset: label, c1, c8, plain });
    }

    // EVSE status PATCHes from the CPO to the eMSP through the hub.
    progress("EVSE status PATCHes");
    const patch = await patchEvses(hub, cpoToken, emspHeaders, received);
    progress("Session PATCHes (forwarding alone)");
    const forwardOnly = await patchSessions(hub, cpoToken, received);

    clearInterval(sampler);
    sampler = undefined;
    const hubRss = await askHub({ kind: "rss" });
    printReport({
      backend: database ? "PostgreSQL" : "PGlite (on disk)",
      schemaCheck,
      syncs,
      pageRows,
      patch,
      forwardOnly,
      maxRss: hubRss.maxRss as number,
    });
  } finally {
    await cleanUp();
  }
  if (problems.length > 0) process.exitCode = 1;
}

/** A few generated objects through the hub's own schemas, before anything is started. */
async function checkGeneratedData(): Promise<string> {
  const { LocationSchema } = await import("../src/ocpi/schemas/locations.js");
  const { TariffSchema } = await import("../src/ocpi/schemas/tariffs.js");
  const r = prng(42);
  const sample = [
    1,
    2,
    3,
    LOCATIONS,
    ...Array.from({ length: 196 }, () => 1 + Math.floor(r() * LOCATIONS)),
  ];
  for (const n of sample) {
    const parsed = LocationSchema.safeParse(generateLocation(n));
    if (!parsed.success)
      throw new Error(`generated location ${n} is not an OCPI Location: ${parsed.error.message}`);
  }
  for (let n = 1; n <= tariffCount(); n++) {
    const parsed = TariffSchema.safeParse(generateTariff(n));
    if (!parsed.success)
      throw new Error(`generated tariff ${n} is not an OCPI Tariff: ${parsed.error.message}`);
  }
  const ids = new Set(Array.from({ length: tariffCount() }, (_, k) => generateTariff(k + 1).id));
  if (ids.size !== tariffCount()) throw new Error("generated tariff ids are not unique");
  return `${sample.length} sampled locations and all ${tariffCount()} tariffs pass LocationSchema / TariffSchema`;
}

/** Each page answer: 100 locations, the right ones, and X-Total-Count = all locations. */
function pageChecker(offset: number, firstId: string) {
  let reported = false;
  return (status: number, headers: Record<string, unknown>, text: string) => {
    const body = JSON.parse(text) as { status_code?: number; data?: { id?: string }[] };
    const total = headers["x-total-count"];
    const problem =
      status !== 200 || body.status_code !== 1000
        ? `HTTP ${status}, status_code ${body.status_code}: ${text.slice(0, 200)}`
        : body.data?.length !== PAGE
          ? `${body.data?.length} objects instead of ${PAGE}`
          : total !== String(LOCATIONS)
            ? `X-Total-Count ${String(total)} instead of ${LOCATIONS}`
            : body.data[0]?.id !== firstId
              ? `first object ${body.data[0]?.id}, expected ${firstId} (first-cached order)`
              : undefined;
    if (problem !== undefined && !reported) {
      reported = true;
      problems.push(`GET locations/sender?offset=${offset}&limit=${PAGE} via hub: ${problem}`);
    }
  };
}

async function plainQuery(
  askHub: (q: Omit<Ask, "id">) => Promise<Record<string, unknown>>,
  offset: number,
): Promise<Timing> {
  const times: number[] = [];
  const deadline = performance.now() + SERIES_SECONDS * 1000;
  for (let i = 0; i < SQL_RUNS + 10; i++) {
    if (performance.now() > deadline && times.length >= 5) break;
    const answer = await askHub({ kind: "sql", offset });
    if (answer.error !== undefined) {
      check(false, `plain SQL at offset ${offset} failed: ${String(answer.error)}`);
      return { p50: Number.NaN, p99: Number.NaN, n: 0 };
    }
    check(answer.rows === PAGE, `plain SQL at offset ${offset} returned ${answer.rows} rows`);
    if (i >= 10) times.push(answer.ms as number);
  }
  return timing(times);
}

interface PatchSeries {
  timing: Timing;
  warmup: number;
}

/**
 * PATCHes from the CPO to the eMSP through the hub (OCPI-to = the eMSP), one
 * at a time; `make` gives the i-th request. Each answer must be 1000, and
 * the eMSP must have received every one.
 */
async function patchSeries(
  hub: string,
  cpoToken: string,
  module: "locations" | "sessions",
  received: Record<string, number>,
  make: (i: number) => { path: string; body: unknown },
): Promise<PatchSeries> {
  const pool = new Pool(hub, { connections: 1, pipelining: 1 });
  const headers = {
    authorization: tokenAuthorization(cpoToken),
    "content-type": "application/json",
    "ocpi-from-country-code": "NL",
    "ocpi-from-party-id": "CPO",
    "ocpi-to-country-code": "DE",
    "ocpi-to-party-id": "EMS",
  };
  const warmup = 50;
  const before = received[module] ?? 0;
  const times: number[] = [];
  let reported = false;
  const deadline = performance.now() + SERIES_SECONDS * 1000;
  let sent = 0;
  for (let i = 0; i < warmup + PATCHES; i++) {
    if (i >= warmup && performance.now() > deadline && times.length >= 5) break;
    sent += 1;
    const { path, body } = make(i);
    const t = performance.now();
    const res = await pool.request({
      method: "PATCH",
      path,
      headers: { ...headers, "x-request-id": randomUUID(), "x-correlation-id": randomUUID() },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    const ms = performance.now() - t;
    if (i >= warmup) times.push(ms);
    if ((res.statusCode !== 200 || statusCode(text) !== 1000) && !reported) {
      reported = true;
      problems.push(`PATCH ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    }
  }
  await pool.close();
  const arrived = (received[module] ?? 0) - before;
  check(
    arrived === sent,
    `the eMSP received ${arrived} ${module} PATCHes; ${sent} were sent through the hub`,
  );
  return { timing: timing(times), warmup };
}

/** EVSE status PATCHes of random locations, then the hub's copy of the last one is read back. */
async function patchEvses(
  hub: string,
  cpoToken: string,
  emspHeaders: Record<string, string>,
  received: Record<string, number>,
): Promise<PatchSeries & { verified: string }> {
  const statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED"] as const;
  const r = prng(7);
  // Later than every generated last_updated; one second apart so each is newer.
  const base = Date.now() - 2 * 3_600_000;
  let last = { id: "", uid: "", status: "", lastUpdated: "" };
  const series = await patchSeries(hub, cpoToken, "locations", received, (i) => {
    const location = generateLocation(1 + Math.floor(r() * LOCATIONS));
    const evses = location.evses as { uid: string }[];
    const evse = evses[Math.floor(r() * evses.length)] as { uid: string };
    last = {
      id: location.id as string,
      uid: evse.uid,
      status: statuses[i % statuses.length] as string,
      lastUpdated: ocpiTime(base + i * 1000),
    };
    return {
      path: `/ocpi/2.2.1/locations/receiver/NL/CPO/${last.id}/${last.uid}`,
      body: { status: last.status, last_updated: last.lastUpdated },
    };
  });
  // The hub's copy of the last EVSE patched, as an eMSP reads it.
  const evseAnswer = await fetch(`${hub}/ocpi/2.2.1/locations/sender/${last.id}/${last.uid}`, {
    headers: emspHeaders,
  });
  const evseBody = (await evseAnswer.json()) as {
    status_code?: number;
    data?: { status?: string; last_updated?: string };
  };
  const locationAnswer = await fetch(`${hub}/ocpi/2.2.1/locations/sender/${last.id}`, {
    headers: emspHeaders,
  });
  const locationBody = (await locationAnswer.json()) as {
    status_code?: number;
    data?: { last_updated?: string; evses?: { uid: string; status: string }[] };
  };
  const inLocation = locationBody.data?.evses?.find((e) => e.uid === last.uid)?.status;
  const ok =
    check(
      evseBody.status_code === 1000 &&
        evseBody.data?.status === last.status &&
        evseBody.data?.last_updated === last.lastUpdated,
      `GET the last patched EVSE ${last.id}/${last.uid} from the cache: HTTP ${evseAnswer.status} ${JSON.stringify(evseBody).slice(0, 300)}; expected status ${last.status}, last_updated ${last.lastUpdated}`,
    ) &&
    check(
      inLocation === last.status && locationBody.data?.last_updated === last.lastUpdated,
      `GET location ${last.id} from the cache: EVSE ${last.uid} status ${inLocation}, location last_updated ${locationBody.data?.last_updated}; expected ${last.status} and ${last.lastUpdated} (a child's last_updated moves its parent's)`,
    );
  return {
    ...series,
    verified: ok
      ? `the hub's copy of ${last.id}/${last.uid} shows status ${last.status} and last_updated ${last.lastUpdated} (EVSE and location)`
      : "the hub's copy of the last patched EVSE did NOT change (see problems)",
  };
}

/**
 * The same kind of PATCH through the hub for a module the hub does not
 * cache (sessions): what forwarding alone costs, next to the EVSE figure.
 */
function patchSessions(
  hub: string,
  cpoToken: string,
  received: Record<string, number>,
): Promise<PatchSeries> {
  const base = Date.now() - 2 * 3_600_000;
  return patchSeries(hub, cpoToken, "sessions", received, (i) => ({
    path: `/ocpi/2.2.1/sessions/receiver/NL/CPO/SES${pad(1 + (i % 500), 6)}`,
    body: { kwh: Math.round(i * 0.37 * 100) / 100, last_updated: ocpiTime(base + i * 1000) },
  }));
}

/** Polls the admin API until a sync newer than `after` has ended. */
async function awaitSync(hub: string, id: string, after: string | undefined): Promise<SyncView> {
  const deadline = performance.now() + SYNC_TIMEOUT_MS;
  let seen: unknown;
  let lastNote = performance.now();
  while (performance.now() < deadline) {
    const res = await fetch(`${hub}/admin/platforms/${id}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const body = (await res.json()) as { sync?: SyncView | null };
    seen = body.sync;
    const sync = body.sync;
    if (sync && sync.status !== "RUNNING" && (after === undefined || sync.started_at !== after))
      return sync;
    if (sync && performance.now() - lastNote > 10_000) {
      lastNote = performance.now();
      progress(
        `sync ${sync.status}${sync.started_at === after ? " (previous)" : ""}: ${sync.pages} pages, ${sync.locations} locations, ${sync.tariffs} tariffs`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `no finished sync of platform ${id} after ${SYNC_TIMEOUT_MS / 1000} s; last seen: ${JSON.stringify(seen)}`,
  );
}

function hubDuration(view: SyncView): number {
  if (view.finished_at === null) return Number.NaN;
  return (Date.parse(view.finished_at) - Date.parse(view.started_at)) / 1000;
}

/**
 * The eMSP: versions, details with locations and sessions Receivers, and
 * 1000 to everything else; counts the PATCHes it receives per module.
 */
async function startEmsp(
  received: Record<string, number>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const data = versionAnswer(req.url, `http://${req.headers.host}/ocpi`, [
        ["locations", "RECEIVER"],
        ["sessions", "RECEIVER"],
      ]);
      if (data === undefined && req.method === "PATCH") {
        const module = /^\/ocpi\/2\.2\.1\/(\w+)\/receiver\//.exec(req.url ?? "")?.[1];
        if (module) received[module] = (received[module] ?? 0) + 1;
      }
      respond(req, res, data ?? null);
    });
  });
  return { server, url: await listenLocal(server) };
}

/** The name a party is invited under. */
function partyName(role: Role): string {
  return `bench ${role.role} ${role.country_code}/${role.party_id}`;
}

/** `total` requests over `concurrency` keep-alive connections; each answer goes to `verify`. */
/** A GET-all page measured: which page, at concurrency 1 and 8, and the plain query at its offset. */
interface PageRow {
  offset: string;
  c1: Timing;
  c8: Timing;
  plain: Timing;
}

/** The path and query of the `Link` the hub answers `path` with. */
async function nextLinkPath(
  origin: string,
  path: string,
  headers: Record<string, string>,
): Promise<string> {
  const res = await fetch(`${origin}${path}`, { headers });
  await res.arrayBuffer();
  const link = /<([^>]+)>/.exec(res.headers.get("link") ?? "")?.[1];
  if (link === undefined) throw new Error(`GET ${path} answered no Link`);
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

async function load(
  origin: string,
  method: "GET",
  path: string,
  headers: Record<string, string>,
  total: number,
  concurrency: number,
  verify: (status: number, headers: Record<string, unknown>, text: string) => void,
): Promise<Timing> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const deadline = performance.now() + SERIES_SECONDS * 1000;
  const times = await timeRequests(
    pool,
    { method, path, headers },
    { total, concurrency, deadline },
    verify,
  );
  await pool.close();
  return timing(times);
}

function statusCode(text: string): number | undefined {
  try {
    return (JSON.parse(text) as { status_code?: number }).status_code;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Report.

function printReport(r: {
  backend: string;
  schemaCheck: string;
  syncs: SyncRun[];
  pageRows: PageRow[];
  patch: PatchSeries & { verified: string };
  forwardOnly: PatchSeries;
  maxRss: number;
}): void {
  const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;
  const ms = (v: number) => v.toFixed(2);
  const mark = (ok: boolean) => (ok ? "yes" : "**no**");
  console.log(
    `\nocpi-hub cache bench — node ${process.version}, ${r.backend}, ${LOCATIONS} locations, ${tariffCount()} tariffs, loopback`,
  );
  console.log(`generated data: ${r.schemaCheck}\n`);

  console.log("Initial sync of the CPO (the hub pulls every page, 1000 objects a page)\n");
  console.log(
    "| trigger | seconds (wall, from request) | seconds (hub: started_at → finished_at) | locations/s | pages | locations | tariffs | skipped | removed | hub peak RSS | CPU s: hub / PostgreSQL / CPO | CPO time rendering pages |",
  );
  console.log(
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const s of r.syncs) {
    const v = s.view;
    console.log(
      `| ${s.trigger === "connect" ? "connect (from the CPO's credentials POST)" : "admin (POST /admin/platforms/:id/sync)"} | ${s.seconds.toFixed(1)} | ${s.hubSeconds.toFixed(1)} | ${Math.round(v.locations / s.seconds)} | ${v.pages} | ${v.locations} | ${v.tariffs} | ${v.skipped} | ${v.removed} | ${mb(s.peakRss)} | ${s.cpu.hub.toFixed(1)} / ${Number.isNaN(s.cpu.postgres) ? "–" : s.cpu.postgres.toFixed(1)} / ${s.cpu.cpo.toFixed(1)} | ${(s.cpoRenderMs / 1000).toFixed(1)} s over ${s.cpoPages} pages |`,
    );
  }

  console.log(
    `\nGET-all locations from the cache (limit ${PAGE}, eMSP, OCPI-to = hub) vs the plain query \`select data from locations order by seq offset $1 limit ${PAGE}\` in the hub's process\n`,
  );
  console.log(
    "| offset | c=1 p50 ms | c=1 p99 ms | c=8 p50 ms | c=8 p99 ms | plain SQL p50 ms | plain SQL p99 ms | hub c=1 p50 / plain p50 | samples c=1 / c=8 / SQL |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const p of r.pageRows) {
    console.log(
      `| ${p.offset} | ${ms(p.c1.p50)} | ${ms(p.c1.p99)} | ${ms(p.c8.p50)} | ${ms(p.c8.p99)} | ${ms(p.plain.p50)} | ${ms(p.plain.p99)} | ${(p.c1.p50 / p.plain.p50).toFixed(2)} | ${p.c1.n} / ${p.c8.n} / ${p.plain.n} |`,
    );
  }
  console.log(
    `(up to ${PAGE_REQUESTS} requests per series after 20 warm-up requests, plain SQL up to ${SQL_RUNS} runs after 10 warm-up runs; a series stops after ${SERIES_SECONDS} s)`,
  );

  const t = r.patch.timing;
  console.log(
    `\nEVSE status PATCH, CPO → hub → eMSP (forward + cache write), concurrency 1, ${t.n} requests after ${r.patch.warmup} warm-up: p50 ${ms(t.p50)} ms, p99 ${ms(t.p99)} ms`,
  );
  const f = r.forwardOnly.timing;
  console.log(
    `Session PATCH, CPO → hub → eMSP (forwarding alone, sessions are not cached), ${f.n} requests after ${r.forwardOnly.warmup} warm-up: p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms; the cache write adds ${ms(t.p50 - f.p50)} ms at p50`,
  );
  console.log(`check: ${r.patch.verified}`);
  console.log(`hub process peak RSS over the whole run (getrusage): ${mb(r.maxRss)}`);

  console.log("\nSummary\n");
  console.log("| figure | measured | target | met |");
  console.log("| --- | ---: | ---: | :---: |");
  for (const p of r.pageRows) {
    for (const [label, v] of [
      ["c=1", p.c1],
      ["c=8", p.c8],
    ] as const) {
      console.log(
        `| page p50, offset ${p.offset}, ${label} | ${ms(v.p50)} ms | ≤ ${TARGETS.pageP50Ms} ms | ${mark(v.p50 <= TARGETS.pageP50Ms)} |`,
      );
    }
    const ratio = p.c1.p50 / p.plain.p50;
    console.log(
      `| page p50 / plain SQL p50, offset ${p.offset} (c=1) | ${ratio.toFixed(2)} × | ≤ ${TARGETS.pageOverPlain} × | ${mark(ratio <= TARGETS.pageOverPlain)} |`,
    );
  }
  console.log(
    `| EVSE PATCH p50 | ${ms(t.p50)} ms | ≤ ${TARGETS.patchP50Ms} ms | ${mark(t.p50 <= TARGETS.patchP50Ms)} |`,
  );
  for (const s of r.syncs) {
    console.log(
      `| full sync (${s.trigger}) | ${s.seconds.toFixed(1)} s | ≤ ${TARGETS.syncSeconds} s | ${mark(s.seconds <= TARGETS.syncSeconds)} |`,
    );
  }
  if (problems.length > 0) {
    console.log("\nWrong answers\n");
    for (const p of problems) console.log(`- ${p}`);
  } else {
    console.log("\nEvery answer checked was right (counts, order, X-Total-Count, EVSE status).");
  }
}

// ---------------------------------------------------------------------------
// Processes, ports and databases.

function spawnChild(
  args: string[],
  profile: boolean,
  nodeFlags: readonly string[] = [],
): ChildProcess {
  return spawnScript(
    fileURLToPath(import.meta.url),
    args,
    profile ? PROFILE_DIR : undefined,
    nodeFlags,
  );
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

if (process.argv[2] === "hub")
  await serveHub(process.argv[3] || undefined, process.argv[4] as string);
else if (process.argv[2] === "cpo") await serveCpo();
else await main();
