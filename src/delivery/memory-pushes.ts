import {
  type Addressing,
  collapse,
  type Delivery,
  deliveryOf,
  type Push,
  type QueuedDelivery,
  sendsCurrentCopy,
} from "./queue.js";

/** What a logged push is reckoned to take besides its path, query and body. */
const PUSH_OVERHEAD = 256;

/**
 * The broadcast pushes of a hub without NATS: each written once, in one
 * log, and read by each recipient's cursor, as the JetStream push stream
 * and its consumers are. A push leaves the log once every cursor is past
 * it and has settled it.
 */
export interface PushLog {
  /** The pushes still held, oldest first; entries[i] has sequence base + i. */
  entries: (LoggedPush | undefined)[];
  base: number;
  /** The sequence of the newest push (0 before the first). */
  last: number;
  bytes: number;
  cursors: Map<string, Cursor>;
}

interface LoggedPush {
  seq: number;
  push: Push;
  size: number;
}

/** A recipient's place in the log and the pushes handed to it and not settled yet. */
export interface Cursor {
  /** The sequence of the next push to read. */
  next: number;
  /** Handed out (or to be handed out again) and not settled, by sequence. */
  unsettled: Map<number, Unsettled>;
  /** Those of `unsettled` to be handed out again (a retry, or a consumer that stopped). */
  again: Map<number, Unsettled>;
  addressed?: Addressing;
}

interface Unsettled {
  push: Push;
  delivery: Delivery;
  attempts: number;
  notBefore: number;
  handedOut: boolean;
}

export const newPushLog = (): PushLog => ({
  entries: [],
  base: 1,
  last: 0,
  bytes: 0,
  cursors: new Map(),
});

/** A recipient's cursor, made at the log's end when it has none: it reads the pushes written from now on. */
export function cursorOf(log: PushLog, recipient: string): Cursor {
  let c = log.cursors.get(recipient);
  if (c === undefined) {
    c = { next: log.last + 1, unsettled: new Map(), again: new Map() };
    log.cursors.set(recipient, c);
  }
  return c;
}

/** Appends a push; returns its sequence. */
export function append(log: PushLog, push: Push): number {
  const seq = ++log.last;
  const size = PUSH_OVERHEAD + push.path.length + push.query.length + (push.body?.length ?? 0);
  log.entries.push({ seq, push, size });
  log.bytes += size;
  return seq;
}

/**
 * Hands out what is due for the cursor's recipient: pushes waiting out a
 * retry delay first, then the next ones of the log, while `room()` says
 * there is room. Pushes not addressed to the recipient are passed by.
 * Returns when the earliest retry is due (epoch ms), if one waits.
 */
export function handOut(
  log: PushLog,
  recipient: string,
  cursor: Cursor,
  room: () => boolean,
  give: (q: QueuedDelivery) => void,
  now: number,
): number | undefined {
  let due: number | undefined;
  for (const [seq, u] of cursor.again) {
    if (!room()) return due;
    if (u.notBefore > now) {
      due = due === undefined ? u.notBefore : Math.min(due, u.notBefore);
      continue;
    }
    cursor.again.delete(seq);
    u.handedOut = true;
    give(queued(cursor, seq, u));
  }
  while (cursor.next <= log.last && room()) {
    const seq = cursor.next++;
    const entry = log.entries[seq - log.base];
    if (entry === undefined) continue;
    const to = cursor.addressed?.(entry.push);
    if (to === undefined) continue;
    const u: Unsettled = {
      push: entry.push,
      delivery: deliveryOf(entry.push, recipient, to),
      attempts: 0,
      notBefore: 0,
      handedOut: true,
    };
    cursor.unsettled.set(seq, u);
    give(queued(cursor, seq, u));
  }
  return due;
}

function queued(cursor: Cursor, seq: number, u: Unsettled): QueuedDelivery {
  const done = () => {
    if (cursor.unsettled.get(seq) !== u) return;
    cursor.unsettled.delete(seq);
    cursor.again.delete(seq);
  };
  return {
    delivery: u.delivery,
    source: "push",
    seq,
    attempts: u.attempts,
    ack: done,
    drop: done,
    retry: (delayMs) => {
      if (cursor.unsettled.get(seq) !== u) return;
      u.handedOut = false;
      u.attempts++;
      u.notBefore = Date.now() + Math.max(0, delayMs);
      cursor.again.set(seq, u);
    },
  };
}

/** Everything handed out and not settled is to be handed out again (its consumer stopped). */
export function handBack(cursor: Cursor): void {
  for (const [seq, u] of cursor.unsettled) {
    if (!u.handedOut) continue;
    u.handedOut = false;
    u.notBefore = 0;
    cursor.again.set(seq, u);
  }
}

/** A cursor's backlog: pushes not read yet (addressed to it or not) and those handed out. */
export function pushBacklog(log: PushLog, cursor: Cursor | undefined) {
  if (cursor === undefined) return { pending: 0, inFlight: 0, oldest: undefined };
  let inFlight = 0;
  let waiting = 0;
  let oldest: number | undefined;
  for (const u of cursor.unsettled.values()) {
    if (u.handedOut) inFlight++;
    else waiting++;
    oldest = oldest === undefined ? u.push.acceptedAt : Math.min(oldest, u.push.acceptedAt);
  }
  const next = log.entries[cursor.next - log.base];
  if (next !== undefined) {
    oldest = oldest === undefined ? next.push.acceptedAt : Math.min(oldest, next.push.acceptedAt);
  }
  return { pending: log.last - cursor.next + 1 + waiting, inFlight, oldest };
}

/**
 * Drops the pushes every cursor is done with, and, past `maxBytes`, the
 * oldest ones even so: a cursor still behind them is moved on, and the
 * pushes it skips that the hub can make good from its cache are handed to
 * `current` as deliveries of the hub's current copy (collapse()); the
 * others to `shed`.
 */
export function trim(
  log: PushLog,
  maxBytes: number,
  current: (d: Delivery) => void,
  shed: (d: Delivery) => void,
): void {
  let floor = log.last + 1;
  for (const c of log.cursors.values()) {
    floor = Math.min(floor, c.next);
    // Handed out in sequence order, so the first is the oldest.
    const oldest = c.unsettled.keys().next().value;
    if (oldest !== undefined) floor = Math.min(floor, oldest);
  }
  let drop = 0;
  while (drop < log.entries.length && log.base + drop < floor) {
    log.bytes -= log.entries[drop]?.size ?? 0;
    drop++;
  }
  const lowWater = Math.floor((maxBytes * 3) / 4);
  if (log.bytes > maxBytes) {
    while (drop < log.entries.length && log.bytes > lowWater) {
      const entry = log.entries[drop];
      drop++;
      if (entry === undefined) continue;
      log.bytes -= entry.size;
      for (const [recipient, c] of log.cursors) {
        if (c.next > entry.seq) continue;
        const to = c.addressed?.(entry.push);
        if (to === undefined) continue;
        const d = deliveryOf(entry.push, recipient, to);
        const made = sendsCurrentCopy(d.module) ? collapse(d, d) : d;
        if (made.current !== undefined) current(made);
        else shed(d);
      }
      for (const c of log.cursors.values()) c.next = Math.max(c.next, entry.seq + 1);
    }
  }
  if (drop > 0) {
    log.entries.splice(0, drop);
    log.base += drop;
  }
}
