import { afterEach, describe, expect, it } from "vitest";
import { startHub, type TestHub } from "../support/test-hub.js";

/** HUB_NAME / HUB_WEBSITE: the business_details of the hub's HUB role (credentials). */

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPI" };
let hub: TestHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe("the hub's own identity in credentials", () => {
  it("answers a registration and GET credentials with HUB_NAME and HUB_WEBSITE", async () => {
    hub = await startHub({
      env: {
        HUB_NAME: "Example Roaming Hub",
        HUB_WEBSITE: "https://roaming.example.com/",
        HUB_COUNTRY_CODE: "BE",
        HUB_PARTY_ID: "XHB",
      },
    });
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole], "CPO I");
    const answer = await cpo.register(invited.versions_url, invited.token_a);
    expect(answer.body.status_code).toBe(1000);
    const hubRole = {
      role: "HUB",
      business_details: { name: "Example Roaming Hub", website: "https://roaming.example.com/" },
      party_id: "XHB",
      country_code: "BE",
    };
    expect(answer.body.data.roles).toEqual([hubRole]);

    const read = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1/credentials`);
    expect(read.body.status_code).toBe(1000);
    expect(read.body.data.roles).toEqual([hubRole]);
  });

  it("names itself OCPI Hub, without a website, when neither is set", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    const answer = await cpo.register(invited.versions_url, invited.token_a);
    expect(answer.body.data.roles[0].business_details).toEqual({ name: "OCPI Hub" });
  });
});
