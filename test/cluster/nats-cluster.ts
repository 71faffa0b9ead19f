import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "../support/net.js";

/**
 * NATS servers as child processes on loopback: a single one, or a cluster of
 * them with JetStream, each with its own store directory, so that a test can
 * kill a node with SIGKILL and start it again on the same ports and store.
 */

/** The nats-server binary: the one on PATH, or where Debian's package puts it. */
export function natsServerBinary(): string {
  try {
    const found = execFileSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" }).trim();
    if (found !== "") return found;
  } catch {}
  if (existsSync("/usr/sbin/nats-server")) return "/usr/sbin/nats-server";
  throw new Error("nats-server not found on PATH nor at /usr/sbin/nats-server");
}

export interface NatsNode {
  /** Server name, as JetStream names a stream's leader and replicas. */
  readonly name: string;
  readonly port: number;
  readonly url: string;
  running(): boolean;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again on its ports and store directory. */
  start(): Promise<void>;
}

interface NodeSpec {
  name: string;
  port: number;
  storeDir: string;
  args: string[];
}

function startNode(spec: NodeSpec): NatsNode {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = "";
  const node: NatsNode = {
    name: spec.name,
    port: spec.port,
    url: `nats://127.0.0.1:${spec.port}`,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    output: () => log,
    async kill(signal = "SIGKILL") {
      if (node.running()) child?.kill(signal);
      await exited;
    },
    async start() {
      if (node.running()) return;
      const proc = spawn(
        natsServerBinary(),
        [
          "-a",
          "127.0.0.1",
          "-p",
          String(spec.port),
          "-n",
          spec.name,
          "-js",
          "-sd",
          spec.storeDir,
          ...spec.args,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      child = proc;
      exited = new Promise((resolve) => proc.once("close", () => resolve()));
      const keep = (chunk: Buffer) => {
        log = `${log}${chunk.toString("utf8")}`.slice(-20_000);
      };
      proc.stdout?.on("data", keep);
      proc.stderr?.on("data", keep);
      await waitListening(node);
    },
  };
  return node;
}

/** Whether something accepts a TCP connection on 127.0.0.1:port (the server may ask for credentials). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Waits until the node accepts client connections, failing early if it exits. */
async function waitListening(node: NatsNode): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!node.running()) throw new Error(`nats-server ${node.name} exited\n${node.output()}`);
    if (await accepts(node.port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nats-server ${node.name} not listening within 15 s\n${node.output()}`);
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Every node's client URL, comma-separated, as NATS_URL takes them. */
  readonly url: string;
  /** Waits until JetStream answers through every running node (a meta leader is elected). */
  jetStreamReady(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `size` nodes clustered on loopback (`--cluster`, `--routes` to every
 * other node), JetStream on each, store directories in a temp folder.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const root = await mkdtemp(join(tmpdir(), "ocpi-hub-nats-"));
  const ports = await distinctPorts(size * 2);
  const routePorts = ports.slice(size);
  const nodes = ports.slice(0, size).map((port, i) =>
    startNode({
      name: `n${i + 1}`,
      port,
      storeDir: join(root, `n${i + 1}`),
      args: [
        "--cluster_name",
        "c",
        "--cluster",
        `nats://127.0.0.1:${routePorts[i]}`,
        "--routes",
        routePorts
          .filter((_, j) => j !== i)
          .map((p) => `nats://127.0.0.1:${p}`)
          .join(","),
      ],
    }),
  );
  const cluster: NatsCluster = {
    nodes,
    url: nodes.map((n) => n.url).join(","),
    async jetStreamReady(ms = 30_000) {
      const deadline = Date.now() + ms;
      for (const node of nodes.filter((n) => n.running())) {
        for (;;) {
          if (await answersJetStream(node.url)) break;
          if (Date.now() > deadline) {
            throw new Error(
              `JetStream not ready on ${node.name} within ${ms} ms\n${node.output()}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Whether JetStream's account info comes back through the server at `url`. */
async function answersJetStream(url: string): Promise<boolean> {
  const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 }).catch(() => null);
  if (nc === null) return false;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1_000 });
    await jsm.getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc.close();
  }
}

/**
 * `n` free ports, no two alike, below the kernel's range for outgoing
 * connections (32768 and up by default): a node killed and restarted binds
 * its ports again, and a port from that range may meanwhile be taken by
 * any connection another process opens.
 */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.has(port) && (await isFree(port))) ports.add(port);
  }
  return [...ports];
}

/** Whether a port on 127.0.0.1 can be bound now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A single server (no cluster) with JetStream and extra arguments, e.g. `--user`/`--pass`. */
export async function startNatsServer(
  args: string[] = [],
): Promise<NatsNode & { stop(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "ocpi-hub-nats-"));
  const node = startNode({ name: "solo", port: await freePort(), storeDir: root, args });
  await node.start();
  return Object.assign(node, {
    async stop() {
      await node.kill("SIGKILL");
      await rm(root, { recursive: true, force: true });
    },
  });
}
