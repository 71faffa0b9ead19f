import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";

/** The lock file's name inside DATA_DIR. */
export const LOCK_FILE = "ocpi-hub.lock";

/** Who holds a data directory: enough to tell a live holder from a dead one. */
interface Holder {
  pid: number;
  host: string;
  /** The holder's start in clock ticks since boot (/proc/<pid>/stat), when known. */
  startTicks: string | null;
  since: string;
}

/** Lock files this process holds: a second open in the same process is refused too. */
const heldHere = new Set<string>();

/** Another live process holds the data directory; the message is one line for the operator. */
export class StoreLockedError extends Error {
  override readonly name = "StoreLockedError";
}

/** A held lock; release is idempotent and never throws. */
export interface StoreLock {
  path: string;
  release(): void;
}

/**
 * Takes DATA_DIR for this process. PGlite has no lock of its own: two
 * processes on one directory each keep their own copy of the database in
 * memory and overwrite each other's files, so one side's writes are lost.
 * A lock whose holder is gone (killed, crashed) is stale and taken over;
 * "gone" means no such pid on this host, or a pid that now belongs to a
 * process started at another moment (a container restarted as pid 1 again).
 * A holder on another host cannot be checked, so it counts as alive.
 */
export function acquireStoreLock(dataDir: string): StoreLock {
  const path = resolve(dataDir, LOCK_FILE);
  const mine = describeSelf();
  if (heldHere.has(path)) throw lockedError(dataDir, path, mine);
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, text)) return heldLock(path, text);
    const found = readHolder(path);
    if (found === undefined) continue; // released between our create and read: try again
    if (isAlive(found.holder)) throw lockedError(dataDir, path, found.holder);
    if (!moveStale(path, found.text)) throw lockedError(dataDir, path, found.holder);
  }
  throw new StoreLockedError(
    `DATA_DIR ${dataDir} is being locked by another process right now (${path}); try again`,
  );
}

function heldLock(path: string, text: string): StoreLock {
  let held = true;
  heldHere.add(path);
  const release = () => {
    if (!held) return;
    held = false;
    heldHere.delete(path);
    process.off("exit", release);
    try {
      // Only our own lock goes: a takeover after a long pause may have replaced it.
      if (readFileSync(path, "utf8") === text) unlinkSync(path);
    } catch {}
  };
  // Also on process.exit() before the database was closed, which would leave a lock of a dead pid.
  process.on("exit", release);
  return { path, release };
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): { holder: Holder; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return {
        text,
        holder: {
          pid: parsed.pid,
          host: parsed.host,
          startTicks: typeof parsed.startTicks === "string" ? parsed.startTicks : null,
          since: typeof parsed.since === "string" ? parsed.since : "an unknown time",
        },
      };
    }
  } catch {}
  // Unreadable content (a crash while writing it): no one can be proven to hold it.
  return { text, holder: { pid: 0, host: hostname(), startTicks: null, since: "unknown" } };
}

/**
 * Moves a stale lock aside. rename is atomic, so of two processes taking
 * over the same stale lock only one moves it; the other finds the content
 * changed (or the file gone) and leaves the newcomer's lock alone.
 */
function moveStale(path: string, staleText: string): boolean {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  }
  const moved = readFileSync(aside, "utf8");
  if (moved !== staleText) {
    renameSync(aside, path);
    return false;
  }
  unlinkSync(aside);
  return true;
}

function isAlive(holder: Holder): boolean {
  if (holder.pid <= 0) return false;
  if (holder.host !== hostname()) return true;
  // Our own pid, yet not held here: the lock of an earlier process that had this pid.
  if (holder.pid === process.pid) return false;
  const ticks = startTicksOf(holder.pid);
  if (ticks === undefined) return false; // no such process
  if (ticks !== null && holder.startTicks !== null) return ticks === holder.startTicks;
  return true;
}

/**
 * The start time of `pid` from /proc (field 22 of stat): a string, null where
 * /proc is not there (macOS), undefined when the process does not exist.
 */
function startTicksOf(pid: number): string | null | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses; count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    try {
      process.kill(pid, 0);
      return null;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM" ? null : undefined;
    }
  }
}

function describeSelf(): Holder {
  return {
    pid: process.pid,
    host: hostname(),
    startTicks: startTicksOf(process.pid) ?? null,
    since: new Date().toISOString(),
  };
}

function lockedError(dataDir: string, path: string, holder: Holder): StoreLockedError {
  return new StoreLockedError(
    `DATA_DIR ${dataDir} is in use by another hub (pid ${holder.pid} on ${holder.host}, since ${holder.since}); stop it or set another DATA_DIR, or delete ${path} if that process is gone`,
  );
}
