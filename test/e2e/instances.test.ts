import { afterEach, describe, expect, it } from "vitest";
import { platforms } from "../../src/db/schema/index.js";
import { eventually, type FakePlatform } from "../support/fake-platform.js";
import { closeInstances, startHub, startTwoInstances, type TestHub } from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPA" };

const hubs: TestHub[] = [];

/** The HTTP status a call with the platform's token for the hub gets on a full-access module. */
async function statusOn(
  on: TestHub,
  platform: FakePlatform,
  token = platform.hubToken,
): Promise<number> {
  return (await platform.hubCall("GET", `${on.url}/ocpi/2.2.1/hubclientinfo`, { token })).status;
}

afterEach(async () => {
  for (const h of hubs.splice(0)) await h.close();
  await closeInstances();
});

describe("two hub instances on one database and one bus", () => {
  it("lets a platform invited on A register through B, and its new token works on A within a second", async () => {
    const [a, b] = await startTwoInstances();
    const cpo = await a.fake({ roles: [cpoRole] });
    const invited = await a.invite([cpoRole], "CPO");

    // B's snapshot learns the invitation from A's announcement.
    await eventually(
      async () =>
        (await cpo.hubCall("GET", b.versionsUrl, { token: invited.token_a })).status === 200,
      1000,
    );
    const answer = await cpo.register(b.versionsUrl, invited.token_a);
    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(1000);
    expect(answer.body.data.url).toBe(b.versionsUrl);
    const token = cpo.hubToken as string;

    await eventually(async () => (await statusOn(a, cpo, token)) === 200, 1000);
    const shown = await a.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("CONNECTED");
    expect(shown.body.endpoints.map((e: { identifier: string }) => e.identifier)).toEqual([
      "credentials",
      "hubclientinfo",
    ]);
    // Token A died on both instances.
    expect((await cpo.hubCall("GET", a.versionsUrl, { token: invited.token_a })).status).toBe(401);
    expect((await cpo.hubCall("GET", b.versionsUrl, { token: invited.token_a })).status).toBe(401);
  });

  it("suspends on A and B refuses within a second; resumes on B and A accepts within a second", async () => {
    const [a, b] = await startTwoInstances();
    const cpo = await a.fake({ roles: [cpoRole] });
    const invited = await a.invite([cpoRole], "CPO");
    await cpo.register(a.versionsUrl, invited.token_a);
    await eventually(async () => (await statusOn(b, cpo)) === 200, 1000);

    const suspended = await a.admin("POST", `/platforms/${invited.id}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("SUSPENDED");
    expect(await statusOn(a, cpo)).toBe(403);
    await eventually(async () => (await statusOn(b, cpo)) === 403, 1000);
    const refused = await cpo.hubCall("GET", `${b.url}/ocpi/2.2.1/hubclientinfo`);
    expect(refused.body.status_code).toBe(2000);

    const resumed = await b.admin("POST", `/platforms/${invited.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe("CONNECTED");
    expect(await statusOn(b, cpo)).toBe(200);
    await eventually(async () => (await statusOn(a, cpo)) === 200, 1000);
    expect((await a.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("CONNECTED");
  });

  it("removes on B and A answers 401 for that token within a second", async () => {
    const [a, b] = await startTwoInstances();
    const cpo = await a.fake({ roles: [cpoRole] });
    const invited = await a.invite([cpoRole], "CPO");
    await cpo.register(a.versionsUrl, invited.token_a);
    await eventually(async () => (await statusOn(b, cpo)) === 200, 1000);
    expect(await statusOn(a, cpo)).toBe(200);

    expect((await b.admin("DELETE", `/platforms/${invited.id}`)).status).toBe(204);
    expect(await statusOn(b, cpo)).toBe(401);
    await eventually(async () => (await cpo.hubCall("GET", a.versionsUrl)).status === 401, 1000);
    expect(await statusOn(a, cpo)).toBe(401);
    expect((await a.admin("GET", `/platforms/${invited.id}`)).status).toBe(404);
  });

  it("authenticates from the in-memory snapshot, not with a database query per request", async () => {
    const hub = await startHub();
    hubs.push(hub);
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole], "CPO");
    await cpo.register(hub.versionsUrl, invited.token_a);
    expect((await cpo.hubCall("GET", hub.versionsUrl)).status).toBe(200);

    // Behind the hub's back, without announcing anything.
    await hub.deps.db.db.delete(platforms);

    const stillKnown = await cpo.hubCall("GET", hub.versionsUrl);
    expect(stillKnown.status).toBe(200);
    expect(stillKnown.body.status_code).toBe(1000);
    expect((await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`)).status).toBe(200);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).status).toBe(200);

    await hub.deps.registry.refresh();

    const forgotten = await cpo.hubCall("GET", hub.versionsUrl);
    expect(forgotten.status).toBe(401);
    expect(forgotten.body.status_code).toBe(2000);
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).status).toBe(404);
  });
});
