import type { JsMsg } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { createSettler } from "../../src/delivery/jetstream-settle.js";

/** A message that writes down how, and in which turn, it was settled. */
function message(seq: number, calls: string[], turn: () => number, fail = false): JsMsg {
  const note = (what: string) => {
    if (fail) throw new Error("connection closed");
    calls.push(`${seq}:${what}@${turn()}`);
  };
  return {
    seq,
    ack: () => note("ack"),
    term: () => note("term"),
    nak: (delay?: number) => note(delay === undefined ? "nak" : `nak(${delay})`),
  } as unknown as JsMsg;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("settling JetStream messages together", () => {
  it("settles nothing in the turn that queued it, then everything in one run, in order", async () => {
    const calls: string[] = [];
    let turn = 0;
    const settle = createSettler();
    const now = () => turn;
    settle.ack(message(1, calls, now));
    settle.nak(message(2, calls, now), 250);
    settle.term(message(3, calls, now));
    settle.nak(message(4, calls, now));
    expect(calls).toEqual([]);
    turn = 1;
    await nextTurn();
    expect(calls).toEqual(["1:ack@1", "2:nak(250)@1", "3:term@1", "4:nak@1"]);
  });

  it("settles at once on flush (before the connection drains)", () => {
    const calls: string[] = [];
    const settle = createSettler();
    settle.ack(message(7, calls, () => 0));
    settle.flush();
    expect(calls).toEqual(["7:ack@0"]);
  });

  it("does not let a message whose settling fails keep the others from theirs", async () => {
    const calls: string[] = [];
    const settle = createSettler();
    settle.ack(message(1, calls, () => 0, true));
    settle.ack(message(2, calls, () => 0));
    await nextTurn();
    expect(calls).toEqual(["2:ack@0"]);
  });

  it("starts a flush at once when very many wait, and still settles the rest after the turn", async () => {
    const calls: string[] = [];
    const settle = createSettler();
    for (let seq = 1; seq <= 5_000; seq++) settle.ack(message(seq, calls, () => 0));
    // The first 4,096 went when the queue reached its bound; the rest wait for the turn's end.
    expect(calls.length).toBe(4_096);
    await nextTurn();
    expect(calls.length).toBe(5_000);
    expect(new Set(calls).size).toBe(5_000);
  });
});
