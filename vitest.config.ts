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
 * Tests on an embedded store of their own (most start hub processes
 * on it), so their outcome does not depend on the run's backend. .ci/run
 * runs the suite once per backend and sets TEST_BACKEND_ONLY=1 on the
 * PostgreSQL + NATS run, which leaves these to the embedded run instead of
 * repeating them: that run is the shorter of the two (the other also has
 * test/cluster), and the two run side by side.
 */
const BACKEND_FREE = [
  "test/integration/build.test.ts",
  "test/integration/demo.test.ts",
  "test/integration/embedded-thread.test.ts",
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
    // A worker runs its files one after the other in one process, with the
    // modules it imported and PGlite's compiled WebAssembly (database.ts)
    // kept from one file to the next; every test makes its own hub,
    // database and servers. Each file in a process of its own spent more
    // time importing than the embedded run spent testing: that run took
    // 944 s, now 373 s; the PostgreSQL + NATS run 962 → 704 s.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
