import { readFileSync } from "node:fs";
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  type NatsConnection,
} from "@nats-io/transport-node";
import type { Logger } from "../logging/logger.js";
import { type Bus, encodeJson, message } from "./bus.js";

/** How the hub reaches NATS. */
export interface NatsConnectOptions {
  /** Path of a .creds file (NATS_CREDS); user and password may instead be part of the URL. */
  credsFile?: string;
}

/** Wait between reconnect attempts to one server, plus up to the jitter, so that a fleet of hubs does not reconnect in step. */
const RECONNECT_WAIT_MS = 1_000;
const RECONNECT_JITTER_MS = 500;
const RECONNECT_JITTER_TLS_MS = 1_000;

/** The servers of NATS_URL: one URL, or the comma-separated seeds of a cluster. */
export function natsServers(url: string): string[] {
  return url
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** What NATS_URL says: the servers (without credentials) and the user and password, or token, they carry. */
export interface NatsUrlParts {
  servers: string[];
  /**
   * A tls:// server in the list: TLS is required. Without it the client
   * uses TLS only when the server offers it, so a tls:// URL to a server
   * without TLS would otherwise connect in plain text.
   */
  tls: boolean;
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * Splits the credentials off the URLs: the NATS client takes a user and
 * password (or a token, a user without password) as options only, not from
 * the URL. They are removed from the server URLs so that no log line of a
 * connection status shows them. Every server must carry the same ones.
 */
export function parseNatsUrl(url: string): NatsUrlParts {
  const servers: string[] = [];
  let auth: string | undefined;
  const parts: NatsUrlParts = { servers, tls: false };
  for (const entry of natsServers(url)) {
    const u = new URL(entry);
    if (u.protocol === "tls:") parts.tls = true;
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    const these = user === "" ? "" : JSON.stringify([user, pass]);
    if (auth !== undefined && these !== auth) {
      throw new Error(
        "NATS_URL gives its servers different credentials; give every server the same ones",
      );
    }
    auth = these;
    if (user !== "" && u.password === "") parts.token = user;
    else if (user !== "") Object.assign(parts, { user, pass });
    u.username = "";
    u.password = "";
    servers.push(u.toString().replace(/\/$/, ""));
  }
  return parts;
}

/**
 * Signs the server's challenge with the .creds file, read again on every
 * (re)connect so that rotated credentials take effect without a restart; a
 * file that cannot be read then keeps the last good copy. A file that is
 * missing or malformed at start fails here, naming NATS_CREDS.
 */
export function credsFileAuthenticator(path: string): Authenticator {
  const read = () => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(
        `NATS_CREDS cannot be read (${path}): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  let last = read();
  const authenticator = credsAuthenticator(() => {
    try {
      last = read();
    } catch {}
    return last;
  });
  try {
    authenticator("check");
  } catch {
    throw new Error(`NATS_CREDS is not a NATS credentials file (user JWT and seed): ${path}`);
  }
  return authenticator;
}

/**
 * Connects to NATS (any of the servers of `url`) and reconnects for ever,
 * with a jittered wait, once connected; fails when no server can be reached
 * within a few seconds at start.
 */
export async function connectNats(
  url: string,
  logger: Logger,
  options: NatsConnectOptions = {},
): Promise<NatsConnection> {
  const authenticator =
    options.credsFile === undefined ? undefined : credsFileAuthenticator(options.credsFile);
  const { servers, tls, user, pass, token } = parseNatsUrl(url);
  const nc = await connect({
    servers,
    ...(tls ? { tls: {} } : {}),
    ...(user === undefined ? {} : { user, pass }),
    ...(token === undefined ? {} : { token }),
    name: "ocpi-hub",
    ...(authenticator === undefined ? {} : { authenticator }),
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    reconnectJitter: RECONNECT_JITTER_MS,
    reconnectJitterTLS: RECONNECT_JITTER_TLS_MS,
    timeout: 5_000,
    // Capturing a stack for every request costs about 14 µs per delivery published.
    noAsyncTraces: true,
  });
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnect") {
        const server = "server" in status ? status.server : undefined;
        logger.warn({ nats: status.type, server }, "NATS connection status changed");
      }
    }
  })().catch(() => {});
  return nc;
}

/**
 * The bus on a NATS connection (core publish/subscribe). The bus owns the
 * connection: closing it drains the connection, so whatever else uses the
 * connection (the delivery queue) is closed first.
 */
export function createNatsBus(nc: NatsConnection, logger: Logger): Bus {
  return {
    kind: "nats",
    async publish(subject, payload) {
      nc.publish(subject, encodeJson(payload));
    },
    subscribe(subject, handler) {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) {
            logger.error({ err, subject }, "NATS subscription failed");
            return;
          }
          Promise.resolve()
            .then(() => handler(message(msg.subject, msg.data)))
            .catch((cause: unknown) => logger.error({ err: cause, subject }, "bus handler failed"));
        },
      });
      return () => sub.unsubscribe();
    },
    async ping() {
      if (nc.isClosed()) return false;
      try {
        await nc.flush();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
