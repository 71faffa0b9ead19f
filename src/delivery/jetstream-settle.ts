import type { JsMsg } from "@nats-io/jetstream";

/**
 * Settles JetStream messages (ack, nak, term) together instead of one by one.
 *
 * A delivery ends in the callback of its recipient's HTTP answer, each in a
 * turn of the event loop of its own. The NATS client writes what one turn
 * queued in one socket write, so acknowledged at once, every delivery would
 * cost a write of its own, and the server a read and a wake-up of its own:
 * 100 of each per push to 100 recipients. Queued here and settled after the
 * turn's I/O callbacks (setImmediate), the acknowledgements of all the
 * deliveries that ended in one turn leave in one write. They wait less than
 * a turn: nothing a recipient sees changes, and an instance that dies
 * before the write is like one that died before the acknowledgement (the
 * message is handed out again after ack_wait).
 */
export interface Settler {
  ack(m: JsMsg): void;
  /** Handed out again after `delayMs` (at once when not given). */
  nak(m: JsMsg, delayMs?: number): void;
  /** Never handed out again. */
  term(m: JsMsg): void;
  /** Settles what is queued now: before the connection drains. */
  flush(): void;
}

/** Queued settlements past which a flush starts at once rather than at the end of the turn. */
const MAX_QUEUED = 4_096;

const ACK = -1;
const TERM = -2;
const NAK = -3;

export function createSettler(): Settler {
  let messages: JsMsg[] = [];
  // Per message: ACK, TERM, NAK, or a nak's delay in ms (≥ 0).
  let ops: number[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (messages.length === 0) return;
    const ms = messages;
    const os = ops;
    messages = [];
    ops = [];
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i] as JsMsg;
      const op = os[i] as number;
      try {
        if (op === ACK) m.ack();
        else if (op === TERM) m.term();
        else if (op === NAK) m.nak();
        else m.nak(op);
      } catch {
        // The connection closed: the server hands the message out again after ack_wait.
      }
    }
  }

  function queue(m: JsMsg, op: number): void {
    messages.push(m);
    ops.push(op);
    if (messages.length >= MAX_QUEUED) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    ack: (m) => queue(m, ACK),
    nak: (m, delayMs) => queue(m, delayMs === undefined ? NAK : Math.max(0, delayMs)),
    term: (m) => queue(m, TERM),
    flush,
  };
}
