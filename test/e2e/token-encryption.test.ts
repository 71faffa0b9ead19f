import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createInProcessBus } from "../../src/bus/in-process-bus.js";
import { loadConfig } from "../../src/config/load.js";
import { platforms } from "../../src/db/schema/index.js";
import { createMemoryQueue } from "../../src/delivery/memory-queue.js";
import { createDeps } from "../../src/deps.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";
import { example } from "../support/examples.js";
import { FakePlatform } from "../support/fake-platform.js";
import { ADMIN_TOKEN, startHub, type TestHub } from "../support/test-hub.js";

const CPO = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const KEY = randomBytes(32).toString("hex");

const location = { ...example("location_example.json"), country_code: "NL", party_id: "CPO" };

let hubs: TestHub[] = [];
let fakes: FakePlatform[] = [];
let database: TestDatabase | undefined;

afterEach(async () => {
  for (const hub of hubs) await hub.close();
  for (const fake of fakes) await fake.close();
  await database?.dispose();
  hubs = [];
  fakes = [];
  database = undefined;
});

async function hubWith(env: Record<string, string>, shared?: TestDatabase): Promise<TestHub> {
  const hub = await startHub({ env, database: shared });
  hubs.push(hub);
  return hub;
}

/** A CPO with a locations Sender and an eMSP with a locations Receiver, registered with `hub`. */
async function connectPair(hub: TestHub) {
  const cpo = await FakePlatform.start({
    roles: [CPO],
    modules: [{ identifier: "locations", role: "SENDER" }],
  });
  const emsp = await FakePlatform.start({
    roles: [EMSP],
    modules: [{ identifier: "locations", role: "RECEIVER" }],
  });
  fakes.push(cpo, emsp);
  for (const [fake, role] of [
    [cpo, CPO],
    [emsp, EMSP],
  ] as const) {
    const invited = await hub.invite([role]);
    expect((await fake.register(invited.versions_url, invited.token_a)).body.status_code).toBe(
      1000,
    );
  }
  return { cpo, emsp };
}

/** A push from the CPO to the eMSP through `hub`; the token the eMSP saw the hub present. */
async function forwardedToken(hub: TestHub, cpo: FakePlatform, emsp: FakePlatform, id: string) {
  const answer = await cpo.hubRoute(
    "PUT",
    `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/${id}`,
    { to: "DE/EMS", body: { ...location, id } },
  );
  expect(answer.body.status_code).toBe(1000);
  const received = emsp.moduleRequests("locations").find((r) => r.tail === `/NL/CPO/${id}`);
  expect(received).toBeDefined();
  return received?.token;
}

async function storedTokens(db: TestDatabase): Promise<string[]> {
  const rows = await db.handle.db.select({ token: platforms.outboundToken }).from(platforms);
  return rows.map((r) => r.token as string);
}

/** The hub's dependencies on `db` with this environment, as a start would build them. */
async function startDeps(db: TestDatabase, env: Record<string, string>) {
  const config = loadConfig({ DATABASE_URL: "memory://", ADMIN_TOKEN, ...env });
  const transport = { bus: createInProcessBus(), queue: createMemoryQueue() };
  try {
    return await createDeps(config, { db: db.handle, transport });
  } finally {
    await transport.queue.close();
    await transport.bus.close();
  }
}

describe("the tokens platforms give the hub, at rest", () => {
  it("are stored encrypted with TOKEN_ENCRYPTION_KEY, and the hub still presents the right one", async () => {
    const hub = await hubWith({ TOKEN_ENCRYPTION_KEY: KEY });
    const { cpo, emsp } = await connectPair(hub);

    const stored = await storedTokens(hub.database);
    expect(stored).toHaveLength(2);
    for (const value of stored) {
      expect(value).toMatch(/^enc:v1:/);
      expect(value).not.toContain(cpo.tokenForHub);
      expect(value).not.toContain(emsp.tokenForHub);
    }
    expect(await forwardedToken(hub, cpo, emsp, "LOC1")).toBe(emsp.tokenForHub);
  });

  it("are stored as given without a key", async () => {
    const hub = await hubWith({});
    const { cpo, emsp } = await connectPair(hub);
    expect((await storedTokens(hub.database)).sort()).toEqual(
      [cpo.tokenForHub, emsp.tokenForHub].sort(),
    );
    expect(await forwardedToken(hub, cpo, emsp, "LOC1")).toBe(emsp.tokenForHub);
  });

  it("stored before the key was set are encrypted at the next start; without the key, or with another, the hub refuses to start", async () => {
    database = await freshDatabase();
    const before = await hubWith({}, database);
    const { cpo, emsp } = await connectPair(before);
    await before.close();
    hubs = [];

    const after = await hubWith({ TOKEN_ENCRYPTION_KEY: KEY }, database);
    for (const value of await storedTokens(database)) expect(value).toMatch(/^enc:v1:/);
    expect(after.logs.some((l) => l.msg === "encrypted the stored tokens of platforms")).toBe(true);
    expect(await forwardedToken(after, cpo, emsp, "LOC2")).toBe(emsp.tokenForHub);
    await after.close();
    hubs = [];

    await expect(startDeps(database, {})).rejects.toThrow(
      /stored encrypted, but TOKEN_ENCRYPTION_KEY is not set/,
    );
    await expect(
      startDeps(database, { TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64") }),
    ).rejects.toThrow(/not the key it was encrypted with/);
  });
});
