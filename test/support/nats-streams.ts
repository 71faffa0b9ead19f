import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsNames } from "../../src/bus/names.js";
import { natsServers } from "../../src/bus/nats-bus.js";

/**
 * A NATS prefix of its own for one test hub (or for the instances sharing
 * one database): hubs of other tests, in this process or another run on
 * the same server, then neither read its pushes nor reload its registry
 * on its changes, as separate deployments under their own NATS_PREFIX.
 */
export const testNatsPrefix = () => `t${randomBytes(6).toString("hex")}`;

/** Deletes a test hub's streams (their consumers go with them) from a server that outlives it. */
export async function dropStreams(names: NatsNames): Promise<void> {
  const nc = await connect({ servers: natsServers(process.env.NATS_URL as string) });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [names.deliveryStream, names.pushStream]) {
      await jsm.streams.delete(stream).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}
