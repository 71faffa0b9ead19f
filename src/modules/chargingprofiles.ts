import type { z } from "zod";
import {
  ActiveChargingProfileResultSchema,
  ActiveChargingProfileSchema,
  ChargingProfileResultSchema,
  ClearProfileResultSchema,
  SetChargingProfileSchema,
} from "../ocpi/schemas/charging-profiles.js";
import { type FunctionalModuleSpec, fixed } from "./module-spec.js";

/** The result schema of each kind of request (chargingprofiles: Sender interface). */
const RESULTS: Readonly<Record<string, z.ZodType>> = {
  GET: ActiveChargingProfileResultSchema,
  PUT: ChargingProfileResultSchema,
  DELETE: ClearProfileResultSchema,
};

/** mod_charging_profiles: a smart-charging party's profiles for a CPO's sessions. */
export const chargingprofiles: FunctionalModuleSpec = {
  kind: "functional",
  id: "chargingprofiles",
  roles: { SENDER: ["SCSP", "EMSP"], RECEIVER: ["CPO"] },
  operations: {
    RECEIVER: [
      { method: "GET", pattern: "/{session_id}", open: "session-cpo", responseUrl: "query" },
      {
        method: "PUT",
        pattern: "/{session_id}",
        body: fixed(SetChargingProfileSchema),
        open: "session-cpo",
        responseUrl: "body",
        answer: "profile-setter",
      },
      { method: "DELETE", pattern: "/{session_id}", open: "session-cpo", responseUrl: "query" },
    ],
    SENDER: [
      { method: "POST", pattern: "/{callback_id}", open: "none", local: "callback" },
      {
        method: "PUT",
        pattern: "/{session_id}",
        body: fixed(ActiveChargingProfileSchema),
        open: "profile-setter",
      },
    ],
  },
  callback: {
    purpose: (method) => method,
    result: (purpose) => RESULTS[purpose],
  },
};
