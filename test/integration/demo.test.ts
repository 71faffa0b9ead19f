import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// The demo's entry is type-checked with the test that runs it.
import type {} from "../../examples/demo.js";
import { OUTCOMES } from "../../examples/walkthrough.js";
import { freePort } from "../support/net.js";

/**
 * `npm run demo` from start to finish, as a newcomer runs it: the hub on the
 * embedded defaults with the example CPO and eMSP, on the PORT and DATA_DIR
 * given, every step of the onboarding walkthrough succeeding.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs `npm run demo` with only PATH, HOME, PORT and DATA_DIR; resolves on exit. */
function runDemo(env: Record<string, string>) {
  // biome-ignore lint/style/noProcessEnv: npm and node are found on the caller's PATH.
  const { PATH = "", HOME = "" } = process.env;
  const child = spawn("npm", ["run", "--silent", "demo"], {
    cwd: ROOT,
    env: { PATH, HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run demo", () => {
  it("onboards the example CPO and eMSP, routes a location and a command, and exits 0", async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), "ocpi-hub-demo-test-"));
    dirs.push(dataDir);

    const run = await runDemo({ PORT: String(port), DATA_DIR: dataDir });

    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const lines = run.stdout.split("\n");
    for (const outcome of OUTCOMES) expect(lines).toContain(outcome);
    expect(lines.filter((line) => line.startsWith("ok ")).length).toBe(OUTCOMES.length + 1);
    expect(run.stdout).toContain(`export HUB=http://127.0.0.1:${port} `);
    expect(run.stdout).toMatch(/^ok the hub stopped \(exit 0\)/m);
    // Every step shows the curl command that does the same by hand.
    expect(run.stdout.match(/^curl -s/gm)?.length).toBeGreaterThanOrEqual(OUTCOMES.length);
    // The embedded database went where DATA_DIR said, and stays there.
    expect((await readdir(dataDir)).length).toBeGreaterThan(0);
    // The README's onboarding is this walkthrough: the same commands, line for line.
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const onboarding = readme.slice(
      readme.indexOf("## Onboarding"),
      readme.indexOf("## Admin API"),
    );
    const commands = lines.filter((line) => /^(curl | {2}-[Hd] )/.test(line));
    expect(commands.length).toBeGreaterThan(20);
    for (const command of commands) expect(onboarding).toContain(command);
  }, 120_000);
});
