import { afterEach, describe, expect, it } from "vitest";
import { eventually, type FakePlatform, type HubAnswer } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const emspRole = { role: "EMSP", country_code: "DE", party_id: "MSP" };

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** The HTTP status of a call with `token` on a module only a registered platform may use. */
async function fullAccess(platform: FakePlatform, token: string | undefined): Promise<number> {
  return (await platform.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`, { token })).status;
}

/**
 * The operator starts the handshake (POST /admin/platforms/:id/register)
 * and, while the hub waits for the platform's answer to its credentials
 * POST, the platform registers itself with the Token A it was given.
 */
async function race(options: { platformAnswers: boolean }) {
  const emsp = await hub.fake({ roles: [emspRole] });
  const invited = await hub.invite([emspRole]);
  let party: HubAnswer | undefined;
  emsp.beforeCredentialsAnswer = async (method) => {
    if (method !== "POST" || party !== undefined) return;
    party = await emsp.register(invited.versions_url, invited.token_a);
    if (!options.platformAnswers) emsp.refuseCredentials = ["POST"];
  };
  const admin = await hub.admin("POST", `/platforms/${invited.id}/register`, {
    versions_url: emsp.versionsUrl,
    token: emsp.tokenA,
  });
  return { emsp, invited, admin, party: party as HubAnswer };
}

describe("a party-initiated registration racing the hub-initiated one", () => {
  it("leaves the platform CONNECTED with the hub's handshake's token pair, and refuses the POST that came in meanwhile", async () => {
    hub = await startHub();
    const { emsp, invited, admin, party } = await race({ platformAnswers: true });

    expect(party.body.status_code).not.toBe(1000);
    expect(admin.status).toBe(200);
    expect(admin.body.status).toBe("CONNECTED");
    // The token the hub gave the platform in its own handshake is the one that works.
    expect(emsp.hubToken).toBe(emsp.hubCredentials.token);
    expect(await fullAccess(emsp, emsp.hubToken)).toBe(200);
    expect(await fullAccess(emsp, invited.token_a)).toBe(401);
    // And the hub presents the token the platform answered with.
    expect((await hub.admin("DELETE", `/platforms/${invited.id}`)).status).toBe(204);
    const told = emsp.requests.find((r) => r.method === "DELETE");
    expect(told?.token).toBe(emsp.tokenForHub);
  });

  it("refuses a party-initiated registration that began before the hub's claim and would store after it", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole] });
    const invited = await hub.invite([emspRole]);
    let admin: Promise<{ status: number; body: any }> | undefined;
    let party: Promise<HubAnswer> | undefined;
    emsp.beforeRequest = async (req) => {
      // The hub checks the platform's version details for the party's POST: the operator
      // starts the hub's own handshake now, and the check goes on once the hub has claimed
      // the platform and sent its credentials POST.
      if (req.path === "/ocpi/2.2.1" && req.token === emsp.tokenForHub && admin === undefined) {
        admin = hub.admin("POST", `/platforms/${invited.id}/register`, {
          versions_url: emsp.versionsUrl,
          token: emsp.tokenA,
        });
        await eventually(() => emsp.requests.some((r) => r.method === "POST"));
      }
    };
    // The platform answers the hub's POST only once the hub has answered its own.
    emsp.beforeCredentialsAnswer = async () => {
      await party?.catch(() => undefined);
    };

    party = emsp.register(invited.versions_url, invited.token_a);
    const partyAnswer = await party;
    const adminAnswer = await (admin as Promise<{ status: number; body: any }>);

    expect(partyAnswer.body.status_code).not.toBe(1000);
    expect(adminAnswer.status).toBe(200);
    expect(adminAnswer.body.status).toBe("CONNECTED");
    expect(emsp.hubToken).toBe(emsp.hubCredentials.token);
    expect(await fullAccess(emsp, emsp.hubToken)).toBe(200);
  });

  it("leaves the platform PENDING with its Token A when the hub's handshake fails, so it can register again", async () => {
    hub = await startHub();
    const { emsp, invited, admin, party } = await race({ platformAnswers: false });

    expect(party.body.status_code).not.toBe(1000);
    expect(admin.status).toBe(502);
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("PENDING");

    const again = await emsp.register(invited.versions_url, invited.token_a);
    expect(again.body.status_code).toBe(1000);
    expect(await fullAccess(emsp, emsp.hubToken)).toBe(200);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("CONNECTED");
  });

  it("refuses the hub's handshake with 409 once the platform has registered itself", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole] });
    const invited = await hub.invite([emspRole]);
    expect((await emsp.register(invited.versions_url, invited.token_a)).body.status_code).toBe(
      1000,
    );
    const token = emsp.hubToken;

    const admin = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: emsp.versionsUrl,
      token: emsp.tokenA,
    });

    expect(admin.status).toBe(409);
    expect(emsp.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    expect(await fullAccess(emsp, token)).toBe(200);
  });
});

describe("a hub-initiated handshake whose instance stopped midway", () => {
  /** FORWARD_TIMEOUT_MS of the test hub (2 s) times the calls an exchange makes at most (10). */
  const OUTLIVED_MS = 10 * 2000 + 1000;
  let offset = 0;

  /** A hub on a clock the test moves, and a platform an instance claimed and never released. */
  async function abandoned() {
    offset = 0;
    hub = await startHub({ clock: { now: () => new Date(Date.now() + offset) } });
    const emsp = await hub.fake({ roles: [emspRole] });
    const invited = await hub.invite([emspRole]);
    const { store, clock, registry } = hub.deps;
    expect(
      await store.claimForHandshake(invited.id, "0".repeat(64), clock.now(), new Date(0)),
    ).toBe(true);
    await registry.changed(invited.id);
    return { emsp, invited };
  }

  it("holds the platform while it could still be running, then lets the platform register with its Token A", async () => {
    const { emsp, invited } = await abandoned();

    const held = await emsp.register(invited.versions_url, invited.token_a);
    expect(held.body.status_code).toBe(2000);
    expect(held.body.status_message).toMatch(/registering this platform/);

    offset = OUTLIVED_MS;
    const taken = await emsp.register(invited.versions_url, invited.token_a);
    expect(taken.body.status_code).toBe(1000);
    expect(await fullAccess(emsp, emsp.hubToken)).toBe(200);
  });

  it("holds the platform while it could still be running, then lets the operator issue a new Token A", async () => {
    const { emsp, invited } = await abandoned();

    const held = await hub.admin("POST", `/platforms/${invited.id}/token-a`);
    expect(held.status).toBe(409);
    expect(held.body.error.message).toMatch(/registration the hub started/);

    offset = OUTLIVED_MS;
    const issued = await hub.admin("POST", `/platforms/${invited.id}/token-a`);
    expect(issued.status).toBe(200);
    const answer = await emsp.register(issued.body.versions_url, issued.body.token_a);
    expect(answer.body.status_code).toBe(1000);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("CONNECTED");
  });
});
