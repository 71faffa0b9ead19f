import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../support/examples.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const CPO = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP = { role: "EMSP", country_code: "DE", party_id: "EMS" };

const location = {
  ...example("location_example.json"),
  country_code: "NL",
  party_id: "CPO",
  id: "LOC1",
};

describe("routing as receivers come and go", () => {
  let hub: TestHub;
  let cpo: FakePlatform;

  beforeAll(async () => {
    hub = await startHub();
    ({ platform: cpo } = await hub.connect([CPO], {
      modules: [{ identifier: "locations", role: "SENDER" }],
    }));
  });
  afterAll(async () => hub.close());

  const push = () =>
    cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      to: "DE/EMS",
      body: location,
    });

  const connectEmsp = () =>
    hub.connect([EMSP], { modules: [{ identifier: "locations", role: "RECEIVER" }] });

  it("reaches a receiver that unregistered, was removed and came back on another server", async () => {
    const first = await connectEmsp();
    expect((await push()).body.status_code).toBe(1000);
    expect(first.platform.moduleRequests("locations")).toHaveLength(1);

    // The eMSP unregisters itself: it is PENDING again, so not connected.
    const gone = await first.platform.hubCall("DELETE", `${hub.url}/ocpi/2.2.1/credentials`);
    expect(gone.body.status_code).toBe(1000);
    const pending = await push();
    expect(pending.status).toBe(200);
    expect(pending.body.status_code).toBe(4003);

    // Removed by the operator: the party is unknown.
    expect((await hub.admin("DELETE", `/platforms/${first.id}`)).status).toBe(204);
    const unknown = await push();
    expect(unknown.body.status_code).toBe(4001);
    expect(unknown.body.status_message).toContain("DE/EMS");

    // Invited again and registered from a new server: pushes reach the new one only.
    const second = await connectEmsp();
    expect(second.platform.url).not.toBe(first.platform.url);
    expect((await push()).body.status_code).toBe(1000);
    expect(second.platform.moduleRequests("locations")).toHaveLength(1);
    expect(first.platform.moduleRequests("locations")).toHaveLength(1);
  });
});
