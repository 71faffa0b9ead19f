import { z } from "zod";
import { Int } from "../../../ocpi/schemas/common.js";
import { CiString, DateTime, Url } from "../../../ocpi/schemas/primitives.js";
import { Token211Schema } from "./tokens.js";

/** 2.1.1 mod_commands: CommandType enum (no CANCEL_RESERVATION in 2.1.1). */
export const CommandType211 = z.enum([
  "RESERVE_NOW",
  "START_SESSION",
  "STOP_SESSION",
  "UNLOCK_CONNECTOR",
]);
export type CommandType211 = z.infer<typeof CommandType211>;

/**
 * 2.1.1 mod_commands: CommandResponseType enum — both the CPO's immediate
 * answer and the result it POSTs to the response_url later.
 */
export const CommandResponseType211 = z.enum([
  "NOT_SUPPORTED",
  "REJECTED",
  "ACCEPTED",
  "TIMEOUT",
  "UNKNOWN_SESSION",
]);
export type CommandResponseType211 = z.infer<typeof CommandResponseType211>;

/**
 * 2.1.1 mod_commands: CommandResponse object. 2.1.1 uses it twice: as the
 * answer to the command request and as the body of the asynchronous
 * result; 2.2.1 splits these into CommandResponse and CommandResult.
 */
export const CommandResponse211Schema = z.looseObject({ result: CommandResponseType211 });
export type CommandResponse211 = z.infer<typeof CommandResponse211Schema>;

/** 2.1.1 mod_commands: ReserveNow object (`reservation_id` is an int in 2.1.1). */
export const ReserveNow211Schema = z.looseObject({
  response_url: Url,
  token: Token211Schema,
  expiry_date: DateTime,
  reservation_id: Int,
  location_id: CiString(39),
  evse_uid: CiString(39).nullish(),
});
export type ReserveNow211 = z.infer<typeof ReserveNow211Schema>;

/** 2.1.1 mod_commands: StartSession object (no connector_id in 2.1.1). */
export const StartSession211Schema = z.looseObject({
  response_url: Url,
  token: Token211Schema,
  location_id: CiString(39),
  evse_uid: CiString(39).nullish(),
});
export type StartSession211 = z.infer<typeof StartSession211Schema>;

/** 2.1.1 mod_commands: StopSession object. */
export const StopSession211Schema = z.looseObject({
  response_url: Url,
  session_id: CiString(36),
});
export type StopSession211 = z.infer<typeof StopSession211Schema>;

/** 2.1.1 mod_commands: UnlockConnector object. */
export const UnlockConnector211Schema = z.looseObject({
  response_url: Url,
  location_id: CiString(39),
  evse_uid: CiString(39),
  connector_id: CiString(36),
});
export type UnlockConnector211 = z.infer<typeof UnlockConnector211Schema>;

/** 2.1.1 mod_commands: the request body schema of each command (POST `/{command}`). */
export const COMMAND_211_SCHEMAS: Record<CommandType211, z.ZodType> = {
  RESERVE_NOW: ReserveNow211Schema,
  START_SESSION: StartSession211Schema,
  STOP_SESSION: StopSession211Schema,
  UNLOCK_CONNECTOR: UnlockConnector211Schema,
};
