import { afterEach, describe, expect, it } from "vitest";
import { startHub, type TestHub } from "../support/test-hub.js";

let hub: TestHub;
afterEach(async () => hub?.close());

describe("GET /metrics", () => {
  it("counts requests by route pattern, refused OCPI answers by status_code, and platforms by status", async () => {
    hub = await startHub();
    await hub.admin("POST", "/platforms", {
      name: "A",
      roles: [{ role: "CPO", country_code: "NL", party_id: "AAA" }],
    });
    const invited = await hub.admin("POST", "/platforms", {
      name: "B",
      roles: [{ role: "EMSP", country_code: "NL", party_id: "BBB" }],
    });
    await hub.admin("POST", `/platforms/${invited.body.id}/suspend`);
    await fetch(`${hub.url}/ocpi/versions`);
    await fetch(`${hub.url}/ocpi/versions`, { headers: { authorization: "Token nope" } });

    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain(
      'ocpi_hub_http_requests_total{method="POST",route="/admin/platforms",status="201"} 2',
    );
    expect(text).toContain(
      'ocpi_hub_http_requests_total{method="GET",route="/ocpi/versions",status="401"} 2',
    );
    expect(text).toContain('ocpi_hub_ocpi_errors_total{status_code="2000"} 2');
    expect(text).toContain('ocpi_hub_platforms{status="PENDING"} 1');
    expect(text).toContain('ocpi_hub_platforms{status="SUSPENDED"} 1');
    expect(text).toContain('ocpi_hub_platforms{status="CONNECTED"} 0');
    // Paths with ids never become labels: a platform id shows only as a platform label.
    const id: string = invited.body.id;
    const withId = text.split("\n").filter((line) => line.includes(id));
    expect(withId.length).toBeGreaterThan(0);
    for (const line of withId) expect(line).toMatch(new RegExp(`\\{platform="${id}"\\} `));
  });
});
