import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import { eventually, FakePlatform, type FakeRole } from "../support/fake-platform.js";
import {
  adminCall,
  exitWithin,
  type HubProcess,
  killHubProcesses,
  startHubProcess,
  waitHealthy,
} from "../support/hub-process.js";
import { type ScratchDatabase, scratchDatabase } from "../support/scratch-database.js";
import { startNatsServer } from "./nats-cluster.js";

/**
 * A hub on a NATS server that asks for a user and password (given in
 * NATS_URL): /readyz says NATS is down while the server is, and the hub
 * delivers again once the server is back, without a restart.
 */

const ADMIN = "reconnect-admin-token-0123456789abcdef";
const USER = "hub";
const PASSWORD = `pw${randomBytes(6).toString("hex")}`;

let server: Awaited<ReturnType<typeof startNatsServer>>;
let hub: HubProcess;
let database: ScratchDatabase | undefined;
let databaseUrl: string;
const fakes: FakePlatform[] = [];

const natsUrl = (password: string) => `nats://${USER}:${password}@127.0.0.1:${server.port}`;

async function readiness(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${hub.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

async function connectPlatform(roles: FakeRole[], receives: boolean): Promise<FakePlatform> {
  const platform = await FakePlatform.start({
    roles,
    modules: receives ? [{ identifier: "locations", role: "RECEIVER" }] : [],
  });
  fakes.push(platform);
  const invited = await adminCall(hub, "POST", "/platforms", ADMIN, { name: "p", roles });
  expect(invited.status).toBe(201);
  const answer = await platform.register(invited.body.versions_url, invited.body.token_a);
  expect(answer.body.status_code).toBe(1000);
  return platform;
}

beforeAll(async () => {
  server = await startNatsServer(["--user", USER, "--pass", PASSWORD]);
  database = await scratchDatabase("reconnect");
  databaseUrl = database.url;
}, 30_000);

afterAll(async () => {
  await killHubProcesses();
  await Promise.all(fakes.map((f) => f.close()));
  await server?.stop();
  await database?.drop();
});

describe("a hub whose NATS server goes away and comes back", () => {
  it("refuses to start with a wrong NATS password, saying why", async () => {
    const proc = await startHubProcess({
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl("wrong"),
      ADMIN_TOKEN: ADMIN,
    });
    const { code } = await exitWithin(proc, 20_000);
    expect(code).not.toBe(0);
    expect(proc.stderr()).toMatch(/could not start: .*authorization/i);
  });

  it("reports NATS down on /readyz while the server is, and delivers again once it is back", async () => {
    hub = await startHubProcess({
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl(PASSWORD),
      NATS_PREFIX: `reconnect_${randomBytes(4).toString("hex")}`,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: "warn",
    });
    await waitHealthy(hub, 30_000);
    expect(await readiness()).toEqual({
      status: 200,
      body: { status: "ready", database: "up", nats: "up", durable: true },
    });
    const cpo = await connectPlatform(
      [{ role: "CPO", country_code: "NL", party_id: "CPO" }],
      false,
    );
    const emsp = await connectPlatform(
      [{ role: "EMSP", country_code: "DE", party_id: "EMS" }],
      true,
    );
    const push = (id: string) =>
      cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/${id}`, {
        to: "NL/HUB",
        body: locationOf("NL/CPO", id),
      });
    const received = (id: string) =>
      emsp.moduleRequests("locations", "RECEIVER").some((r) => r.tail === `/NL/CPO/${id}`);

    expect((await push("LOC1")).body.status_code).toBe(1000);
    await eventually(() => received("LOC1"), 15_000);

    await server.kill("SIGKILL");
    await eventually(async () => (await readiness()).status === 503, 15_000);
    expect(await readiness()).toEqual({
      status: 503,
      body: { status: "unavailable", database: "up", nats: "down", durable: false },
    });

    await server.start();
    await eventually(async () => (await readiness()).status === 200, 20_000);
    // Once reconnected, a push is queued and delivered again: no restart needed.
    await eventually(async () => (await push("LOC2")).body.status_code === 1000, 15_000);
    await eventually(() => received("LOC2"), 20_000);
    expect(hub.hasExited()).toBe(false);
  }, 90_000);
});
