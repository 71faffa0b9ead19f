import {
  ChargingPreferencesSchema,
  SessionPatchSchema,
  SessionSchema,
} from "../ocpi/schemas/sessions.js";
import { type FunctionalModuleSpec, fixed, type OwnedObject } from "./module-spec.js";

const SESSION = "/{country_code}/{party_id}/{session_id}";
const bySession: OwnedObject = { idParam: "session_id", idField: "id", codes: true };

/** mod_sessions: a CPO's sessions, each for the eMSP of its token; never broadcast. */
export const sessions: FunctionalModuleSpec = {
  kind: "functional",
  id: "sessions",
  roles: { SENDER: ["CPO"], RECEIVER: ["EMSP", "SCSP"] },
  operations: {
    RECEIVER: [
      {
        method: "GET",
        pattern: SESSION,
        owned: bySession,
        open: "session-owner",
      },
      {
        method: "PUT",
        pattern: SESSION,
        body: fixed(SessionSchema),
        owned: bySession,
        open: "cdr-token",
        hint: "session",
      },
      {
        method: "PATCH",
        pattern: SESSION,
        body: fixed(SessionPatchSchema),
        owned: bySession,
        open: "session-owner",
        hint: "session",
      },
    ],
    SENDER: [
      { method: "GET", pattern: "", paginated: true, requiresDateFrom: true, open: "none" },
      {
        method: "PUT",
        pattern: "/{session_id}/charging_preferences",
        body: fixed(ChargingPreferencesSchema),
        open: "session-cpo",
      },
    ],
  },
  pushToHub: "route",
};
