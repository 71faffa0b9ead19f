import { configDefaults, defineConfig } from "vitest/config";

/**
 * test/cluster starts nats-server processes and needs PostgreSQL: it runs
 * only where the suite runs on PostgreSQL and NATS (NATS_URL set), not in
 * the embedded run; the three-node failover scenario (cluster.test.ts)
 * with it. `npm run test:cluster` runs that scenario alone.
 */
// biome-ignore lint/style/noProcessEnv: which folders run depends on the services the run has
const withNats = (process.env.NATS_URL ?? "") !== "";
/**
 * Tests on an embedded store of their own (all but one start hub processes
 * on it), so their outcome does not depend on the run's backend. .ci/run
 * runs the suite once per backend and sets TEST_BACKEND_ONLY=1 on the
 * embedded run, which leaves these to the PostgreSQL + NATS run instead of
 * repeating them.
 */
const BACKEND_FREE = [
  "test/integration/build.test.ts",
  "test/integration/demo.test.ts",
  "test/integration/embedded-vacuum.test.ts",
  "test/integration/listeners.test.ts",
  "test/integration/message-pending-keys.test.ts",
  "test/integration/migrate.test.ts",
  "test/integration/process.test.ts",
  "test/integration/server-timeouts.test.ts",
  "test/integration/store-lock.test.ts",
];
// biome-ignore lint/style/noProcessEnv: see above
const backendOnly = process.env.TEST_BACKEND_ONLY === "1";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      ...configDefaults.exclude,
      ...(!withNats ? ["test/cluster/**"] : []),
      ...(backendOnly ? BACKEND_FREE : []),
    ],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
