import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "../../src/bus/names.js";
import { connectNats } from "../../src/bus/nats-bus.js";
import { createJetStreamQueue } from "../../src/delivery/jetstream-queue.js";
import { createLogger } from "../../src/logging/logger.js";
import { locationOf } from "../support/cache-fixtures.js";
import { eventually, FakePlatform, type FakeRole } from "../support/fake-platform.js";
import {
  adminCall,
  type HubProcess,
  killHubProcesses,
  startHubProcess,
  waitHealthy,
} from "../support/hub-process.js";
import { freePort } from "../support/net.js";
import { type ScratchDatabase, scratchDatabase } from "../support/scratch-database.js";
import {
  allAt,
  at,
  EVSES,
  evsesAt,
  expectNewestInOrder,
  LOCATIONS,
  OWNER,
  roundOf,
  STATUSES,
  versions,
  versionsComplete,
} from "./evse-versions.js";
import { type NatsCluster, startNatsCluster } from "./nats-cluster.js";

/**
 * The production shape on loopback: three clustered nats-server processes
 * holding the delivery stream with three replicas, one PostgreSQL database
 * and two hub processes. Broadcasts to 30 eMSPs go on while the node that
 * leads the stream and one hub are killed with SIGKILL; every eMSP still
 * ends with the newest state of every object, never an older state after a
 * newer one, and the surviving hub serves it all. Killing the stream's
 * leader is what a one-replica stream would not survive: its only copy is
 * gone, pushes cannot be queued and the test fails.
 */

const ADMIN = "cluster-admin-token-0123456789abcdef";
const HUB = "NL/HUB";
const EMSPS = 30;
// biome-ignore lint/style/noProcessEnv: 3 unless a run proves by hand that one replica fails
const REPLICAS = process.env.CLUSTER_STREAM_REPLICAS ?? "3";
const PREFIX = `cluster_${randomBytes(4).toString("hex")}`;
/** The stream that holds the broadcasts: each push written once, read by every eMSP's cursor. */
const STREAM = natsNames(PREFIX).pushStream;

let cluster: NatsCluster;
let database: ScratchDatabase | undefined;
let hubEnv: Record<string, string>;
const fakes: FakePlatform[] = [];
let cpo: FakePlatform;
const emsps: FakePlatform[] = [];
/** Platform id of each fake platform, as the hub gave it. */
const ids = new Map<FakePlatform, string>();
/** The two hubs; `killed` is the one SIGKILLed in the first scenario. */
let survivor: HubProcess;
let killed: HubProcess;
let killedPort: number;
let killedNode: string;

async function hubOn(port: number): Promise<HubProcess> {
  const proc = await startHubProcess({
    ...hubEnv,
    PORT: String(port),
    HUB_URL: `http://127.0.0.1:${port}`,
  });
  await waitHealthy(proc, 30_000);
  return proc;
}

const admin = (proc: HubProcess, method: string, path: string, body?: unknown) =>
  adminCall(proc, method, path, ADMIN, body);

/** Invites a fake platform through the hub's admin API and lets it register. */
async function connectPlatform(via: HubProcess, roles: FakeRole[], receives: boolean) {
  const platform = await FakePlatform.start({
    roles,
    modules: receives ? [{ identifier: "locations", role: "RECEIVER" }] : [],
  });
  fakes.push(platform);
  const invited = await admin(via, "POST", "/platforms", { name: roles[0]?.party_id, roles });
  expect(invited.status).toBe(201);
  const answer = await platform.register(invited.body.versions_url, invited.body.token_a);
  expect(answer.body.status_code).toBe(1000);
  ids.set(platform, invited.body.id);
  return platform;
}

/**
 * A broadcast push by the CPO through the first hub of `via` that queues it;
 * a push refused while NATS elects a new leader is sent again, as a CPO does.
 */
async function push(via: () => HubProcess[], method: string, tail: string, body: unknown) {
  await eventually(async () => {
    for (const hub of via()) {
      const answer = await cpo
        .hubRoute(method, `${hub.url}/ocpi/2.2.1/locations/receiver/${OWNER}/${tail}`, {
          to: HUB,
          body,
        })
        .catch(() => undefined);
      if (answer?.body?.status_code === 1000) return true;
    }
    return false;
  }, 30_000).catch((err: Error) => {
    throw new Error(`no hub could queue ${method} ${tail} (is the stream gone?): ${err.message}`);
  });
}

/** Every EVSE of every location to STATUSES[round % n], at version `round`. */
async function round(via: () => HubProcess[], r: number) {
  const status = STATUSES[r % STATUSES.length];
  await Promise.all(
    LOCATIONS.flatMap((loc) =>
      EVSES.map((evse) => push(via, "PATCH", `${loc}/${evse}`, { status, last_updated: at(r) })),
    ),
  );
}

/** For a failure message: what the stream holds for each eMSP and what its consumer says. */
async function queueStates(behind: FakePlatform[]): Promise<string> {
  const nc = await connect({ servers: cluster.url.split(",") });
  try {
    const jsm = await jetstreamManager(nc);
    const names = natsNames(PREFIX);
    const out: string[] = [];
    for (const emsp of behind.slice(0, 5)) {
      const id = ids.get(emsp) ?? "";
      // The pushes the stream holds, to set beside the cursor's position.
      const held = await jsm.streams
        .info(STREAM)
        .then((i) => `${i.state.first_seq}..${i.state.last_seq} (${i.state.messages})`)
        .catch((e: Error) => e.message);
      const consumer = await jsm.consumers
        .info(STREAM, names.pushDurable(id))
        .then((c) =>
          JSON.stringify({
            pending: c.num_pending,
            ack: c.num_ack_pending,
            delivered: c.delivered,
            leader: c.cluster?.leader,
          }),
        )
        .catch((e: Error) => e.message);
      out.push(`${id}: stream ${held}; consumer ${consumer}`);
    }
    return out.join("; ");
  } finally {
    await nc.close();
  }
}

/** Waits for every eMSP to have version `r` of every EVSE; says who lacks what if not. */
async function deliveredUpTo(r: number, hubs: HubProcess[]) {
  await eventually(() => allAt(emsps, r), 60_000).catch(async (err: Error) => {
    const behind = emsps.flatMap((emsp, i) => {
      const seen = versions(emsp);
      return LOCATIONS.flatMap((loc) =>
        EVSES.map((evse) => `${loc}/${evse}`)
          .filter((k) => seen.get(k)?.at(-1)?.round !== r)
          .map((k) => `eMSP ${i} ${k} at ${seen.get(k)?.at(-1)?.round}`),
      );
    });
    const queues = await queueStates(emsps.filter((e) => !versionsComplete(e, r)));
    const views = await Promise.all(
      hubs.map((h) => admin(h, "GET", "/deliveries").then((res) => JSON.stringify(res.body))),
    );
    const logs = hubs.map((h, i) => `${views[i]}\n${h.output().slice(-4_000)}`).join("\n---\n");
    throw new Error(
      `${err.message}; behind: ${behind.slice(0, 10).join("; ")}\nqueues: ${queues}\n${logs}`,
    );
  });
}

/** The node that leads the push stream, and the stream's replica count. */
async function streamPlacement(): Promise<{ leader: string; replicas: number; current: number }> {
  const nc: NatsConnection = await connect({ servers: cluster.url.split(",") });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM);
    const peers = info.cluster?.replicas ?? [];
    return {
      leader: info.cluster?.leader ?? "",
      replicas: info.config.num_replicas,
      current: peers.filter((p) => p.current && !p.offline).length,
    };
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  await cluster.jetStreamReady();
  database = await scratchDatabase("cluster");
  hubEnv = {
    DATABASE_URL: database.url,
    NATS_URL: cluster.url,
    NATS_PREFIX: PREFIX,
    NATS_STREAM_REPLICAS: REPLICAS,
    ADMIN_TOKEN: ADMIN,
    FORWARD_TIMEOUT_MS: "1000",
    LOG_LEVEL: "warn",
  };
  // One hub first: it migrates the database and creates the stream.
  survivor = await hubOn(await freePort());
  killedPort = await freePort();
  killed = await hubOn(killedPort);
}, 90_000);

afterAll(async () => {
  await killHubProcesses();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  await cluster?.stop();
  await database?.drop();
});

describe("two hubs on a three-node NATS cluster and one PostgreSQL", () => {
  it("brings every eMSP the newest state of every object while the stream's leader node and a hub are killed", async () => {
    cpo = await connectPlatform(
      survivor,
      [{ role: "CPO", country_code: "NL", party_id: "CPO" }],
      false,
    );
    for (let i = 0; i < EMSPS; i += 10) {
      const batch = Array.from({ length: Math.min(10, EMSPS - i) }, (_, j) =>
        connectPlatform(
          survivor,
          [{ role: "EMSP", country_code: "DE", party_id: `E${String(i + j).padStart(2, "0")}` }],
          true,
        ),
      );
      emsps.push(...(await Promise.all(batch)));
    }
    // Answers take a while, so that deliveries are in flight when the kills come.
    emsps.forEach((emsp, i) => {
      emsp.on((req) =>
        req.module === "locations" ? { delayMs: 20 + ((i * 37) % 60) } : undefined,
      );
    });
    // Registry changes reach the other hub over NATS: both know every platform before the pushes.
    for (const hub of [survivor, killed]) {
      await eventually(async () => {
        const res = await admin(hub, "GET", "/deliveries");
        const rows = res.body.data as { status: string }[];
        return rows.length === EMSPS + 1 && rows.every((row) => row.status === "CONNECTED");
      }, 15_000);
    }
    const placement = await streamPlacement();
    expect(placement.replicas).toBe(Number(REPLICAS));

    const both = () => [killed, survivor];
    const alive = () => [survivor];
    for (const loc of LOCATIONS) {
      await push(both, "PUT", loc, { ...locationOf(OWNER, loc, at(0)), evses: evsesAt(loc, 0) });
    }
    await round(both, 1);
    await round(both, 2);

    // The node that holds the stream's leader goes, and one hub with it, mid-delivery.
    killedNode = placement.leader;
    const node = cluster.nodes.find((n) => n.name === killedNode);
    expect(node, `leader ${killedNode}`).toBeDefined();
    killed.child.kill("SIGKILL");
    await Promise.all([node?.kill("SIGKILL"), killed.exited]);
    expect(killed.hasExited()).toBe(true);

    for (let r = 3; r <= 6; r++) await round(alive, r);
    await deliveredUpTo(6, [survivor]);
    expectNewestInOrder(emsps, 6);

    // The survivor serves it all: readiness, the cache, every recipient connected and drained.
    const ready = await fetch(`${survivor.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      database: "up",
      nats: "up",
      durable: true,
    });
    const page = await emsps[0]?.hubRoute("GET", `${survivor.url}/ocpi/2.2.1/locations/sender`, {
      to: HUB,
    });
    expect(page?.body.status_code).toBe(1000);
    expect(page?.body.data.map((l: { id: string }) => l.id).sort()).toEqual(LOCATIONS);
    for (const l of page?.body.data ?? []) {
      expect(l.evses.map((e: { last_updated: string }) => roundOf(e.last_updated))).toEqual([6, 6]);
    }
    const rows = await eventually(async () => {
      const res = await admin(survivor, "GET", "/deliveries");
      const data = res.body.data as { status: string; pending: number; in_flight: number }[];
      return data.every((r) => r.pending === 0 && r.in_flight === 0) ? data : undefined;
    }, 20_000);
    expect(rows).toHaveLength(EMSPS + 1);
    expect(rows.every((r) => r.status === "CONNECTED")).toBe(true);
  }, 180_000);

  it("takes the restarted node and hub back: the stream is whole again and the hub answers and delivers", async () => {
    const node = cluster.nodes.find((n) => n.name === killedNode);
    await node?.start();
    await cluster.jetStreamReady();
    await eventually(
      async () => (await streamPlacement()).current === Number(REPLICAS) - 1,
      30_000,
    );
    killed = await hubOn(killedPort);
    const ready = await fetch(`${killed.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ nats: "up", durable: true });

    // The restarted hub takes its share of the recipients, and pushes through it reach everyone.
    const owners = await eventually(async () => {
      const sql = postgres(hubEnv.DATABASE_URL as string, { max: 1, onnotice: () => {} });
      try {
        const [newest] = await sql`select id from hub_instances order by started_at desc limit 1`;
        const held =
          await sql`select count(*)::int as n from delivery_recipients where owner = ${newest?.id}`;
        return (held[0]?.n ?? 0) > 0;
      } finally {
        await sql.end();
      }
    }, 20_000);
    expect(owners).toBe(true);
    await round(() => [killed], 7);
    await round(() => [killed, survivor], 8);
    await deliveredUpTo(8, [killed, survivor]);
    expectNewestInOrder(emsps, 8);
  }, 120_000);

  it("scales an existing one-replica stream up to NATS_STREAM_REPLICAS on the next start", async () => {
    const logger = createLogger("silent");
    const nc = await connectNats(cluster.url, logger);
    try {
      const names = natsNames(`${PREFIX}_scale`);
      await createJetStreamQueue(nc, logger, { ackWaitMs: 30_000, names, replicas: 1 });
      const jsm = await jetstreamManager(nc);
      for (const stream of [names.deliveryStream, names.pushStream]) {
        expect((await jsm.streams.info(stream)).config.num_replicas).toBe(1);
      }
      await createJetStreamQueue(nc, logger, { ackWaitMs: 30_000, names, replicas: 3 });
      for (const stream of [names.deliveryStream, names.pushStream]) {
        const scaled = await eventually(async () => {
          const info = await jsm.streams.info(stream);
          const current = (info.cluster?.replicas ?? []).filter((p) => p.current).length;
          return current === 2 ? info : undefined;
        }, 20_000);
        expect(scaled.config.num_replicas).toBe(3);
      }
    } finally {
      await nc.close();
    }
  }, 60_000);
});
