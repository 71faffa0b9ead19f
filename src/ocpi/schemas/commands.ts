import { z } from "zod";
import { DisplayTextSchema, Int, List } from "./common.js";
import { CiString, DateTime, Url } from "./primitives.js";
import { TokenSchema } from "./tokens.js";

/** commands: CommandType enum, the last segment of the Receiver URL. */
export const CommandType = z.enum([
  "CANCEL_RESERVATION",
  "RESERVE_NOW",
  "START_SESSION",
  "STOP_SESSION",
  "UNLOCK_CONNECTOR",
]);
export type CommandType = z.infer<typeof CommandType>;

/** commands: CommandResponseType enum. */
export const CommandResponseType = z.enum([
  "NOT_SUPPORTED",
  "REJECTED",
  "ACCEPTED",
  "UNKNOWN_SESSION",
]);

/** commands: CommandResultType enum. */
export const CommandResultType = z.enum([
  "ACCEPTED",
  "CANCELED_RESERVATION",
  "EVSE_OCCUPIED",
  "EVSE_INOPERATIVE",
  "FAILED",
  "NOT_SUPPORTED",
  "REJECTED",
  "TIMEOUT",
  "UNKNOWN_RESERVATION",
]);

/** commands: CancelReservation object. */
export const CancelReservationSchema = z.looseObject({
  response_url: Url,
  reservation_id: CiString(36),
});
export type CancelReservation = z.infer<typeof CancelReservationSchema>;

/** commands: ReserveNow object. */
export const ReserveNowSchema = z.looseObject({
  response_url: Url,
  token: TokenSchema,
  expiry_date: DateTime,
  reservation_id: CiString(36),
  location_id: CiString(36),
  evse_uid: CiString(36).nullish(),
  authorization_reference: CiString(36).nullish(),
});
export type ReserveNow = z.infer<typeof ReserveNowSchema>;

/** commands: StartSession object. `evse_uid` is required when `connector_id` is set. */
export const StartSessionSchema = z
  .looseObject({
    response_url: Url,
    token: TokenSchema,
    location_id: CiString(36),
    evse_uid: CiString(36).nullish(),
    connector_id: CiString(36).nullish(),
    authorization_reference: CiString(36).nullish(),
  })
  .refine((start) => start.connector_id == null || start.evse_uid != null, {
    path: ["evse_uid"],
    message: "is required when connector_id is set",
  });
export type StartSession = z.infer<typeof StartSessionSchema>;

/** commands: StopSession object. */
export const StopSessionSchema = z.looseObject({
  response_url: Url,
  session_id: CiString(36),
});
export type StopSession = z.infer<typeof StopSessionSchema>;

/** commands: UnlockConnector object. */
export const UnlockConnectorSchema = z.looseObject({
  response_url: Url,
  location_id: CiString(36),
  evse_uid: CiString(36),
  connector_id: CiString(36),
});
export type UnlockConnector = z.infer<typeof UnlockConnectorSchema>;

/** commands: the request body schema of each command (Receiver POST `/{command}`). */
export const COMMAND_SCHEMAS: Record<CommandType, z.ZodType> = {
  CANCEL_RESERVATION: CancelReservationSchema,
  RESERVE_NOW: ReserveNowSchema,
  START_SESSION: StartSessionSchema,
  STOP_SESSION: StopSessionSchema,
  UNLOCK_CONNECTOR: UnlockConnectorSchema,
};

/** commands: CommandResponse object, the CPO's immediate answer. */
export const CommandResponseSchema = z.looseObject({
  result: CommandResponseType,
  timeout: Int,
  message: List(DisplayTextSchema),
});
export type CommandResponse = z.infer<typeof CommandResponseSchema>;

/** commands: CommandResult object, POSTed later to the `response_url`. */
export const CommandResultSchema = z.looseObject({
  result: CommandResultType,
  message: List(DisplayTextSchema),
});
export type CommandResult = z.infer<typeof CommandResultSchema>;
