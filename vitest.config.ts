import { configDefaults, defineConfig } from "vitest/config";

/**
 * test/cluster starts nats-server processes and needs PostgreSQL: it runs
 * only where the suite runs on PostgreSQL and NATS (NATS_URL set), not in
 * the embedded run.
 */
// biome-ignore lint/style/noProcessEnv: which folders run depends on the services the run has
const withNats = (process.env.NATS_URL ?? "") !== "";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: withNats ? configDefaults.exclude : [...configDefaults.exclude, "test/cluster/**"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
