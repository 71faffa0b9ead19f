import { afterEach, describe, expect, it } from "vitest";
import { expectRefused } from "../support/expect.js";
import type { FakePlatform, FakeRole, HubAnswer } from "../support/fake-platform.js";
import { ADMIN_TOKEN, startHub, type TestHub } from "../support/test-hub.js";

/**
 * Failed authentications lock the client's address out, admin API and OCPI
 * alike, at the product's thresholds: the 101st failure within 60 s locks
 * it for 5 s, and meanwhile every attempt gets 429 with Retry-After, the
 * right token included. A success after the lockout starts the count anew.
 */

const CPO: FakeRole = { role: "CPO", country_code: "NL", party_id: "CPO" };

let hub: TestHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const adminWith = (h: TestHub, token: string) =>
  fetch(`${h.url}/admin/platforms`, { headers: { authorization: `Bearer ${token}` } });

const ocpiWith = (h: TestHub, token: string) =>
  fetch(`${h.url}/ocpi/2.2.1`, {
    headers: { authorization: `Token ${Buffer.from(token).toString("base64")}` },
  });

async function answerOf(res: Response): Promise<HubAnswer> {
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** Seconds in Retry-After: a few, as the first lockout lasts. */
function retryAfter(res: { headers: Headers }): number {
  const seconds = Number(res.headers.get("retry-after"));
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(5);
  return seconds;
}

async function expectLockedOut(h: TestHub, cpo: FakePlatform): Promise<number> {
  const admin = await adminWith(h, ADMIN_TOKEN);
  expect(admin.status, "the right admin token").toBe(429);
  expect(((await admin.json()) as any).error.code).toBe("TOO_MANY_REQUESTS");
  const ocpi = await answerOf(await ocpiWith(h, cpo.hubToken as string));
  expectRefused(ocpi, 429, 2000, { message: /too many failed authentications/ });
  retryAfter(ocpi);
  return retryAfter(admin);
}

describe("failed authentications from one address", () => {
  it("lock it out after 100 wrong admin tokens, the right one included, until the back-off ends", async () => {
    hub = await startHub();
    const { platform: cpo } = await hub.connect([CPO]);
    for (let i = 0; i < 100; i++) {
      expect((await adminWith(hub, `wrong-${i}`)).status, `failure ${i + 1}`).toBe(401);
    }
    const locking = await adminWith(hub, "wrong-100");
    expect(locking.status, "the 101st failure").toBe(429);
    const wait = await expectLockedOut(hub, cpo);

    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 200));
    expect((await adminWith(hub, ADMIN_TOKEN)).status, "after the back-off").toBe(200);
    // The success reset the count: a wrong token is an ordinary 401 again.
    expect((await adminWith(hub, "wrong-again")).status).toBe(401);
    expect((await ocpiWith(hub, cpo.hubToken as string)).status).toBe(200);
  });

  it("lock it out after 100 unknown OCPI tokens, admin API included", async () => {
    hub = await startHub();
    const { platform: cpo } = await hub.connect([CPO]);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ocpiWith(hub as TestHub, `unknown-${i}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(new Array(100).fill(401));
    const locking = await answerOf(await ocpiWith(hub, "unknown-100"));
    expectRefused(locking, 429, 2000, { message: /too many failed authentications/ });
    await expectLockedOut(hub, cpo);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/ocpi_hub_limit_refusals_total\{limit="auth-lockout"\} [3-9]/);
  });

  it("counts neither a missing token nor a right one", async () => {
    hub = await startHub();
    const { platform: cpo } = await hub.connect([CPO]);
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${hub.url}/ocpi/2.2.1`);
      expect(res.status).toBe(401);
    }
    for (let i = 0; i < 50; i++) {
      expect((await ocpiWith(hub, cpo.hubToken as string)).status).toBe(200);
    }
    expect((await adminWith(hub, ADMIN_TOKEN)).status).toBe(200);
  });
});

describe("behind a reverse proxy", () => {
  const adminFrom = (h: TestHub, token: string, forwardedFor: string) =>
    fetch(`${h.url}/admin/platforms`, {
      headers: { authorization: `Bearer ${token}`, "x-forwarded-for": forwardedFor },
    });

  it("counts per client named in X-Forwarded-For when the peer is in TRUSTED_PROXIES, from the right", async () => {
    hub = await startHub({ env: { TRUSTED_PROXIES: "127.0.0.1, 10.9.0.0/16" } });
    const attacker = "203.0.113.7";
    for (let i = 0; i <= 100; i++) {
      // Whatever the client writes to the left of the proxies' own entries proves nothing.
      await adminFrom(hub, `wrong-${i}`, `198.51.100.${i}, ${attacker}, 10.9.1.1`);
    }
    expect((await adminFrom(hub, ADMIN_TOKEN, `${attacker}, 10.9.1.1`)).status).toBe(429);
    expect((await adminFrom(hub, ADMIN_TOKEN, "192.0.2.10")).status, "another client").toBe(200);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    hub = await startHub();
    for (let i = 0; i <= 100; i++) {
      await adminFrom(hub, `wrong-${i}`, `198.51.100.${i}`);
    }
    expect((await adminFrom(hub, ADMIN_TOKEN, "192.0.2.10")).status).toBe(429);
  });
});
