import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, nkeys } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { natsNames } from "../../src/bus/names.js";
import {
  connectNats,
  credsFileAuthenticator,
  natsServers,
  parseNatsUrl,
} from "../../src/bus/nats-bus.js";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { createJetStreamQueue } from "../../src/delivery/jetstream-queue.js";
import type { Delivery } from "../../src/delivery/queue.js";
import { createLogger } from "../../src/logging/logger.js";
import { locationOf } from "../support/cache-fixtures.js";
import { eventually } from "../support/fake-platform.js";
import { startHub, type TestHub, usingNats } from "../support/test-hub.js";

/**
 * NATS_PREFIX, NATS_STREAM_REPLICAS and NATS_CREDS: what the configuration
 * accepts, and on the test run's NATS server that two prefixes keep two
 * deployments apart.
 */

// biome-ignore lint/style/noProcessEnv: the prefix tests run on the test run's NATS server
const NATS_URL = process.env.NATS_URL ?? "";
const RUN = randomBytes(4).toString("hex");
const logger = createLogger("silent");

describe("the NATS settings", () => {
  it("default to the ocpi prefix, one replica and no credentials file", () => {
    expect(loadConfig({})).toMatchObject({
      natsPrefix: "ocpi",
      natsStreamReplicas: 1,
      natsCreds: undefined,
    });
    expect(
      loadConfig({
        NATS_URL: "nats://a:4222, nats://u:p@b:4222,tls://c:4222",
        NATS_PREFIX: "staging-2_eu",
        NATS_STREAM_REPLICAS: "3",
        NATS_CREDS: "/run/secrets/hub.creds",
      }),
    ).toMatchObject({
      natsUrl: "nats://a:4222, nats://u:p@b:4222,tls://c:4222",
      natsPrefix: "staging-2_eu",
      natsStreamReplicas: 3,
      natsCreds: "/run/secrets/hub.creds",
    });
  });

  it.each([
    ["NATS_PREFIX", "ocpi.staging"],
    ["NATS_PREFIX", "ocpi*"],
    ["NATS_PREFIX", ">"],
    ["NATS_PREFIX", "two words"],
    ["NATS_PREFIX", "x".repeat(33)],
    ["NATS_STREAM_REPLICAS", "0"],
    ["NATS_STREAM_REPLICAS", "6"],
    ["NATS_STREAM_REPLICAS", "2.5"],
    ["NATS_STREAM_REPLICAS", "three"],
    ["NATS_URL", "nats://a:4222,http://b:4222"],
    ["NATS_URL", "nats://a:4222,,"],
  ])("refuses %s=%s naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^invalid configuration: ${name} `),
    );
  });

  it("builds every stream, subject and durable name from the prefix", () => {
    const names = natsNames("staging");
    expect(names.registryChanged).toBe("staging.registry.changed");
    expect(names.deliveryStream).toBe("STAGING_DELIVER");
    expect(names.deliveryStreamSubjects).toBe("staging.deliver.>");
    expect(names.deliverySubject({ recipient: "p1", module: "locations", key: "NL-CPO-L1" })).toBe(
      "staging.deliver.p1.locations.NL-CPO-L1",
    );
    expect(names.recipientSubjects("p1")).toBe("staging.deliver.p1.>");
    expect(names.recipientDurable("p1")).toBe("deliver_p1");
    expect(names.pushStream).toBe("STAGING_PUSH");
    expect(names.pushStreamSubjects).toBe("staging.push.>");
    expect(names.pushSubject({ module: "locations", key: "NL-CPO-L1" })).toBe(
      "staging.push.locations.NL-CPO-L1",
    );
    expect(names.pushDurable("p1")).toBe("push_p1");
    expect(() => natsNames("a.b")).toThrow(/not a single subject token/);
  });

  it("connects to every server of a comma-separated NATS_URL", () => {
    expect(natsServers("nats://a:4222, nats://b:4222,,nats://u:p@c:4222 ")).toEqual([
      "nats://a:4222",
      "nats://b:4222",
      "nats://u:p@c:4222",
    ]);
  });

  it("takes the user and password, or token, from NATS_URL and keeps them out of the server URLs", () => {
    expect(parseNatsUrl("nats://hub:s%40cret@a:4222,nats://hub:s%40cret@b:4222")).toEqual({
      servers: ["nats://a:4222", "nats://b:4222"],
      tls: false,
      user: "hub",
      pass: "s@cret",
    });
    expect(parseNatsUrl("tls://t0ken@a:4222")).toEqual({
      servers: ["tls://a:4222"],
      tls: true,
      token: "t0ken",
    });
    expect(parseNatsUrl("nats://a:4222")).toEqual({ servers: ["nats://a:4222"], tls: false });
    expect(() => parseNatsUrl("nats://hub:one@a:4222,nats://hub:two@b:4222")).toThrow(
      "NATS_URL gives its servers different credentials",
    );
  });
});

describe("NATS_CREDS", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function file(content: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "ocpi-hub-creds-"));
    dirs.push(dir);
    const path = join(dir, "hub.creds");
    await writeFile(path, content);
    return path;
  }

  it("names the variable when the file is missing or is no credentials file", async () => {
    expect(() => credsFileAuthenticator("/nonexistent/hub.creds")).toThrow(
      /^NATS_CREDS cannot be read \(\/nonexistent\/hub\.creds\): ENOENT/,
    );
    const path = await file("user = hub\npassword = secret\n");
    expect(() => credsFileAuthenticator(path)).toThrow(
      `NATS_CREDS is not a NATS credentials file (user JWT and seed): ${path}`,
    );
  });

  it("answers the server's challenge with the file's JWT and a signature of its seed", async () => {
    const user = nkeys.createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln";
    const path = await file(
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
        `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
    );
    const auth = credsFileAuthenticator(path)("nonce-from-the-server") as {
      jwt: string;
      sig: string;
    };
    expect(auth.jwt).toBe(jwt);
    const signature = Buffer.from(auth.sig, "base64url");
    expect(user.verify(new TextEncoder().encode("nonce-from-the-server"), signature)).toBe(true);
  });
});

if (usingNats) {
  describe("two deployments with different prefixes on one NATS server", () => {
    let nc: NatsConnection | undefined;
    const streams: string[] = [];
    const hubs: TestHub[] = [];

    afterAll(async () => {
      for (const hub of hubs) await hub.close();
      nc ??= await connectNats(NATS_URL, logger);
      const jsm = await jetstreamManager(nc);
      for (const stream of streams) await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    });

    const delivery = (recipient: string, id: string): Delivery => ({
      recipient,
      module: "locations",
      key: `NL-CPO-${id}`,
      method: "PUT",
      path: `/NL/CPO/${id}`,
      query: "",
      body: JSON.stringify({ id }),
      correlationId: `c-${id}`,
      acceptedAt: 0,
    });

    it("keep their queues apart even for a recipient id both use", async () => {
      nc = await connectNats(NATS_URL, logger);
      const a = natsNames(`prefa_${RUN}`);
      const b = natsNames(`prefb_${RUN}`);
      streams.push(a.deliveryStream, b.deliveryStream, a.pushStream, b.pushStream);
      const qa = await createJetStreamQueue(nc, logger, { ackWaitMs: 30_000, names: a });
      const qb = await createJetStreamQueue(nc, logger, { ackWaitMs: 30_000, names: b });
      await qa.open("R1");
      await qb.open("R1");
      await qa.publish(delivery("R1", "L1"));
      await qa.publish(delivery("R1", "L2"));
      await qb.publish(delivery("R1", "L3"));
      expect(await qa.backlog("R1")).toEqual({ pending: 2, inFlight: 0 });
      expect(await qb.backlog("R1")).toEqual({ pending: 1, inFlight: 0 });
      // A purge in one deployment leaves the other's deliveries where they are.
      expect(await qb.purge("R1")).toBe(1);
      expect(await qa.backlog("R1")).toEqual({ pending: 2, inFlight: 0 });
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info(a.deliveryStream)).config.subjects).toEqual([
        `prefa_${RUN}.deliver.>`,
      ]);
    });

    it("insists on TLS for a tls:// URL, refusing a server without it", async () => {
      const plain = new URL(NATS_URL.split(",")[0] as string);
      await expect(connectNats(`tls://${plain.host}`, logger)).rejects.toThrow(
        "server does not support 'tls'",
      );
    });

    it("refuses three replicas on a single server, naming NATS_STREAM_REPLICAS", async () => {
      nc ??= await connectNats(NATS_URL, logger);
      const names = natsNames(`prefr_${RUN}`);
      streams.push(names.deliveryStream, names.pushStream);
      await expect(
        createJetStreamQueue(nc, logger, { ackWaitMs: 30_000, names, replicas: 3 }),
      ).rejects.toThrow(
        new RegExp(
          `^NATS_STREAM_REPLICAS=3: the NATS server refused stream PREFR_${RUN.toUpperCase()}_DELIVER with 3 replicas`,
        ),
      );
    });

    it("send their deliveries and registry changes under their own prefix only", async () => {
      nc ??= await connectNats(NATS_URL, logger);
      const seen = { a: [] as string[], b: [] as string[] };
      const prefixes = { a: `huba_${RUN}`, b: `hubb_${RUN}` };
      const subs = (["a", "b"] as const).map((k) =>
        nc?.subscribe(`${prefixes[k]}.>`, {
          callback: (_e, m) => {
            seen[k].push(m.subject);
          },
        }),
      );
      for (const k of ["a", "b"] as const) {
        const names = natsNames(prefixes[k]);
        streams.push(names.deliveryStream, names.pushStream);
        hubs.push(await startHub({ env: { NATS_PREFIX: prefixes[k] } }));
      }
      const [hubA] = hubs as [TestHub, TestHub];
      const { platform: cpo } = await hubA.connect([
        { role: "CPO", country_code: "NL", party_id: "CPO" },
      ]);
      const { id: emsp } = await hubA.connect(
        [{ role: "EMSP", country_code: "DE", party_id: "EMS" }],
        { modules: [{ identifier: "locations", role: "RECEIVER" }] },
      );
      const pushed = await cpo.hubRoute(
        "PUT",
        `${hubA.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`,
        { to: "NL/HUB", body: locationOf("NL/CPO", "LOC1") },
      );
      expect(pushed.body.status_code).toBe(1000);
      await hubA.settled(20_000);
      // The push is written once, on its object's subject; the eMSP's cursor delivers it.
      await eventually(() => seen.a.includes(`${prefixes.a}.push.locations.NL-CPO-LOC1`));
      await eventually(async () => (await hubA.deps.queue.backlog(emsp)).pending === 0);
      await nc.flush();
      expect(seen.a).toContain(`${prefixes.a}.registry.changed`);
      expect(seen.b).toEqual([]);
      for (const sub of subs) sub?.unsubscribe();
    });
  });
}
