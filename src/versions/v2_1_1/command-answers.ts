import type {
  CommandResponse,
  CommandResult,
  CommandResultType,
} from "../../ocpi/schemas/commands.js";
import { lose, substitute } from "./mapping.js";
import type { CommandResponse211, CommandResponseType211 } from "./schemas/commands.js";
import type { Loss, Translated } from "./translation.js";

/**
 * The answers to commands, OCPI 2.1.1 ⇄ 2.2.1 (docs/ocpi-2.1.1/commands.md).
 * 2.1.1 uses one object, CommandResponse { result }, both for the CPO's
 * immediate answer and for the result POSTed to the response_url later;
 * 2.2.1 has CommandResponse { result, timeout, message } and CommandResult
 * { result, message }. Fields neither version defines pass unchanged.
 */

type ResultType = (typeof CommandResultType.options)[number];

/** The 2.1.1 answer value 2.2.1's CommandResponseType lacks: the CPO could not reach the charger. */
const RESPONSE_221: Partial<Record<string, CommandResponse["result"]>> = { TIMEOUT: "REJECTED" };

/** The 2.1.1 result value 2.2.1's CommandResultType lacks. */
const RESULT_221: Partial<Record<string, ResultType>> = { UNKNOWN_SESSION: "REJECTED" };

/** 2.2.1 result values 2.1.1 lacks: each a failure of the command, REJECTED in 2.1.1. */
const RESULT_211: Partial<Record<string, CommandResponseType211>> = {
  CANCELED_RESERVATION: "REJECTED",
  EVSE_OCCUPIED: "REJECTED",
  EVSE_INOPERATIVE: "REJECTED",
  FAILED: "REJECTED",
  UNKNOWN_RESERVATION: "REJECTED",
};

/**
 * A 2.1.1 CPO's immediate CommandResponse as 2.2.1's. 2.2.1 requires a
 * timeout (the seconds the eMSP waits for the result) that 2.1.1 has no
 * field for: `timeoutSeconds`, how long the hub waits for the 2.1.1 CPO's
 * result.
 */
export function commandResponseTo221(
  response: CommandResponse211,
  timeoutSeconds: number,
): Translated<CommandResponse> {
  const losses: Loss[] = [];
  const result = substitute(response.result, RESPONSE_221, "result", "2.2.1", losses);
  return { value: { ...response, result, timeout: timeoutSeconds }, losses };
}

/** A 2.2.1 CommandResponse as 2.1.1's: timeout and message have no 2.1.1 field. */
export function commandResponseTo211(response: CommandResponse): Translated<CommandResponse211> {
  const losses: Loss[] = [];
  const { timeout, message, ...rest } = response;
  lose(losses, "timeout", timeout, "no OCPI 2.1.1 equivalent");
  lose(losses, "message", message, "no OCPI 2.1.1 equivalent");
  return { value: rest, losses };
}

/** A 2.1.1 CPO's asynchronous result (a CommandResponse POSTed to the response_url) as a 2.2.1 CommandResult. */
export function commandResultTo221(response: CommandResponse211): Translated<CommandResult> {
  const losses: Loss[] = [];
  const result = substitute(response.result, RESULT_221, "result", "2.2.1", losses);
  return { value: { ...response, result }, losses };
}

/** A 2.2.1 CommandResult as the 2.1.1 CommandResponse a 2.1.1 eMSP's response_url expects. */
export function commandResultTo211(result: CommandResult): Translated<CommandResponse211> {
  const losses: Loss[] = [];
  const { message, ...rest } = result;
  lose(losses, "message", message, "no OCPI 2.1.1 equivalent");
  const value = substitute(result.result, RESULT_211, "result", "2.1.1", losses);
  return { value: { ...rest, result: value }, losses };
}
