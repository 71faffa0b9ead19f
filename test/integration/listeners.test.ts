import { type AddressInfo, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  exitWithin,
  killHubProcesses,
  startHubProcess,
  stopHubProcess,
  waitHealthy,
} from "../support/hub-process.js";
import { freePort } from "../support/net.js";

/** ADMIN_PORT: the operator's paths on a listener of their own (main.ts, app.ts surfaces). */

const ADMIN = "listeners-test-admin-token-0123456789";

afterEach(async () => {
  await killHubProcesses();
});

const statusOf = (url: string, token = ADMIN) =>
  fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);

const refusal = (url: string) =>
  fetch(url).then(
    (res) => `HTTP ${res.status}`,
    (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
  );

describe("ADMIN_PORT", () => {
  it("serves /admin and /metrics only on the admin port, OCPI only on PORT, and drains both", async () => {
    const adminPort = await freePort();
    const proc = await startHubProcess({
      DATABASE_URL: "memory://",
      LOG_LEVEL: "info",
      ADMIN_TOKEN: ADMIN,
      ADMIN_PORT: String(adminPort),
    });
    await waitHealthy(proc, 60_000);
    const admin = `http://127.0.0.1:${adminPort}`;

    // The admin port: the admin API with its token, /metrics, the probes; no OCPI.
    expect(await statusOf(`${admin}/admin/platforms`)).toBe(200);
    expect(await statusOf(`${admin}/admin/platforms`, "wrong-token-0123456789")).toBe(401);
    expect(await statusOf(`${admin}/metrics`)).toBe(200);
    expect(await statusOf(`${admin}/healthz`)).toBe(200);
    const versions = await fetch(`${admin}/ocpi/versions`, {
      headers: { authorization: "Token whatever" },
    });
    expect(versions.status).toBe(404);
    expect(((await versions.json()) as { status_code: number }).status_code).toBe(2000);

    // The OCPI port: the operator's paths are absent, even with the right token.
    expect(await statusOf(`${proc.url}/admin/platforms`)).toBe(404);
    expect(await statusOf(`${proc.url}/admin`)).toBe(404);
    expect(await statusOf(`${proc.url}/metrics`)).toBe(404);
    expect(await statusOf(`${proc.url}/console`)).toBe(404);
    expect(await statusOf(`${proc.url}/ocpi/versions`)).toBe(401); // OCPI is here, and wants a token
    expect(await statusOf(`${proc.url}/readyz`)).toBe(200);

    const listening = proc
      .stdout()
      .split("\n")
      .find((l) => l.includes("ocpi-hub listening"));
    expect(JSON.parse(listening ?? "{}")).toMatchObject({
      admin_host: "127.0.0.1",
      admin_port: adminPort,
    });

    expect((await stopHubProcess(proc)).code).toBe(0);
    expect(await refusal(`${proc.url}/healthz`)).toBe("ECONNREFUSED");
    expect(await refusal(`${admin}/healthz`)).toBe("ECONNREFUSED");
  }, 90_000);

  it("exits 1 with one line naming ADMIN_PORT when the admin port is taken", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const proc = await startHubProcess({
        DATABASE_URL: "memory://",
        LOG_LEVEL: "info",
        ADMIN_TOKEN: ADMIN,
        ADMIN_PORT: String(taken),
      });
      const { code } = await exitWithin(proc, 60_000);
      expect(code).toBe(1);
      const lines = proc
        .stderr()
        .split("\n")
        .filter((l) => l.trim() !== "");
      expect(lines.length, lines.join("\n")).toBe(1);
      expect(lines[0]).toContain(`cannot listen on 127.0.0.1:${taken} (ADMIN_PORT / ADMIN_HOST)`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 90_000);
});
