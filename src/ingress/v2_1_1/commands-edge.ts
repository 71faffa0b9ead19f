import { notFound } from "../../ocpi/errors.js";
import type { CommandResponse } from "../../ocpi/schemas/commands.js";
import { commandResponseTo211 } from "../../versions/v2_1_1/command-answers.js";
import { commandTo221 } from "../../versions/v2_1_1/commands.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import { COMMAND_211_SCHEMAS, CommandType211 } from "../../versions/v2_1_1/schemas/commands.js";
import type { Translated } from "../../versions/v2_1_1/translation.js";
import type { Edge211 } from "./edge.js";
import { read211 } from "./edge.js";

const isCommand211 = (value: string): value is CommandType211 =>
  (CommandType211.options as readonly string[]).includes(value);

/**
 * Commands: an eMSP's command goes to the CPO its content names (the
 * location's, or the session's for STOP_SESSION), its response_url kept
 * in the 2.2.1 body for routing to replace with the hub's callback; the
 * CPO's immediate CommandResponse goes back in 2.1.1's shape. A CPO has
 * nothing to call here: it posts a command's result to the response_url
 * the hub gave it, one callback URL for CPOs of either version
 * (callbacks.ts: receiveCallback reads a 2.1.1 CPO's result in 2.1.1's
 * shape).
 */
export const COMMANDS_EDGE: Edge211 = {
  absent: (op) =>
    op.local === "callback"
      ? "a CPO posts a command's result to the response_url the hub gave it"
      : undefined,
  checkParams({ command }) {
    if (command !== undefined && !isCommand211(command)) {
      throw notFound(
        `unknown command ${command}; OCPI 2.1.1 commands are ${CommandType211.options.join(", ")}`,
      );
    }
  },
  address: () => "open",
  async request(req, text) {
    if (text === undefined) return { body: undefined };
    const command = req.params.command as CommandType211;
    const body = read211(req, COMMAND_211_SCHEMAS[command], text, command);
    return { body: commandTo221(command, body as never, req.ctx) as Translated<Json> };
  },
  answer: () => (doc) => commandResponseTo211(doc as CommandResponse) as Translated<Json>,
  unknownReceiver({ params }, body) {
    if (params.command === "STOP_SESSION") {
      return `session_id: no session ${String(body?.session_id)} has been sent to you through the hub, so the hub cannot tell its CPO`;
    }
    return `location_id: no CPO has pushed location ${String(body?.location_id)} through the hub`;
  },
};
