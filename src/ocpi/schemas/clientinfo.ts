import { z } from "zod";
import { CountryCode, DateTime, PartyId, Role } from "./primitives.js";

/** hubclientinfo: ConnectionStatus enum. */
export const ConnectionStatus = z.enum(["CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"]);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** hubclientinfo: ClientInfo object. */
export const ClientInfoSchema = z.object({
  party_id: PartyId,
  country_code: CountryCode,
  role: Role,
  status: ConnectionStatus,
  last_updated: DateTime,
});
export type ClientInfo = z.infer<typeof ClientInfoSchema>;
