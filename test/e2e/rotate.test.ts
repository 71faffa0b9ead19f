import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { platforms } from "../../src/db/schema/index.js";
import { example } from "../support/examples.js";
import { DATE_TIME } from "../support/expect.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const CPO = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP = { role: "EMSP", country_code: "DE", party_id: "EMS" };

const location = { ...example("location_example.json"), country_code: "NL", party_id: "CPO" };

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** A CPO with a locations Sender and an eMSP with a locations Receiver, both registered. */
async function connectPair() {
  const cpo = await hub.connect([CPO], { modules: [{ identifier: "locations", role: "SENDER" }] });
  const emsp = await hub.connect([EMSP], {
    modules: [{ identifier: "locations", role: "RECEIVER" }],
  });
  return { cpo: cpo.platform, emsp: emsp.platform, emspId: emsp.id };
}

/** The HTTP status of a call with `token` on a module only a registered platform may use. */
async function fullAccess(platform: FakePlatform, token: string | undefined): Promise<number> {
  return (await platform.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`, { token })).status;
}

/** A location push from the CPO to the eMSP: its status_code and the token the eMSP saw. */
async function push(cpo: FakePlatform, emsp: FakePlatform, id: string) {
  const answer = await cpo.hubRoute(
    "PUT",
    `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/${id}`,
    { to: "DE/EMS", body: { ...location, id } },
  );
  const received = emsp.moduleRequests("locations").find((r) => r.tail === `/NL/CPO/${id}`);
  return { statusCode: answer.body.status_code as number, token: received?.token };
}

describe("POST /admin/platforms/:id/rotate", () => {
  it("renews both tokens: the platform's old token is refused, its new one works, and the hub presents the platform's new token", async () => {
    hub = await startHub({ env: { TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("hex") } });
    const { cpo, emsp, emspId } = await connectPair();
    const oldToken = emsp.hubToken as string;
    const oldTokenForHub = emsp.tokenForHub;
    let inFlight: { old: number; new: number } | undefined;
    emsp.beforeCredentialsAnswer = async (method, body) => {
      if (method === "PUT") {
        inFlight = {
          old: await fullAccess(emsp, oldToken),
          new: await fullAccess(emsp, body.token),
        };
      }
    };

    const res = await hub.admin("POST", `/platforms/${emspId}/rotate`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: emspId, status: "CONNECTED", last_error: null });
    expect(res.body.rotated_at).toMatch(DATE_TIME);
    // The hub's PUT carried its credentials with a new token, under the platform's current one.
    const put = emsp.requests.find(
      (r) => r.method === "PUT" && r.path === "/ocpi/2.2.1/credentials",
    );
    expect(put?.token).toBe(oldTokenForHub);
    expect(emsp.hubCredentials.url).toBe(hub.versionsUrl);
    expect(emsp.hubCredentials.roles[0].role).toBe("HUB");
    // While the hub waited for the answer, both of the platform's tokens opened the hub.
    expect(inFlight).toEqual({ old: 200, new: 200 });
    expect(emsp.hubVersionsCheck?.status).toBe(200);

    const newToken = emsp.hubToken as string;
    expect(newToken).not.toBe(oldToken);
    expect(await fullAccess(emsp, oldToken)).toBe(401);
    expect(await fullAccess(emsp, newToken)).toBe(200);

    expect(emsp.tokenForHub).not.toBe(oldTokenForHub);
    const forwarded = await push(cpo, emsp, "LOC1");
    expect(forwarded).toEqual({ statusCode: 1000, token: emsp.tokenForHub });

    const rows = await hub.deps.db.db.select().from(platforms);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(emsp.tokenForHub);
    expect(stored).not.toContain(newToken);
    expect(hub.logText()).not.toContain(emsp.tokenForHub);
    expect(hub.logText()).not.toContain(newToken);
  });

  it("answers 502 ROTATION_FAILED when the platform refuses, and nothing changes", async () => {
    hub = await startHub();
    const { cpo, emsp, emspId } = await connectPair();
    const oldToken = emsp.hubToken as string;
    const oldTokenForHub = emsp.tokenForHub;
    let offered: string | undefined;
    emsp.refuseCredentials = ["PUT"];
    emsp.beforeCredentialsAnswer = async (_method, body) => {
      offered = body.token;
    };

    const res = await hub.admin("POST", `/platforms/${emspId}/rotate`);

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("ROTATION_FAILED");
    expect(res.body.error.ocpi_status_code).toBe(3001);
    expect(res.body.error.message).toContain("cannot update the credentials now");
    const shown = await hub.admin("GET", `/platforms/${emspId}`);
    expect(shown.body.status).toBe("CONNECTED");
    expect(shown.body.last_error).toBe(res.body.error.message);

    expect(offered).toBeDefined();
    expect(await fullAccess(emsp, offered)).toBe(401);
    expect(await fullAccess(emsp, oldToken)).toBe(200);
    expect(emsp.tokenForHub).toBe(oldTokenForHub);
    expect(await push(cpo, emsp, "LOC1")).toEqual({ statusCode: 1000, token: oldTokenForHub });
  });

  it("answers 502 when the platform cannot be reached, and the platform may rotate again afterwards", async () => {
    hub = await startHub();
    const { emsp, emspId } = await connectPair();
    const oldToken = emsp.hubToken as string;
    await emsp.close();

    const failed = await hub.admin("POST", `/platforms/${emspId}/rotate`);
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("ROTATION_FAILED");
    expect(await fullAccess(emsp, oldToken)).toBe(200);
    // The failed rotation holds nothing: another may start at once (here it fails the same way).
    expect((await hub.admin("POST", `/platforms/${emspId}/rotate`)).status).toBe(502);
  });

  it("lets one of two rotations at once run and refuses the other with 409", async () => {
    hub = await startHub();
    const { emsp, emspId } = await connectPair();
    const [a, b] = await Promise.all([
      hub.admin("POST", `/platforms/${emspId}/rotate`),
      hub.admin("POST", `/platforms/${emspId}/rotate`),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(emsp.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    expect(await fullAccess(emsp, emsp.hubToken)).toBe(200);
  });

  it("answers 409 for a platform that is not registered or suspended, and 404 for an unknown one", async () => {
    hub = await startHub();
    const invited = await hub.invite([{ role: "CPO", country_code: "FR", party_id: "ABC" }]);
    const pending = await hub.admin("POST", `/platforms/${invited.id}/rotate`);
    expect(pending.status).toBe(409);
    expect(pending.body.error.code).toBe("CONFLICT");
    expect(pending.body.error.message).toContain("PENDING");

    const { emspId } = await connectPair();
    await hub.admin("POST", `/platforms/${emspId}/suspend`);
    const suspended = await hub.admin("POST", `/platforms/${emspId}/rotate`);
    expect(suspended.status).toBe(409);
    expect(suspended.body.error.message).toContain("SUSPENDED");

    const unknown = await hub.admin(
      "POST",
      "/platforms/00000000-0000-4000-8000-000000000000/rotate",
    );
    expect(unknown.status).toBe(404);
  });
});
