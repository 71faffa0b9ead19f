import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { walkthrough } from "./walkthrough.js";

/**
 * `npm run demo`: the hub on its embedded defaults (PGlite, in-process bus)
 * as a child process, then the onboarding walkthrough against it with an
 * example CPO and eMSP (examples/walkthrough.ts). PORT picks the hub's port
 * (3000); DATA_DIR its database (a fresh temporary folder, removed after,
 * when unset). Exits 0 when every step succeeded.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// biome-ignore lint/style/noProcessEnv: the demo's entry reads its two settings here, once.
const { PORT = "3000", DATA_DIR, PATH = "", HOME = "", TMPDIR } = process.env;

const print = (line: string) => process.stdout.write(`${line}\n`);

/** The hub's own variables: nothing else of the caller's environment reaches it. */
function hubEnvironment(port: string, dataDir: string, adminToken: string) {
  return {
    PATH,
    HOME,
    ...(TMPDIR === undefined ? {} : { TMPDIR }),
    PORT: port,
    HOST: "127.0.0.1",
    HUB_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    ROAMING_POLICY: "agreements",
    LOG_LEVEL: "warn",
  };
}

async function waitHealthy(url: string, hub: ChildProcess, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (hub.exitCode !== null)
      throw new Error(`the hub exited with ${hub.exitCode} while starting`);
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).catch(
      () => undefined,
    );
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the hub did not answer ${url}/healthz within ${ms / 1000} s`);
}

/** SIGTERM, as a container runtime sends it: the hub drains and exits. */
async function stopHub(hub: ChildProcess) {
  if (hub.exitCode !== null || hub.signalCode !== null) return;
  const exited = new Promise((resolve) => hub.once("exit", resolve));
  hub.kill("SIGTERM");
  const timer = setTimeout(() => hub.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<number> {
  if (!/^\d+$/.test(PORT)) {
    process.stderr.write(`demo: PORT must be a port number, not "${PORT}"\n`);
    return 2;
  }
  const dataDir = DATA_DIR ?? mkdtempSync(join(tmpdir(), "ocpi-hub-demo-"));
  const adminToken = `demo-${randomBytes(16).toString("hex")}`;
  const url = `http://127.0.0.1:${PORT}`;
  const hub = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: hubEnvironment(PORT, dataDir, adminToken),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let hubOutput = "";
  hub.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    hubOutput += chunk;
  });
  hub.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    hubOutput += chunk;
  });
  const interrupt = () => void stopHub(hub).then(() => process.exit(130));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  print(`Starting the hub on ${url} (embedded database in ${dataDir}) …`);
  try {
    await waitHealthy(url, hub, 90_000);
    await walkthrough(url, adminToken, print);
    await stopHub(hub);
    print(`\nok the hub stopped (exit ${hub.exitCode ?? hub.signalCode}); the demo is complete.`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`\ndemo failed: ${message}\n`);
    if (DATA_DIR !== undefined && / 409 /.test(message)) {
      process.stderr.write(
        `DATA_DIR=${DATA_DIR} holds the example parties of an earlier run; give the demo an empty folder, or leave DATA_DIR unset.\n`,
      );
    }
    if (hubOutput !== "") process.stderr.write(`\nthe hub's output:\n${hubOutput}\n`);
    await stopHub(hub);
    return 1;
  } finally {
    if (DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
