import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exitWithin,
  killHubProcesses,
  startHubProcess,
  waitHealthy,
} from "../support/hub-process.js";
import { type ScratchDatabase, scratchDatabase } from "../support/scratch-database.js";
import { startNatsServer } from "./nats-cluster.js";

/**
 * NATS_CREDS against a server in operator mode (decentralised JWT auth, as
 * `nsc` sets it up): the hub logs in with the user JWT and seed of the
 * .creds file, and without it the server turns it away.
 */

const ADMIN = "creds-admin-token-0123456789abcdef";

type KeyPair = ReturnType<typeof nkeys.createUser>;

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");

/** A NATS JWT: the claims about `subject`, signed by `issuer`'s key (ed25519-nkey). */
function natsJwt(issuer: KeyPair, subject: string, name: string, nats: object): string {
  const header = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
  const claims = {
    jti: randomBytes(26).toString("hex").toUpperCase(),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats,
  };
  const payload = b64url(JSON.stringify(claims));
  const signature = issuer.sign(new TextEncoder().encode(`${header}.${payload}`));
  return `${header}.${payload}.${b64url(signature)}`;
}

let dir: string;
let credsPath: string;
let server: Awaited<ReturnType<typeof startNatsServer>>;
let databaseUrl: string;
let database: ScratchDatabase | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocpi-hub-creds-"));
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  // JetStream in operator mode needs a system account.
  const system = nkeys.createAccount();
  const user = nkeys.createUser();
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, conn: -1 };
  const jetStream = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const accountJwt = natsJwt(operator, account.getPublicKey(), "ocpi", {
    limits: { ...unlimited, wildcards: true, leaf: -1, ...jetStream },
    default_permissions: { pub: {}, sub: {} },
    type: "account",
    version: 2,
  });
  const systemJwt = natsJwt(operator, system.getPublicKey(), "SYS", {
    limits: { ...unlimited, wildcards: true, leaf: -1 },
    type: "account",
    version: 2,
  });
  const userJwt = natsJwt(account, user.getPublicKey(), "hub", {
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
    type: "user",
    version: 2,
  });
  const config = join(dir, "server.conf");
  await writeFile(
    config,
    [
      `operator: ${natsJwt(operator, operator.getPublicKey(), "op", { type: "operator", version: 2 })}`,
      `system_account: ${system.getPublicKey()}`,
      "resolver: MEMORY",
      `resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${system.getPublicKey()}: ${systemJwt} }`,
      "",
    ].join("\n"),
  );
  credsPath = join(dir, "hub.creds");
  await writeFile(
    credsPath,
    `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
  );
  server = await startNatsServer(["-c", config]);

  database = await scratchDatabase("creds");
  databaseUrl = database.url;
}, 30_000);

afterAll(async () => {
  await killHubProcesses();
  await server?.stop();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("NATS_CREDS on a server with JWT authentication", () => {
  it("logs the hub in with the .creds file; without it the server turns the hub away", async () => {
    const env = {
      DATABASE_URL: databaseUrl,
      NATS_URL: server.url,
      NATS_PREFIX: `creds_${randomBytes(4).toString("hex")}`,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: "warn",
    };
    const refused = await startHubProcess(env);
    expect((await exitWithin(refused, 20_000)).code).not.toBe(0);
    expect(refused.stderr()).toMatch(/could not start: .*authorization/i);

    const hub = await startHubProcess({ ...env, NATS_CREDS: credsPath });
    await waitHealthy(hub, 30_000);
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      database: "up",
      nats: "up",
      durable: true,
    });
  }, 60_000);
});
