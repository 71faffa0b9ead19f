/**
 * tsx bench/bare-fanout.ts '<eMSP urls as JSON>' <NATS url>: the fan-out's
 * design with nothing of the hub, as a floor for what the hub can reach on
 * this host. Started by bench/delivery.ts when NATS_URL is set.
 *
 * The same shape as the hub's deliveries on JetStream (src/delivery):
 * each push is one message of a stream with interest retention on disk,
 * each recipient has a durable consumer that reads every push, and each
 * push is sent to the recipient as a keep-alive PATCH (an undici Pool of 16
 * connections, at most 16 in flight per recipient) and acknowledged once
 * answered, the acknowledgements of one event-loop turn sent together
 * (src/delivery/jetstream-settle.ts). Nothing else: no parsing, routing, addressing, cache, message
 * log, metrics or retry.
 *
 * Two series, each BENCH_SECONDS after 1 s warm-up:
 * - sustained: 8 publishers, pausing while more than 50 pushes' worth of
 *   deliveries are outstanding (as the hub's sustained series): deliveries
 *   per second, this process's and nats-server's CPU per delivery, the
 *   publish's acknowledgement time;
 * - unthrottled: the 8 publishers without the pause, while the consumers
 *   deliver: publishes acknowledged per second and their time, the floor
 *   of a push's answer while the host fans out.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Pool } from "undici";
import { createSettler } from "../src/delivery/jetstream-settle.js";
import {
  hostCpuSeconds,
  onThisHost,
  pidsNamed,
  processCpuSeconds,
  type Timing,
  timing,
  tokenAuthorization,
  writeLine,
} from "./support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PUBLISHERS = Number(process.env.BENCH_PUSH_CONCURRENCY ?? 8);
const BACKLOG_PUSHES = Number(process.env.BENCH_BACKLOG_PUSHES ?? 50);
const PER_RECIPIENT = 16;
const WARMUP_MS = 1_000;
/** Distinct objects the pushes cycle over, as the hub's sustained series. */
const OBJECTS = 1_000;
/** What each delivery's path starts with; the eMSP servers count it apart (bench/delivery.ts). */
export const BARE_PATH = "/ocpi/2.2.1/locations/receiver/NL/CPO/BARE";

export interface BareSeries {
  seconds: number;
  /** Deliveries answered 1000 in the window. */
  deliveries: number;
  /** Publishes acknowledged in the window. */
  pushes: number;
  /** The publish's acknowledgement time, ms. */
  publish: Timing;
  /** CPU of this process per delivery, µs. */
  processUs: number;
  /** CPU of nats-server per delivery, µs (NaN when it is not on this host). */
  natsUs: number;
  /** Share of the host's cores busy in the window. */
  hostBusy: number;
}

export interface BareResult {
  sustained: BareSeries;
  unthrottled: BareSeries;
  /** Deliveries not answered 1000. */
  failed: number;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(urls: string[], natsUrl: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const tag = randomBytes(4).toString("hex").toUpperCase();
  const stream = `BENCH_BARE_${tag}`;
  const subjects = `bench.bare.${tag}`;
  await jsm.streams.add({
    name: stream,
    subjects: [`${subjects}.>`],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: 3600 * 1e9,
  });
  // nats-server's CPU counts only when the server is this host's.
  const natsPids = onThisHost(natsUrl) ? pidsNamed("nats-server") : [];
  const natsCpu = () =>
    natsPids.length === 0
      ? Number.NaN
      : natsPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const token = tokenAuthorization("bench-bare-token");
  let delivered = 0;
  let failed = 0;
  /** Once set, nothing more is sent (what is handed out goes back after ack_wait). */
  let closing = false;
  const consumers: ConsumerMessages[] = [];
  // The acknowledgements of the deliveries that end in one turn leave in one write, as the hub's.
  const settle = createSettler();
  const pools: Pool[] = [];
  // Stopped early (the parent interrupted), the run's stream goes all the same.
  process.once("SIGTERM", () => {
    closing = true;
    jsm.streams
      .delete(stream)
      .catch(() => {})
      .finally(() => process.exit(143));
  });
  try {
    for (const [i, url] of urls.entries()) {
      const durable = `R${i}`;
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ack_wait: 30e9,
        max_ack_pending: 4_000,
      });
      const pool = new Pool(url, {
        connections: PER_RECIPIENT,
        pipelining: 1,
        keepAliveTimeout: 30_000,
      });
      pools.push(pool);
      const headers = {
        authorization: token,
        "content-type": "application/json",
        "ocpi-to-country-code": "DE",
        "ocpi-to-party-id": `E${String(i).padStart(2, "0")}`,
        "ocpi-from-country-code": "NL",
        "ocpi-from-party-id": "HUB",
      };
      const waiting: JsMsg[] = [];
      let inFlight = 0;
      const send = (m: JsMsg) => {
        if (closing) return;
        inFlight++;
        const id = m.subject.slice(subjects.length + 1);
        pool
          .request({
            method: "PATCH",
            path: `${BARE_PATH}${id}/3256`,
            headers: { ...headers, "x-request-id": randomUUID() },
            body: m.data,
          })
          .then(async (res) => {
            const text = await res.body.text();
            if (res.statusCode === 200 && text.includes('"status_code":1000')) {
              delivered++;
              settle.ack(m);
            } else {
              failed++;
              settle.nak(m, 1_000);
            }
          })
          .catch(() => {
            failed++;
            settle.nak(m, 1_000);
          })
          .finally(() => {
            inFlight--;
            const next = waiting.shift();
            if (next !== undefined) send(next);
          });
      };
      const consumer = await js.consumers.get(stream, durable);
      consumers.push(
        await consumer.consume({
          max_messages: PER_RECIPIENT * 2,
          callback: (m) => {
            if (inFlight < PER_RECIPIENT) send(m);
            else waiting.push(m);
          },
        }),
      );
    }

    const recipients = urls.length;
    let published = 0;
    const measure = async (capped: boolean): Promise<BareSeries> => {
      const window = { deliveries: 0, cpu: 0, nats: 0, host: hostCpuSeconds() };
      const run = series(
        js,
        subjects,
        () => !capped || published * recipients - delivered <= BACKLOG_PUSHES * recipients,
        () => {
          published++;
        },
      );
      await sleep(WARMUP_MS);
      window.deliveries = delivered;
      window.cpu = ownCpu();
      window.nats = natsCpu();
      window.host = hostCpuSeconds();
      run.measuring = true;
      await sleep(SECONDS * 1000);
      run.measuring = false;
      const deliveries = delivered - window.deliveries;
      const cpu = ownCpu() - window.cpu;
      const nats = natsCpu() - window.nats;
      const host = hostCpuSeconds();
      await run.stop();
      const perDelivery = (seconds: number) => (seconds * 1e6) / Math.max(1, deliveries);
      return {
        seconds: SECONDS,
        deliveries,
        pushes: run.times.length,
        publish: timing(run.times),
        processUs: perDelivery(cpu),
        natsUs: perDelivery(nats),
        hostBusy:
          host !== undefined && window.host !== undefined
            ? (host.busy - window.host.busy) / (host.total - window.host.total)
            : Number.NaN,
      };
    };
    const sustained = await measure(true);
    // The sustained series' backlog drains before the next one starts.
    const drainedBy = performance.now() + 30_000;
    while (delivered < published * recipients && performance.now() < drainedBy) await sleep(50);
    const unthrottled = await measure(false);
    writeLine({ sustained, unthrottled, failed } satisfies BareResult);
  } finally {
    closing = true;
    settle.flush();
    for (const c of consumers) c.stop();
    await jsm.streams.delete(stream).catch(() => {});
    await Promise.all(pools.map((p) => p.close()));
    await nc.close();
    // Its parent waits for the exit (a CPU profile is written then).
    if (process.connected) process.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PUBLISHERS loops publishing EVSE status bodies of OBJECTS objects in turn,
 * each waiting for its publish's acknowledgement and, while `go()` says
 * no, for the backlog to shrink; times the acknowledgements while
 * `measuring`.
 */
function series(js: JetStreamClient, subjects: string, go: () => boolean, onPublished: () => void) {
  let stopped = false;
  let next = 0;
  const state = {
    measuring: false,
    times: [] as number[],
    stop: async () => {
      stopped = true;
      await loops;
    },
  };
  const loops = Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      while (!stopped) {
        if (!go()) {
          await sleep(1);
          continue;
        }
        const k = next++;
        const body = JSON.stringify({
          status: k % 2 === 0 ? "CHARGING" : "AVAILABLE",
          last_updated: new Date().toISOString(),
        });
        const started = performance.now();
        await js.publish(`${subjects}.${String(k % OBJECTS).padStart(5, "0")}`, body);
        if (state.measuring) state.times.push(performance.now() - started);
        onPublished();
      }
    }),
  );
  return state;
}

const [, script, urls, natsUrl] = process.argv;
if (script === fileURLToPath(import.meta.url) && urls !== undefined && natsUrl !== undefined)
  await main(JSON.parse(urls) as string[], natsUrl);
