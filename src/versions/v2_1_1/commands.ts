import {
  type CommandResponse,
  CommandResponseSchema,
  type CommandResult,
  CommandResultSchema,
  type CommandType,
  type ReserveNow,
  ReserveNowSchema,
  type StartSession,
  StartSessionSchema,
  type StopSession,
  StopSessionSchema,
  type UnlockConnector,
  UnlockConnectorSchema,
} from "../../ocpi/schemas/commands.js";
import { lose, loseExtras, present, refuse, valueTo211, within } from "./fields.js";
import {
  type CommandResponse211,
  CommandResponse211Schema,
  type CommandResponseType211,
  type ReserveNow211,
  ReserveNow211Schema,
  type StartSession211,
  StartSession211Schema,
  type StopSession211,
  StopSession211Schema,
  type UnlockConnector211,
  UnlockConnector211Schema,
} from "./schemas/commands.js";
import { nestedTokenTo211, nestedTokenTo221 } from "./tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Commands and their answers between the versions
 * (docs/ocpi-2.1.1/commands.md). The response_url passes as it is: the
 * hub puts its own callback URL in place before forwarding, as for 2.2.1.
 */

/** A 2.2.1 StartSession as 2.1.1's (a 2.1.1 CPO chooses the connector itself). */
export function startSessionTo211(command: StartSession): Translated<StartSession211> {
  const token = nestedTokenTo211(command.token, "token");
  const losses: Loss[] = [...token.losses];
  loseExtras(command, StartSessionSchema.shape, losses);
  lose(losses, "connector_id", command.connector_id, "no 2.1.1 field");
  lose(losses, "authorization_reference", command.authorization_reference, "no 2.1.1 field");
  const value = present({
    response_url: command.response_url,
    token: token.value,
    location_id: command.location_id,
    evse_uid: command.evse_uid ?? undefined,
  });
  return { value, losses };
}

/** A 2.1.1 eMSP's StartSession as 2.2.1's: its token is the eMSP's (ctx.party). */
export function startSessionTo221(
  command: StartSession211,
  ctx: TranslationContext,
): Translated<StartSession> {
  const token = nestedTokenTo221(command.token, ctx, "token");
  const losses: Loss[] = [...token.losses];
  loseExtras(command, StartSession211Schema.shape, losses);
  const value = present({
    response_url: command.response_url,
    token: token.value,
    location_id: within(command.location_id, 36, "location_id"),
    evse_uid: command.evse_uid == null ? undefined : within(command.evse_uid, 36, "evse_uid"),
  });
  return { value, losses };
}

/**
 * A 2.2.1 ReserveNow as 2.1.1's, whose reservation_id is an int: an id
 * that is not an integer's plain decimal form is refused naming it.
 */
export function reserveNowTo211(command: ReserveNow): Translated<ReserveNow211> {
  const token = nestedTokenTo211(command.token, "token");
  const losses: Loss[] = [...token.losses];
  loseExtras(command, ReserveNowSchema.shape, losses);
  lose(losses, "authorization_reference", command.authorization_reference, "no 2.1.1 field");
  const reservationId = Number(command.reservation_id);
  if (!Number.isSafeInteger(reservationId) || String(reservationId) !== command.reservation_id)
    refuse(
      "reservation_id",
      `${JSON.stringify(command.reservation_id)} is not an integer, which 2.1.1 requires`,
    );
  const value = present({
    response_url: command.response_url,
    token: token.value,
    expiry_date: command.expiry_date,
    reservation_id: reservationId,
    location_id: command.location_id,
    evse_uid: command.evse_uid ?? undefined,
  });
  return { value, losses };
}

/** A 2.1.1 eMSP's ReserveNow as 2.2.1's: the int reservation_id as its decimal string. */
export function reserveNowTo221(
  command: ReserveNow211,
  ctx: TranslationContext,
): Translated<ReserveNow> {
  const token = nestedTokenTo221(command.token, ctx, "token");
  const losses: Loss[] = [...token.losses];
  loseExtras(command, ReserveNow211Schema.shape, losses);
  const value = present({
    response_url: command.response_url,
    token: token.value,
    expiry_date: command.expiry_date,
    reservation_id: within(String(command.reservation_id), 36, "reservation_id"),
    location_id: within(command.location_id, 36, "location_id"),
    evse_uid: command.evse_uid == null ? undefined : within(command.evse_uid, 36, "evse_uid"),
  });
  return { value, losses };
}

/** StopSession is the same object in both versions. */
export function stopSessionTo211(command: StopSession): Translated<StopSession211> {
  const losses: Loss[] = [];
  loseExtras(command, StopSessionSchema.shape, losses);
  return { value: { response_url: command.response_url, session_id: command.session_id }, losses };
}

/** StopSession is the same object in both versions. */
export function stopSessionTo221(command: StopSession211): Translated<StopSession> {
  const losses: Loss[] = [];
  loseExtras(command, StopSession211Schema.shape, losses);
  return { value: { response_url: command.response_url, session_id: command.session_id }, losses };
}

/** UnlockConnector is the same object in both versions. */
export function unlockConnectorTo211(command: UnlockConnector): Translated<UnlockConnector211> {
  const losses: Loss[] = [];
  loseExtras(command, UnlockConnectorSchema.shape, losses);
  const { response_url, location_id, evse_uid, connector_id } = command;
  return { value: { response_url, location_id, evse_uid, connector_id }, losses };
}

/** UnlockConnector is the same object, 2.1.1's ids may be longer. */
export function unlockConnectorTo221(command: UnlockConnector211): Translated<UnlockConnector> {
  const losses: Loss[] = [];
  loseExtras(command, UnlockConnector211Schema.shape, losses);
  const value = {
    response_url: command.response_url,
    location_id: within(command.location_id, 36, "location_id"),
    evse_uid: within(command.evse_uid, 36, "evse_uid"),
    connector_id: command.connector_id,
  };
  return { value, losses };
}

/**
 * A 2.2.1 command body for a 2.1.1 CPO. CANCEL_RESERVATION has no 2.1.1
 * equivalent (2.1.1 replaces a reservation, it cannot cancel one): refused
 * naming the command.
 */
export function commandTo211(command: CommandType, body: unknown): Translated<object> {
  switch (command) {
    case "START_SESSION":
      return startSessionTo211(body as StartSession);
    case "STOP_SESSION":
      return stopSessionTo211(body as StopSession);
    case "RESERVE_NOW":
      return reserveNowTo211(body as ReserveNow);
    case "UNLOCK_CONNECTOR":
      return unlockConnectorTo211(body as UnlockConnector);
    case "CANCEL_RESERVATION":
      return refuse("command", "CANCEL_RESERVATION has no OCPI 2.1.1 equivalent");
  }
}

/**
 * A 2.1.1 CPO's immediate CommandResponse as 2.2.1's. 2.2.1 requires a
 * timeout (seconds the eMSP waits for the result), which 2.1.1 has no
 * field for: `timeoutSeconds` is how long the hub waits for the 2.1.1
 * CPO's result. TIMEOUT is no 2.2.1 CommandResponseType: REJECTED.
 */
export function commandResponseTo221(
  response: CommandResponse211,
  timeoutSeconds: number,
): Translated<CommandResponse> {
  const losses: Loss[] = [];
  loseExtras(response, CommandResponse211Schema.shape, losses);
  let result = response.result;
  if (result === "TIMEOUT") {
    losses.push({
      field: "result",
      reason: "value TIMEOUT not in 2.2.1 CommandResponseType; sent as REJECTED",
    });
    result = "REJECTED";
  }
  return { value: { result, timeout: timeoutSeconds }, losses };
}

/** A 2.2.1 CommandResponse as 2.1.1's: timeout and message have no 2.1.1 field. */
export function commandResponseTo211(response: CommandResponse): Translated<CommandResponse211> {
  const losses: Loss[] = [];
  loseExtras(response, CommandResponseSchema.shape, losses);
  lose(losses, "timeout", response.timeout, "no 2.1.1 field");
  lose(losses, "message", response.message, "no 2.1.1 field");
  return { value: { result: response.result }, losses };
}

/** 2.1.1 result values 2.2.1's CommandResultType lacks. */
const RESULT_221: Partial<Record<CommandResponseType211, CommandResult["result"]>> = {
  UNKNOWN_SESSION: "REJECTED",
};

/**
 * A 2.1.1 CPO's asynchronous result (a CommandResponse POSTed to the
 * response_url) as a 2.2.1 CommandResult.
 */
export function commandResultTo221(response: CommandResponse211): Translated<CommandResult> {
  const losses: Loss[] = [];
  loseExtras(response, CommandResponse211Schema.shape, losses);
  const substitute = RESULT_221[response.result];
  if (substitute !== undefined)
    losses.push({
      field: "result",
      reason: `value ${response.result} not in 2.2.1 CommandResultType; sent as ${substitute}`,
    });
  const result = substitute ?? (response.result as CommandResult["result"]);
  return { value: { result }, losses };
}

/** 2.2.1 result values 2.1.1 lacks: each is a failure of the command, REJECTED in 2.1.1. */
const RESULT_211: Partial<Record<string, CommandResponseType211>> = {
  CANCELED_RESERVATION: "REJECTED",
  EVSE_OCCUPIED: "REJECTED",
  EVSE_INOPERATIVE: "REJECTED",
  FAILED: "REJECTED",
  UNKNOWN_RESERVATION: "REJECTED",
};

/** A 2.2.1 CommandResult as the 2.1.1 CommandResponse a 2.1.1 eMSP's response_url expects. */
export function commandResultTo211(result: CommandResult): Translated<CommandResponse211> {
  const losses: Loss[] = [];
  loseExtras(result, CommandResultSchema.shape, losses);
  lose(losses, "message", result.message, "no 2.1.1 field");
  const value = { result: valueTo211(result.result, RESULT_211, "result", losses) };
  return { value, losses };
}
