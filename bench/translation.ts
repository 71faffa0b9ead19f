/**
 * tsx bench/translation.ts: what translating OCPI 2.1.1 at the hub's edge
 * costs a push, next to the same push in 2.2.1, in one run.
 *
 * A child process serves the hub (in-memory PGlite, in-process bus,
 * LOG_LEVEL=silent); another child plays a 2.2.1 eMSP with a locations
 * Receiver that answers 1000 at once and counts what arrives. This process
 * plays two CPOs, one registered over 2.2.1 (NL/CPO) and one over 2.1.1
 * (BE/OLD), and sends the same pushes from each: a location PUT (the spec's
 * location_example.json, 1.3 kB; the 2.1.1 CPO's is its 2.1.1 form without
 * time_zone, which the hub derives from the coordinates, the costlier way)
 * and an EVSE status PATCH. Each is a broadcast push: the hub validates it
 * (the 2.1.1 one with the 2.1.1 schema, then translates it to 2.2.1),
 * writes its cache, answers, and delivers it to the eMSP.
 *
 * A series is BENCH_TRANSLATION_PUSHES pushes of one kind from one CPO,
 * each to a location of its own (so no delivery replaces another), over
 * BENCH_TRANSLATION_CONCURRENCY connections; it ends when the eMSP has
 * every one. Measured per series: the answers' p50/p99, accepted pushes per
 * second, delivered per second, and the hub process's CPU from the first
 * push to the last delivery per accepted push. The series alternate
 * between the two CPOs (which goes first alternates too) over
 * BENCH_TRANSLATION_ROUNDS rounds; figures are medians, ratios 2.1.1 / 2.2.1
 * medians of the per-round ratios. Target (issue 18): translation adds no
 * more than 30 % CPU per request.
 *
 * Figures only: nothing passes or fails on time; a refused push, a lost
 * delivery or a delivered body that is not the same valid 2.2.1 object
 * either way makes the exit code 1.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { Pool } from "undici";
import { EvsePatchSchema, LocationSchema } from "../src/ocpi/schemas/locations.js";
import { check } from "../src/ocpi/validate.js";
import { fullToV211, fullToV221, patchToV221 } from "../src/versions/v2_1_1/objects.js";
import { EvsePatch211Schema, Location211Schema } from "../src/versions/v2_1_1/schemas/locations.js";
import {
  ADMIN,
  hubNodeFlags,
  invite,
  listenLocal,
  quantile,
  type Role,
  readLine,
  register,
  respond,
  spawnScript,
  startHub,
  stopChild,
  timing,
  tokenAuthorization,
  versionAnswer,
  writeLine,
} from "./support.js";

const PUSHES = Number(process.env.BENCH_TRANSLATION_PUSHES ?? 1_000);
const ROUNDS = Number(process.env.BENCH_TRANSLATION_ROUNDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_TRANSLATION_CONCURRENCY ?? 16);
/** Set to a folder to get a V8 CPU profile of the hub process there. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
/** A delivery that has not arrived this long after the last answer counts as lost. */
const ARRIVAL_TIMEOUT_MS = 30_000;
/** Issue 18: the CPU per request through translation, at most this many times the 2.2.1 one. */
const TARGET_CPU_RATIO = 1.3;

const CPO_221: Role = { role: "CPO", country_code: "NL", party_id: "CPO" };
const CPO_211: Role = { role: "CPO", country_code: "BE", party_id: "OLD" };
const EMSP: Role = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const HUB = { country_code: "NL", party_id: "HUB" };
const EVSE_UID = "3256";

/** OCPI DateTime without milliseconds. */
const ocpiTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const EXAMPLE = JSON.parse(
  readFileSync(
    new URL("../test/support/ocpi-examples/location_example.json", import.meta.url),
    "utf8",
  ),
) as Record<string, unknown>;

/** The example as a 2.1.1 CPO holds it: translated, without the optional time_zone. */
const EXAMPLE_211 = (() => {
  const translated = fullToV211("location", EXAMPLE);
  if (translated.losses.length > 0) throw new Error("the example loses fields in 2.1.1");
  const { time_zone: _derived, ...rest } = translated.value;
  return rest;
})();

type Version = "2.2.1" | "2.1.1";
type Kind = "location PUT" | "EVSE PATCH";
const VERSIONS: readonly Version[] = ["2.2.1", "2.1.1"];
const KINDS: readonly Kind[] = ["location PUT", "EVSE PATCH"];

// ---------------------------------------------------------------------------
// Children.

/** Child: the hub, its CPU time on request. */
async function serveHub(): Promise<void> {
  const hub = await startHub({ DATABASE_URL: "memory://" }, "silent");
  process.on("SIGTERM", () => process.exit(0));
  process.on("message", () => {
    const usage = process.cpuUsage();
    process.send?.(usage.user + usage.system);
  });
  writeLine({ hub: hub.url });
}

/**
 * Child: a 2.2.1 eMSP whose locations Receiver answers 1000 at once and
 * counts each method per sending party; GET /bench/stats answers the counts
 * and the last body of each.
 */
async function serveEmsp(): Promise<void> {
  const counts: Record<string, number> = {};
  const last: Record<string, string> = {};
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}/ocpi`;
    if (req.method === "GET") {
      if (req.url === "/bench/stats") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ counts, last }));
        return;
      }
      respond(req, res, versionAnswer(req.url, base, [["locations", "RECEIVER"]]) ?? []);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const [, cc, pid] = /^\/ocpi\/2\.2\.1\/locations\/receiver\/(\w+)\/(\w+)\//.exec(
        req.url ?? "",
      ) ?? [undefined, "?", "?"];
      const key = `${req.method} ${cc}/${pid}`;
      counts[key] = (counts[key] ?? 0) + 1;
      last[key] = Buffer.concat(chunks).toString();
      respond(req, res, undefined);
    });
  });
  const url = await listenLocal(server);
  process.on("SIGTERM", () => process.exit(0));
  writeLine({ emsp: url });
}

// ---------------------------------------------------------------------------
// The two CPOs: their versions for the handshake, an empty list for the hub's sync.

/** A CPO platform speaking only `version`, with a locations Sender that lists nothing. */
async function startCpo(version: Version): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}/ocpi`;
    if (version === "2.2.1") {
      respond(req, res, versionAnswer(req.url, base, [["locations", "SENDER"]]) ?? []);
      return;
    }
    if (req.url === "/ocpi/versions") {
      respond(req, res, [{ version: "2.1.1", url: `${base}/2.1.1` }]);
      return;
    }
    if (req.url === "/ocpi/2.1.1") {
      const endpoints = ["credentials", "locations"].map((identifier) => ({
        identifier,
        url: `${base}/2.1.1/${identifier}`,
      }));
      respond(req, res, { version: "2.1.1", endpoints });
      return;
    }
    respond(req, res, []);
  });
  return { url: await listenLocal(server), server };
}

/** Registers a CPO over 2.1.1, party-initiated (Token A raw); returns the hub's token. */
async function register211(hub: string, tokenA: string, platformUrl: string): Promise<string> {
  const res = await fetch(`${hub}/ocpi/2.1.1/credentials`, {
    method: "POST",
    headers: { authorization: `Token ${tokenA}`, "content-type": "application/json" },
    body: JSON.stringify({
      token: `bench-${randomUUID()}`,
      url: `${platformUrl}/ocpi/versions`,
      business_details: { name: "bench 2.1.1 CPO" },
      country_code: CPO_211.country_code,
      party_id: CPO_211.party_id,
    }),
  });
  const body = (await res.json()) as { status_code: number; data: { token: string } };
  if (body.status_code !== 1000)
    throw new Error(`2.1.1 registration failed: ${JSON.stringify(body)}`);
  return body.data.token;
}

/** Waits until the hub's sync of a platform (started at registration) has ended. */
async function syncEnded(hub: string, platformId: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${hub}/admin/platforms/${platformId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const sync = ((await res.json()) as { sync: { status: string } | null }).sync;
    if (sync !== null && sync.status !== "RUNNING") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the sync of ${platformId} did not end`);
}

// ---------------------------------------------------------------------------
// Pushes.

interface Pusher {
  version: Version;
  role: Role;
  pool: Pool;
  /** The request of push `kind` of location `index`, newer than any before. */
  request(kind: Kind, index: number): { method: "PUT" | "PATCH"; path: string; body: string };
  headers(): Record<string, string>;
}

let clock = Date.parse("2026-01-01T00:00:00Z");
const locationId = (index: number) => `LOC${index}`;

function pusher(version: Version, role: Role, hub: string, token: string): Pusher {
  const pool = new Pool(hub, { connections: CONCURRENCY, pipelining: 1 });
  const owner = `${role.country_code}/${role.party_id}`;
  const prefix =
    version === "2.2.1"
      ? `/ocpi/2.2.1/locations/receiver/${owner}`
      : `/ocpi/2.1.1/locations/${owner}`;
  const authorization = version === "2.2.1" ? tokenAuthorization(token) : `Token ${token}`;
  return {
    version,
    role,
    pool,
    request(kind, index) {
      clock += 1000;
      const id = locationId(index);
      const last_updated = ocpiTime(clock);
      if (kind === "EVSE PATCH") {
        const status = index % 2 === 0 ? "CHARGING" : "AVAILABLE";
        return {
          method: "PATCH",
          path: `${prefix}/${id}/${EVSE_UID}`,
          body: JSON.stringify({ status, last_updated }),
        };
      }
      const location =
        version === "2.2.1"
          ? {
              ...EXAMPLE,
              country_code: role.country_code,
              party_id: role.party_id,
              id,
              last_updated,
            }
          : { ...EXAMPLE_211, id, last_updated };
      return { method: "PUT", path: `${prefix}/${id}`, body: JSON.stringify(location) };
    },
    headers(): Record<string, string> {
      // 2.1.1 has no routing headers nor request ids.
      if (version === "2.1.1") return { authorization, "content-type": "application/json" };
      return {
        authorization,
        "content-type": "application/json",
        "x-request-id": randomUUID(),
        "x-correlation-id": randomUUID(),
        "ocpi-from-country-code": role.country_code,
        "ocpi-from-party-id": role.party_id,
        "ocpi-to-country-code": HUB.country_code,
        "ocpi-to-party-id": HUB.party_id,
      };
    },
  };
}

/** What went wrong in the run; any entry makes the exit code 1. */
const problems: string[] = [];

interface Stats {
  counts: Record<string, number>;
  last: Record<string, string>;
}

async function emspStats(emsp: string): Promise<Stats> {
  return (await (await fetch(`${emsp}/bench/stats`)).json()) as Stats;
}

const deliveryKey = (kind: Kind, role: Role) =>
  `${kind === "location PUT" ? "PUT" : "PATCH"} ${role.country_code}/${role.party_id}`;

/** Sends `total` pushes over CONCURRENCY connections, location i for push i; the answers' times. */
async function sendPushes(p: Pusher, kind: Kind, total: number): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const index = next;
        next += 1;
        const { method, path, body } = p.request(kind, index);
        const t = performance.now();
        const res = await p.pool.request({ method, path, body, headers: p.headers() });
        const text = await res.body.text();
        times.push(performance.now() - t);
        if (res.statusCode !== 200 || !text.includes('"status_code":1000')) {
          problems.push(
            `${p.version} ${kind} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`,
          );
        }
      }
    }),
  );
  return times;
}

/** Waits until the eMSP has `expected` deliveries under `key`; the count it reached. */
async function delivered(emsp: string, key: string, expected: number): Promise<number> {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < ARRIVAL_TIMEOUT_MS) {
    count = (await emspStats(emsp)).counts[key] ?? 0;
    if (count >= expected) return count;
    await new Promise((r) => setTimeout(r, 5));
  }
  return count;
}

interface Series {
  version: Version;
  kind: Kind;
  p50: number;
  p99: number;
  /** Pushes answered per second. */
  accepted: number;
  /** Pushes delivered to the eMSP per second, from the first push to the last delivery. */
  delivered: number;
  /** The hub process's CPU from the first push to the last delivery, per push, in µs. */
  cpuUs: number;
}

let hubCpu: () => Promise<number> = async () => Number.NaN;

async function series(p: Pusher, kind: Kind, emsp: string, total: number): Promise<Series> {
  const key = deliveryKey(kind, p.role);
  const before = (await emspStats(emsp)).counts[key] ?? 0;
  const cpuBefore = await hubCpu();
  const started = performance.now();
  const times = await sendPushes(p, kind, total);
  const answered = performance.now();
  const count = await delivered(emsp, key, before + total);
  const done = performance.now();
  const cpuUs = ((await hubCpu()) - cpuBefore) / total;
  if (count < before + total) {
    problems.push(`${p.version} ${kind}: ${before + total - count} of ${total} never delivered`);
  }
  const { p50, p99 } = timing(times);
  return {
    version: p.version,
    kind,
    p50,
    p99,
    accepted: total / ((answered - started) / 1000),
    delivered: total / ((done - started) / 1000),
    cpuUs,
  };
}

/**
 * The eMSP got valid 2.2.1 objects, and the same ones from either CPO: the
 * 2.1.1 CPO's location, translated (time_zone derived), is the 2.2.1 CPO's
 * but for its owner, and so is its EVSE PATCH.
 */
function checkDeliveries(stats: Stats): void {
  const body = (kind: Kind, role: Role) => {
    const text = stats.last[deliveryKey(kind, role)];
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  };
  for (const kind of KINDS) {
    const schema = kind === "location PUT" ? LocationSchema : EvsePatchSchema;
    const [from221, from211] = [body(kind, CPO_221), body(kind, CPO_211)];
    for (const [version, b] of [
      ["2.2.1", from221],
      ["2.1.1", from211],
    ] as const) {
      if (b === undefined) problems.push(`no ${kind} from the ${version} CPO reached the eMSP`);
      else if (!schema.safeParse(b).success)
        problems.push(`the ${kind} from the ${version} CPO reached the eMSP invalid`);
    }
    if (from221 === undefined || from211 === undefined) continue;
    const comparable = (b: Record<string, unknown>) => ({
      ...b,
      country_code: undefined,
      party_id: undefined,
      id: undefined,
      last_updated: undefined,
      status: undefined,
    });
    if (!isDeepStrictEqual(comparable(from221), comparable(from211))) {
      problems.push(`the ${kind} from the 2.1.1 CPO differs from the 2.2.1 CPO's at the eMSP`);
    }
  }
}

/** Iterations of each step measured in isolation. */
const ISOLATED = 20_000;

/** CPU µs per call of `step`, after a warm-up, in this process. */
function cpuPerCall(step: () => unknown): number {
  for (let i = 0; i < ISOLATED / 10; i++) step();
  const before = process.cpuUsage();
  for (let i = 0; i < ISOLATED; i++) step();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / ISOLATED;
}

/**
 * What a 2.1.1 push costs more, step by step, in this process: the 2.1.1
 * schema check, the translation (time_zone looked up for the location) and
 * the 2.2.1 body written for the pipeline, which then goes on as a 2.2.1
 * push's does; beside it, the 2.2.1 schema check both pushes pass.
 */
function isolated(): { kind: Kind; added: number; check221: number }[] {
  const party = { countryCode: CPO_211.country_code, partyId: CPO_211.party_id };
  const location = { ...EXAMPLE_211, last_updated: ocpiTime(clock) };
  const patch = { status: "CHARGING", last_updated: ocpiTime(clock) };
  const at = new Date(clock);
  const location221 = { ...EXAMPLE, last_updated: ocpiTime(clock) };
  return [
    {
      kind: "location PUT",
      added: cpuPerCall(() => {
        const valid = check(Location211Schema, location, "tolerant");
        if (!valid.ok) throw new Error("the 2.1.1 location is invalid");
        return JSON.stringify(fullToV221("location", valid.data, { party }).value);
      }),
      check221: cpuPerCall(() => check(LocationSchema, location221, "tolerant")),
    },
    {
      kind: "EVSE PATCH",
      added: cpuPerCall(() => {
        const valid = check(EvsePatch211Schema, patch, "tolerant");
        if (!valid.ok) throw new Error("the 2.1.1 PATCH is invalid");
        return JSON.stringify(patchToV221("evse", valid.data, at).value);
      }),
      check221: cpuPerCall(() => check(EvsePatchSchema, patch, "tolerant")),
    },
  ];
}

/** Per figure, the median over the rounds of one version and kind. */
function median(results: Series[]): Series {
  const mid = (pick: (s: Series) => number) => quantile(results.map(pick), 0.5);
  const first = results[0] as Series;
  return {
    version: first.version,
    kind: first.kind,
    p50: mid((s) => s.p50),
    p99: mid((s) => s.p99),
    accepted: mid((s) => s.accepted),
    delivered: mid((s) => s.delivered),
    cpuUs: mid((s) => s.cpuUs),
  };
}

async function main(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const hubChild = spawnScript(script, ["hub"], PROFILE_DIR, hubNodeFlags());
  const emspChild = spawnScript(script, ["emsp"]);
  const cpos: Server[] = [];
  const pools: Pool[] = [];
  try {
    const [{ hub }, { emsp }] = await Promise.all([
      readLine<{ hub: string }>(hubChild),
      readLine<{ emsp: string }>(emspChild),
    ]);
    hubCpu = () =>
      new Promise((resolve) => {
        hubChild.once("message", (m) => resolve(m as number));
        hubChild.send("cpu");
      });
    const pushers = await onboard(hub, emsp, cpos);
    pools.push(...pushers.map((p) => p.pool));

    // Warm-up: every location created in the cache, its EVSE patched once.
    for (const p of pushers) {
      for (const kind of KINDS) await series(p, kind, emsp, PUSHES);
    }
    const results = new Map<string, Series[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? pushers : [...pushers].reverse();
      for (const kind of KINDS) {
        for (const p of order) {
          const s = await series(p, kind, emsp, PUSHES);
          const key = `${s.version} ${s.kind}`;
          results.set(key, [...(results.get(key) ?? []), s]);
        }
      }
    }
    checkDeliveries(await emspStats(emsp));
    report(results, isolated());
  } finally {
    for (const pool of pools) await pool.close();
    for (const server of cpos) server.close();
    await Promise.all([stopChild(hubChild), stopChild(emspChild)]);
  }
  if (problems.length > 0) {
    console.log(`\nproblems:\n${problems.slice(0, 20).join("\n")}`);
    process.exitCode = 1;
  }
}

/** The eMSP and both CPOs registered; a pusher per CPO, the 2.2.1 one first. */
async function onboard(hub: string, emsp: string, cpos: Server[]): Promise<Pusher[]> {
  const invitedEmsp = await invite(hub, "bench eMSP", [EMSP]);
  await register(hub, invitedEmsp.token_a, emsp, EMSP);
  const pushers: Pusher[] = [];
  for (const version of VERSIONS) {
    const cpo = await startCpo(version);
    cpos.push(cpo.server);
    const role = version === "2.2.1" ? CPO_221 : CPO_211;
    const invited = await invite(hub, `bench ${version} CPO`, [role]);
    const token =
      version === "2.2.1"
        ? await register(hub, invited.token_a, cpo.url, role)
        : await register211(hub, invited.token_a, cpo.url);
    // Pushes of locations the cache does not hold are not cached while a pull runs.
    await syncEnded(hub, invited.id);
    pushers.push(pusher(version, role, hub, token));
  }
  return pushers;
}

function report(
  results: Map<string, Series[]>,
  steps: { kind: Kind; added: number; check221: number }[],
): void {
  console.log(
    `\nocpi-hub translation bench — node ${process.version}, ${PUSHES} pushes per series, concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds, loopback, PGlite + in-process bus\n`,
  );
  console.log(
    "| push to a 2.2.1 eMSP | from | p50 ms | p99 ms | accepted/s | delivered/s | hub CPU µs/push |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  const of = (version: Version, kind: Kind) => results.get(`${version} ${kind}`) ?? [];
  for (const kind of KINDS) {
    for (const version of VERSIONS) {
      const m = median(of(version, kind));
      const from = version === "2.2.1" ? "2.2.1 CPO" : "2.1.1 CPO (translated)";
      console.log(
        `| ${kind} | ${from} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${Math.round(m.accepted)} | ${Math.round(m.delivered)} | ${m.cpuUs.toFixed(1)} |`,
      );
    }
  }
  console.log("");
  const ratiosOf = (kind: Kind, pick: (s: Series) => number) => {
    const plain = of("2.2.1", kind);
    return of("2.1.1", kind).map((s, k) => pick(s) / pick(plain[k] as Series));
  };
  let worst = 0;
  for (const kind of KINDS) {
    const cpu = ratiosOf(kind, (s) => s.cpuUs);
    const throughput = ratiosOf(kind, (s) => s.accepted);
    const cpuMedian = quantile(cpu, 0.5);
    worst = Math.max(worst, cpuMedian);
    console.log(
      `${kind}, 2.1.1 / 2.2.1: CPU per push ${cpuMedian.toFixed(2)} × (per round: ${cpu.map((r) => r.toFixed(2)).join(", ")}); accepted/s ${quantile(throughput, 0.5).toFixed(2)} ×`,
    );
  }
  for (const step of steps) {
    console.log(
      `${step.kind}, in isolation: the 2.1.1 check, translation and 2.2.1 body add ${step.added.toFixed(1)} µs of CPU (the 2.2.1 schema check both pass: ${step.check221.toFixed(1)} µs)`,
    );
  }
  console.log(
    `translation adds at most ${TARGET_CPU_RATIO.toFixed(2)} × CPU per request (issue 18): ${worst <= TARGET_CPU_RATIO ? "met" : "NOT met"} (worst kind ${worst.toFixed(2)} ×)`,
  );
}

if (process.argv[2] === "hub") await serveHub();
else if (process.argv[2] === "emsp") await serveEmsp();
else await main();
