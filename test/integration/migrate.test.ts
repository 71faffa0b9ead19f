import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { assertMigrated, migrate, NotMigratedError } from "../../src/db/migrate.js";
import { LOCK_FILE } from "../../src/db/store-lock.js";
import { runEntry } from "../support/hub-process.js";

/** npm run migrate (src/migrate.ts) and MIGRATE_ON_START=false's check (db/migrate.ts). */

const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const runMigrate = (env: Record<string, string>) => runEntry("src/migrate.ts", env);

describe("assertMigrated", () => {
  it("refuses a database without the release's migrations, naming npm run migrate, and passes once migrated", async () => {
    const handle = await openDatabase({ kind: "pglite-memory" });
    try {
      const before = assertMigrated(handle);
      await expect(before).rejects.toBeInstanceOf(NotMigratedError);
      await expect(before).rejects.toThrow(/MIGRATE_ON_START=false; run npm run migrate/);
      await migrate(handle, { kind: "pglite-memory" });
      await expect(assertMigrated(handle)).resolves.toBeUndefined();
    } finally {
      await handle.close();
    }
  });
});

describe("npm run migrate", () => {
  it("migrates a DATA_DIR and exits 0, leaving no lock behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocpi-hub-migrate-"));
    dirs.push(dir);
    const first = await runMigrate({ DATA_DIR: dir });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("ocpi-hub migrate: the pglite database is up to date\n");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const handle = await openDatabase({ kind: "pglite", dataDir: dir });
    try {
      await expect(assertMigrated(handle)).resolves.toBeUndefined();
    } finally {
      await handle.close();
    }
  }, 240_000);

  it("exits 2 with one line for memory:// and for a bad variable", async () => {
    const memory = await runMigrate({ DATABASE_URL: "memory://" });
    expect(memory.code).toBe(2);
    expect(memory.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^ocpi-hub migrate: DATABASE_URL=memory:\/\//),
    ]);
    const bad = await runMigrate({ DATABASE_URL: "mysql://x" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ocpi-hub migrate: invalid configuration: DATABASE_URL/);
  }, 60_000);
});
