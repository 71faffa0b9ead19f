import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireStoreLock, LOCK_FILE, StoreLockedError } from "../../src/db/store-lock.js";
import {
  exitWithin,
  killHubProcesses,
  startHubProcess,
  stopHubProcess,
  waitHealthy,
} from "../support/hub-process.js";

/** One embedded data directory, one hub: the lock in DATA_DIR (db/store-lock.ts). */

const ADMIN = "store-lock-test-admin-token-0123456789";
const dirs: string[] = [];

afterEach(async () => {
  await killHubProcesses();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ocpi-hub-lock-"));
  dirs.push(dir);
  return dir;
}

describe("two hub processes on one DATA_DIR", () => {
  it("refuses the second with one line, and takes over the lock of a killed first", async () => {
    const dir = await dataDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: "info", ADMIN_TOKEN: ADMIN };
    const first = await startHubProcess(env);
    await waitHealthy(first, 90_000);

    const second = await startHubProcess(env);
    const { code } = await exitWithin(second, 90_000);
    expect(code).not.toBe(0);
    const lines = second
      .stderr()
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(lines.length, lines.join("\n")).toBe(1);
    expect(lines[0]).toContain(`DATA_DIR ${dir} is in use by another hub (pid ${first.child.pid}`);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    // SIGKILL: no chance to remove the lock, which now names a dead pid.
    first.child.kill("SIGKILL");
    await first.exited;
    const left = JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"));
    expect(left.pid).toBe(first.child.pid);

    const third = await startHubProcess(env);
    await waitHealthy(third, 90_000);
    const held = JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"));
    expect(held.pid).toBe(third.child.pid);
    expect((await stopHubProcess(third, 20_000)).code).toBe(0);
    await expect(readFile(join(dir, LOCK_FILE), "utf8")).rejects.toThrow(/ENOENT/);
  }, 300_000);
});

describe("acquireStoreLock", () => {
  const lockOf = (pid: number, extra: Record<string, unknown> = {}) =>
    `${JSON.stringify({ pid, host: hostname(), startTicks: null, since: "then", ...extra })}\n`;

  it("refuses a directory this process holds already, and frees it on release", async () => {
    const dir = await dataDir();
    const lock = acquireStoreLock(dir);
    expect(() => acquireStoreLock(dir)).toThrow(StoreLockedError);
    lock.release();
    lock.release();
    const again = acquireStoreLock(dir);
    again.release();
  });

  it("refuses a lock whose holder is alive: the parent of this test process", async () => {
    const dir = await dataDir();
    await writeFile(join(dir, LOCK_FILE), lockOf(process.ppid));
    expect(() => acquireStoreLock(dir)).toThrow(
      new RegExp(`is in use by another hub \\(pid ${process.ppid} on ${hostname()}`),
    );
  });

  it("takes over a lock whose pid now belongs to a process started at another moment", async () => {
    const dir = await dataDir();
    await writeFile(join(dir, LOCK_FILE), lockOf(process.ppid, { startTicks: "1" }));
    const lock = acquireStoreLock(dir);
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock of this very pid left by an earlier process (a container's pid 1)", async () => {
    const dir = await dataDir();
    await writeFile(join(dir, LOCK_FILE), lockOf(process.pid, { startTicks: "1" }));
    const lock = acquireStoreLock(dir);
    expect(JSON.parse(await readFile(lock.path, "utf8")).since).not.toBe("then");
    lock.release();
  });

  it("takes over an unreadable lock, and counts a holder on another host as alive", async () => {
    const dir = await dataDir();
    await writeFile(join(dir, LOCK_FILE), "{half a");
    acquireStoreLock(dir).release();
    await writeFile(join(dir, LOCK_FILE), lockOf(999_999, { host: "elsewhere.example" }));
    expect(() => acquireStoreLock(dir)).toThrow(/pid 999999 on elsewhere\.example/);
  });
});
