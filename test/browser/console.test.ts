import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, watchProblems } from "../support/browser.js";
import { locationOf } from "../support/cache-fixtures.js";
import { forEmsp } from "../support/examples.js";
import { eventually } from "../support/fake-platform.js";
import { EMSP_MODULES } from "../support/routed-modules.js";
import { ADMIN_TOKEN, startHub, type TestHub } from "../support/test-hub.js";

/**
 * The operator's console in Debian's Chromium: log in with the admin token,
 * invite a platform and watch it connect, suspend and resume it, and read
 * the deliveries and the audit of what was done. Any console error, failed
 * request or error answer fails the test. With CONSOLE_SCREENSHOTS set to a
 * folder, each screen is saved there (docs/console/ holds the README's).
 */

// biome-ignore lint/style/noProcessEnv: where to save the screens, when wanted
const SHOTS = process.env.CONSOLE_SCREENSHOTS;

let hub: TestHub;
let browser: Browser;
let page: Page;
let problems: string[];

async function shot(name: string) {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  hub = await startHub();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = watchProblems(page, () => false);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
});

describe("the console in a browser", () => {
  it("logs in, invites a platform that connects, suspends and resumes it, and shows the audit", async () => {
    await page.goto(`${hub.url}/console`);
    expect(new URL(page.url()).pathname).toBe("/console/login");
    await shot("login");
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${hub.url}/console`);
    await expect(page.getByRole("heading", { name: "Platforms" }).isVisible()).resolves.toBe(true);
    const cookie = (await page.context().cookies()).find((c) => c.name === "ocpi_hub_console");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");

    await page.getByLabel("Name").fill("Example CPO");
    await page.getByLabel(/^Roles/).fill("CPO NL EXA");
    await page.getByRole("button", { name: "Invite" }).click();
    await expect(
      page.getByRole("heading", { name: "Invited Example CPO" }).isVisible(),
    ).resolves.toBe(true);
    const versionsUrl = (await page.locator('[data-field="versions_url"]').textContent()) ?? "";
    const tokenA = (await page.locator('[data-field="token_a"]').textContent()) ?? "";
    expect(versionsUrl).toBe(`${hub.url}/ocpi/versions`);
    await shot("invited");

    // The platform registers with what the screen showed.
    const cpo = await hub.fake({ roles: [{ role: "CPO", country_code: "NL", party_id: "EXA" }] });
    const registered = await cpo.register(versionsUrl, tokenA);
    expect(registered.body.status_code).toBe(1000);

    await eventually(async () => {
      await page.goto(`${hub.url}/console`);
      const row = page.locator("tr", { hasText: "Example CPO" });
      return (await row.textContent())?.includes("CONNECTED") ?? false;
    }, 10_000);
    await shot("platforms");

    await page.getByRole("link", { name: "Example CPO" }).click();
    await expect(page.locator('[data-field="status"]').textContent()).resolves.toBe("CONNECTED");
    await shot("platform");
    await page.getByRole("button", { name: "Suspend" }).click();
    await expect(
      page.getByRole("heading", { name: "Suspend Example CPO?" }).isVisible(),
    ).resolves.toBe(true);
    await page.getByRole("button", { name: "Yes, suspend" }).click();
    await expect(page.locator('[data-field="status"]').textContent()).resolves.toBe("SUSPENDED");
    const platformId = (await hub.admin("GET", "/platforms")).body.data.find(
      (p: { name: string }) => p.name === "Example CPO",
    ).id;
    expect((await hub.admin("GET", `/platforms/${platformId}`)).body.status).toBe("SUSPENDED");
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("button", { name: "Yes, resume" }).click();
    await expect(page.locator('[data-field="status"]').textContent()).resolves.toBe("CONNECTED");

    // A session the CPO sends an eMSP through the hub, found by its correlation id with its leg.
    const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
    const { platform: emsp } = await hub.connect([emspRole], {
      modules: EMSP_MODULES,
      name: "Example eMSP",
    });
    const cpoRole = { role: "CPO", country_code: "NL", party_id: "EXA" };
    const correlation = randomUUID();
    const sent = await cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/sessions/receiver/NL/EXA/S1`, {
      to: "DE/EMS",
      body: { ...forEmsp("session_example_1_simple_start.json", cpoRole, emspRole), id: "S1" },
      headers: { "x-correlation-id": correlation },
    });
    expect(sent.body.status_code).toBe(1000);
    expect(emsp.moduleRequests("sessions")).toHaveLength(1);
    await hub.deps.messages.flush();
    await page.getByRole("link", { name: "Messages", exact: true }).click();
    await page.getByLabel("Correlation id").fill(correlation);
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.locator("tbody tr");
    await expect(rows.count()).resolves.toBe(1);
    await rows.first().getByRole("link").click();
    await expect(page.locator('[data-field="correlation_id"]').textContent()).resolves.toBe(
      correlation,
    );
    const legs = page.locator("ol.timeline li");
    await expect(legs.count()).resolves.toBe(1);
    const leg = (await legs.first().textContent()) ?? "";
    expect(leg).toContain("DE/EMS");
    expect(leg).toContain("status_code 1000");
    await shot("message");

    // A location the CPO broadcasts is delivered to the eMSP: the chart counts it.
    const deliveredSoFar = async () =>
      (await hub.deps.deliveries.perMinute()).reduce((n, m) => n + m.delivered, 0);
    await hub.settled();
    const before = await deliveredSoFar();
    const location = { ...locationOf("NL/EXA", "LOC1") };
    const pushed = await cpo.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/EXA/LOC1`,
      {
        to: "NL/HUB",
        body: location,
      },
    );
    expect(pushed.body.status_code).toBe(1000);
    await hub.settled();
    expect(emsp.moduleRequests("locations")).toHaveLength(1);

    await page.getByRole("link", { name: "Deliveries" }).click();
    await expect(page.locator("tr", { hasText: "Example CPO" }).count()).resolves.toBe(1);
    const delivered = await deliveredSoFar();
    expect(delivered).toBe(before + 1);
    await expect(page.locator('[data-field="delivered"]').textContent()).resolves.toBe(
      String(delivered),
    );
    await expect(
      page.getByRole("img", { name: new RegExp(`: ${delivered} delivered`) }).count(),
    ).resolves.toBe(1);
    await shot("deliveries");

    await page.getByRole("link", { name: "Audit" }).click();
    const audit = (await page.locator("tbody").textContent()) ?? "";
    for (const action of ["platform.invite", "platform.suspend", "platform.resume"])
      expect(audit).toContain(action);
    expect(audit).toContain(`platform/${platformId}`);
    await shot("audit");

    // The API reference sends an operation as the operator.
    await page.getByRole("link", { name: "API" }).click();
    const tokens = page.locator("details", { hasText: "GET /admin/tokens" });
    await tokens.locator("summary").click();
    await tokens.getByRole("button", { name: "Send" }).click();
    await expect(
      page.getByRole("heading", { name: "GET /admin/tokens: 200" }).isVisible(),
    ).resolves.toBe(true);
    const answer = JSON.parse((await page.locator('[data-field="answer"]').textContent()) ?? "{}");
    expect(answer.data[0]).toMatchObject({ id: "admin", name: "admin" });
    await shot("api");

    // At phone width the screens still fit: nothing wider than the viewport but the tables' scrollers.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${hub.url}/console`);
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth");
    expect(overflow).toBeLessThanOrEqual(390);
    await shot("platforms-phone");

    expect(problems).toEqual([]);
  }, 60_000);

  it("refuses a form without the session's CSRF token, and a wrong token at login", async () => {
    const login = await fetch(`${hub.url}/console/login`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? "";
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const wrong = await fetch(`${hub.url}/console/login`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, token: "not-a-token" }),
      redirect: "manual",
    });
    expect(wrong.status).toBe(401);
    const forged = await fetch(`${hub.url}/console/login`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: "forged", token: ADMIN_TOKEN }),
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
    const ok = await fetch(`${hub.url}/console/login`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, token: ADMIN_TOKEN }),
      redirect: "manual",
    });
    expect(ok.status).toBe(303);
    const session = (ok.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(session).toMatch(/^ocpi_hub_console=/);
    const before = (await hub.admin("GET", "/platforms")).body.data.length;
    const invite = await fetch(`${hub.url}/console/platforms`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name: "Forged", roles: "CPO NL FRG" }),
      redirect: "manual",
    });
    expect(invite.status).toBe(403);
    expect((await hub.admin("GET", "/platforms")).body.data.length).toBe(before);
    // Over https (here: a proxy that says so) the session cookie is Secure; over plain http it is not.
    expect(ok.headers.get("set-cookie")).not.toMatch(/;\s*Secure/i);
    const viaTls = await fetch(`${hub.url}/console/login`, {
      headers: { "x-forwarded-proto": "https" },
    });
    expect(viaTls.headers.get("set-cookie")).toMatch(/;\s*Secure/i);

    // Without a session every page leads to the login.
    const anonymous = await fetch(`${hub.url}/console/audit`, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/console/login");
  });

  it("registers a pending platform from its page, the hub starting the handshake", async () => {
    const login = await fetch(`${hub.url}/console/login`);
    const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? "";
    const loginCookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const ok = await fetch(`${hub.url}/console/login`, {
      method: "POST",
      headers: { cookie: loginCookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: loginCsrf, token: ADMIN_TOKEN }),
      redirect: "manual",
    });
    const session = (ok.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const role = { role: "CPO", country_code: "NL", party_id: "REG" };
    const platform = await hub.fake({ roles: [role] });
    const invited = await hub.invite([role], "Registered by the hub");
    const page = await fetch(`${hub.url}/console/platforms/${invited.id}`, {
      headers: { cookie: session },
    });
    const html = await page.text();
    expect(html).toContain("Register with the platform");
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const registered = await fetch(`${hub.url}/console/platforms/${invited.id}/register`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        csrf,
        versions_url: `${platform.url}/ocpi/versions`,
        token: platform.tokenA,
      }),
    });
    expect(registered.status).toBe(200);
    const after = await registered.text();
    expect(after).toContain("Registered.");
    expect(after).not.toContain("Register with the platform");
    expect((await hub.admin("GET", `/platforms/${invited.id}`)).body.status).toBe("CONNECTED");
    const audit = await hub.admin(
      "GET",
      `/audit?action=platform.register&target=platform/${invited.id}`,
    );
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ actor: "admin", result: "ok" });
  });
});
