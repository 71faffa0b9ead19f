import type {
  CancelReservation,
  CommandType,
  ReserveNow,
  StartSession,
  StopSession,
  UnlockConnector,
} from "../../ocpi/schemas/commands.js";
import { defined, lose, refusal, within } from "./mapping.js";
import type {
  CommandType211,
  ReserveNow211,
  StartSession211,
  StopSession211,
  UnlockConnector211,
} from "./schemas/commands.js";
import { nestedTokenTo211, tokenTo221 } from "./tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Command requests, OCPI 2.1.1 ⇄ 2.2.1, as docs/ocpi-2.1.1/commands.md
 * lists field by field (their answers: command-answers.ts). Fields the
 * objects share, and fields neither version defines, pass unchanged; the
 * response_url too: the hub puts its own callback URL in place before
 * forwarding, for either version.
 */

const TO_221 = "command for OCPI 2.2.1";
const TO_211 = "command for OCPI 2.1.1";

/** The 2.2.1 id limit; 2.1.1's location_id and evse_uid may be three characters longer. */
const MAX_ID_221 = 36;

/** A 2.1.1 eMSP's token as 2.2.1's: the eMSP is the 2.1.1 platform's party (ctx.party). */
const tokenOf = (command: { token: StartSession211["token"] }, ctx: TranslationContext) =>
  tokenTo221(command.token, ctx).value;

/** location_id and evse_uid of a 2.1.1 command, refused when longer than 2.2.1 allows. */
function idsTo221(command: { location_id: string; evse_uid?: string | null }) {
  const { location_id, evse_uid } = command;
  return {
    location_id: within(location_id, MAX_ID_221, TO_221, "location_id"),
    evse_uid: evse_uid == null ? evse_uid : within(evse_uid, MAX_ID_221, TO_221, "evse_uid"),
  };
}

/** A 2.2.1 StartSession as 2.1.1's (a 2.1.1 CPO chooses the connector itself). */
export function startSessionTo211(command: StartSession): Translated<StartSession211> {
  const { token, connector_id, authorization_reference, ...rest } = command;
  const translated = nestedTokenTo211(token, "token");
  const losses: Loss[] = [...translated.losses];
  lose(losses, "connector_id", connector_id, "no OCPI 2.1.1 equivalent");
  lose(losses, "authorization_reference", authorization_reference, "no OCPI 2.1.1 equivalent");
  return { value: defined({ ...rest, token: translated.value }), losses };
}

/** A 2.1.1 eMSP's StartSession as 2.2.1's. */
export function startSessionTo221(
  command: StartSession211,
  ctx: TranslationContext,
): Translated<StartSession> {
  const value = defined({ ...command, token: tokenOf(command, ctx), ...idsTo221(command) });
  return { value, losses: [] };
}

/**
 * A 2.2.1 ReserveNow as 2.1.1's, whose reservation_id is an int: an id
 * that is not an integer's plain decimal form ("12", not "012" or "R-12")
 * is refused naming it.
 */
export function reserveNowTo211(command: ReserveNow): Translated<ReserveNow211> {
  const { token, authorization_reference, reservation_id, ...rest } = command;
  const translated = nestedTokenTo211(token, "token");
  const losses: Loss[] = [...translated.losses];
  lose(losses, "authorization_reference", authorization_reference, "no OCPI 2.1.1 equivalent");
  const id = Number(reservation_id);
  if (!Number.isSafeInteger(id) || String(id) !== reservation_id)
    throw refusal(
      TO_211,
      "reservation_id",
      `${JSON.stringify(reservation_id)} is not the int OCPI 2.1.1 requires`,
    );
  return { value: defined({ ...rest, token: translated.value, reservation_id: id }), losses };
}

/** A 2.1.1 eMSP's ReserveNow as 2.2.1's: the int reservation_id as its decimal string. */
export function reserveNowTo221(
  command: ReserveNow211,
  ctx: TranslationContext,
): Translated<ReserveNow> {
  const reservationId = within(
    String(command.reservation_id),
    MAX_ID_221,
    TO_221,
    "reservation_id",
  );
  const value = defined({
    ...command,
    token: tokenOf(command, ctx),
    reservation_id: reservationId,
    ...idsTo221(command),
  });
  return { value, losses: [] };
}

/** StopSession is the same object in both versions. */
export function stopSessionTo211(command: StopSession): Translated<StopSession211> {
  return { value: { ...command }, losses: [] };
}

/** StopSession is the same object in both versions. */
export function stopSessionTo221(command: StopSession211): Translated<StopSession> {
  return { value: { ...command }, losses: [] };
}

/** UnlockConnector is the same object in both versions. */
export function unlockConnectorTo211(command: UnlockConnector): Translated<UnlockConnector211> {
  return { value: { ...command }, losses: [] };
}

/** UnlockConnector is the same object; 2.1.1's ids may be longer than 2.2.1 allows. */
export function unlockConnectorTo221(command: UnlockConnector211): Translated<UnlockConnector> {
  const evse_uid = within(command.evse_uid, MAX_ID_221, TO_221, "evse_uid");
  return { value: { ...command, ...idsTo221(command), evse_uid }, losses: [] };
}

/**
 * A 2.2.1 command body for a 2.1.1 CPO. CANCEL_RESERVATION has no 2.1.1
 * equivalent (2.1.1 can replace a reservation, not cancel one): refused
 * naming the command.
 */
export function commandTo211(
  command: CommandType,
  body: StartSession | StopSession | ReserveNow | UnlockConnector | CancelReservation,
): Translated<StartSession211 | StopSession211 | ReserveNow211 | UnlockConnector211> {
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
      throw refusal(TO_211, "command", "CANCEL_RESERVATION has no OCPI 2.1.1 equivalent");
  }
}

/** A valid 2.1.1 eMSP's command body as 2.2.1's; every 2.1.1 command has a 2.2.1 one. */
export function commandTo221(
  command: CommandType211,
  body: StartSession211 | StopSession211 | ReserveNow211 | UnlockConnector211,
  ctx: TranslationContext,
): Translated<StartSession | StopSession | ReserveNow | UnlockConnector> {
  switch (command) {
    case "START_SESSION":
      return startSessionTo221(body as StartSession211, ctx);
    case "STOP_SESSION":
      return stopSessionTo221(body as StopSession211);
    case "RESERVE_NOW":
      return reserveNowTo221(body as ReserveNow211, ctx);
    case "UNLOCK_CONNECTOR":
      return unlockConnectorTo221(body as UnlockConnector211);
  }
}
