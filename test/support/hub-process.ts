import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "./net.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The hub as a child process: `node --import tsx src/main.ts`, or `npm start`. */
export interface HubProcess {
  child: ChildProcess;
  port: number;
  url: string;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr as they came, interleaved. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

const started: HubProcess[] = [];

/**
 * Only what a shell needs to run node: nothing of the hub's own variables
 * (DATABASE_URL, NATS_URL, ADMIN_TOKEN …) leaks in from the test run.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "SYSTEMROOT"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * How the hub is launched: `node --import tsx src/main.ts` (the default), or
 * `npm start` as a container's CMD would, in a process group of its own so
 * that a test can see every process npm started.
 */
export interface StartOptions {
  via?: "node" | "npm";
}

/**
 * Runs the hub with exactly `env` (plus PATH, HOME …), on env.PORT when
 * that is a number and on a free port otherwise. Every process started is
 * killed by `killHubProcesses`.
 */
export async function startHubProcess(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<HubProcess> {
  const port =
    env.PORT !== undefined && /^\d+$/.test(env.PORT) ? Number(env.PORT) : await freePort();
  const npm = options.via === "npm";
  const child = spawn(
    npm ? "npm" : process.execPath,
    npm ? ["start", "--silent"] : ["--import", "tsx", "src/main.ts"],
    {
      cwd: ROOT,
      env: { ...baseEnv(), PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: npm,
    },
  );
  let out = "";
  let err = "";
  let all = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    all += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    all += chunk;
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const proc: HubProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    output: () => all,
    exited,
    hasExited: () => done,
  };
  started.push(proc);
  return proc;
}

/** SIGKILLs every hub process still running (and its group, for npm) and waits until each is gone. */
export async function killHubProcesses(): Promise<void> {
  for (const proc of started.splice(0)) {
    const pid = proc.child.pid;
    if (pid !== undefined && proc.child.spawnargs[0] === "npm" && groupAlive(pid)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }
    if (!proc.hasExited()) {
      proc.child.kill("SIGKILL");
      await proc.exited;
    }
  }
}

/** Whether any process of the process group `pgid` still exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Resolves when the process group `pgid` is empty; fails after `ms`. */
export async function groupGoneWithin(pgid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still has processes`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const outputOf = (proc: HubProcess) => `stdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`;

/** Resolves with the exit, or fails after `ms`. */
export async function exitWithin(proc: HubProcess, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`process still running after ${ms} ms\n${outputOf(proc)}`)),
      ms,
    );
  });
  try {
    return await Promise.race([proc.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, then the exit within `ms`. */
export async function stopHubProcess(proc: HubProcess, ms = 10_000) {
  proc.child.kill("SIGTERM");
  return exitWithin(proc, ms);
}

/** Polls GET /healthz until 200, failing early when the process dies. */
export async function waitHealthy(proc: HubProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`the hub exited while starting\n${outputOf(proc)}`);
    try {
      const res = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no healthy hub within ${ms} ms\n${outputOf(proc)}`);
}

/** The JSON lines of a log, skipping anything else. */
export function jsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {}
  }
  return lines;
}

/** A call of the process's admin API with `token`; the body parsed when there is one. */
export async function adminCall(
  proc: HubProcess,
  method: string,
  path: string,
  token: string,
  body?: unknown,
) {
  const res = await fetch(`${proc.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
  };
}

/**
 * Runs a one-shot entry of the hub (`src/migrate.ts`) to its end with exactly
 * `env` (plus PATH, HOME …); resolves with its exit code and output.
 */
export function runEntry(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script],
      { cwd: ROOT, env: { ...baseEnv(), ...env }, timeout: 180_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
