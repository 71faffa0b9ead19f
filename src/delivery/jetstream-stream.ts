import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import type { NatsNames } from "../bus/names.js";
import type { Logger } from "../logging/logger.js";

/**
 * The delivery stream: its configuration, and creating or updating it at
 * start, replicas included, patiently while a cluster elects its leaders.
 */

/** The stream or the consumer asked for does not exist. */
export const NOT_FOUND: readonly number[] = [
  JetStreamApiCodes.StreamNotFound,
  JetStreamApiCodes.ConsumerNotFound,
];
/** An expected-last-subject-sequence check failed: the subject changed under the publisher. */
export const WRONG_LAST_SEQUENCE: readonly number[] = [
  JetStreamApiCodes.StreamWrongLastSequence,
  JetStreamApiCodes.StreamWrongLastSequenceUnknown,
];
/** Whether the server refused the call with one of these JetStream API error codes. */
export const refusedWith = (err: unknown, codes: readonly number[]): boolean =>
  err instanceof JetStreamApiError && codes.includes(err.code);

/**
 * One stream for every delivery: work-queue retention (a delivered message
 * leaves it, so it holds the backlog only), at most one message per subject
 * (a newer update of an object replaces the waiting one), on disk.
 */
export function streamConfig(
  names: NatsNames,
  replicas: number,
): Partial<StreamConfig> & { name: string } {
  return {
    name: names.deliveryStream,
    num_replicas: replicas,
    subjects: [names.deliveryStreamSubjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: 1,
    allow_direct: true,
  };
}

/** How long a push waits at most for a recipient that never reads it (its platform's hubs all gone). */
const PUSH_MAX_AGE_NS = 7 * 24 * 3600 * 1e9;

/**
 * One stream for every broadcast push, each written once: interest
 * retention (a push leaves it once every recipient's consumer has
 * acknowledged it, so it holds the slowest recipient's backlog only), on
 * disk. Each recipient's durable consumer is its cursor through it.
 */
export function pushStreamConfig(
  names: NatsNames,
  replicas: number,
): Partial<StreamConfig> & { name: string } {
  return {
    name: names.pushStream,
    num_replicas: replicas,
    subjects: [names.pushStreamSubjects],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: PUSH_MAX_AGE_NS,
    allow_direct: true,
  };
}

/** How long a start waits for JetStream while a cluster elects its leaders (a node just restarted). */
const PROVISION_PATIENCE_MS = 30_000;

/**
 * Whether JetStream may answer if asked again: a request timed out, found
 * no responder, or the server said JetStream is unavailable for a moment (503),
 * as a cluster does while it elects leaders.
 */
function transient(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof errors.TimeoutError || e instanceof errors.NoRespondersError) return true;
    if (e instanceof Error && e.name === "JetStreamNotEnabled") return true;
    if (e instanceof JetStreamApiError && e.status === 503) return true;
  }
  return false;
}

/** addOrUpdateStream, asked again with a growing pause while JetStream is unavailable for a moment. */
export async function provisionStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  logger: Logger,
): Promise<void> {
  const deadline = Date.now() + PROVISION_PATIENCE_MS;
  for (let pause = 250; ; pause = Math.min(pause * 2, 4_000)) {
    try {
      return await addOrUpdateStream(jsm, config, logger);
    } catch (err) {
      if (!transient(err) || Date.now() + pause > deadline) throw err;
      logger.warn(
        { err, stream: config.name, retry_ms: pause },
        "JetStream did not answer; asking again",
      );
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * Creates the stream, or brings an existing one to `config`, its replica
 * count included: raising NATS_STREAM_REPLICAS and rolling the hubs out is
 * how a deployment moves to a replicated stream, and the server moves the
 * data itself. When the server refuses a replica change (a single server
 * cannot hold three replicas), the hub says so, naming the variable, and
 * does not start: running on fewer replicas than the operator asked for
 * would hide exactly the risk the setting is there to remove.
 */
async function addOrUpdateStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  logger: Logger,
): Promise<void> {
  const wanted = config.num_replicas ?? 1;
  let existing: number;
  try {
    existing = (await jsm.streams.info(config.name)).config.num_replicas;
  } catch (err) {
    if (!refusedWith(err, NOT_FOUND)) throw err;
    try {
      await jsm.streams.add(config);
    } catch (cause) {
      throw wanted === 1 ? cause : replicaRefusal(config.name, wanted, cause);
    }
    return;
  }
  try {
    await jsm.streams.update(config.name, config);
  } catch (cause) {
    if (existing === wanted) throw cause;
    throw replicaRefusal(config.name, wanted, cause, existing);
  }
  if (existing !== wanted) {
    logger.warn(
      { stream: config.name, from: existing, to: wanted },
      "NATS stream replicas changed to NATS_STREAM_REPLICAS",
    );
  }
}

/** The server would not hold the stream with `wanted` replicas: an error that names the setting. */
function replicaRefusal(stream: string, wanted: number, cause: unknown, existing?: number): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const had = existing === undefined ? "" : ` (it has ${existing})`;
  return new Error(
    `NATS_STREAM_REPLICAS=${wanted}: the NATS server refused stream ${stream}${had} with ${wanted} replicas: ${reason}`,
    { cause },
  );
}
