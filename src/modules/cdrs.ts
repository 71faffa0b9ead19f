import { CdrSchema } from "../ocpi/schemas/cdrs.js";
import { type FunctionalModuleSpec, fixed } from "./module-spec.js";

/** mod_cdrs: a CPO's CDRs, each for the eMSP of its token; never broadcast. */
export const cdrs: FunctionalModuleSpec = {
  kind: "functional",
  id: "cdrs",
  roles: { SENDER: ["CPO"], RECEIVER: ["EMSP"] },
  operations: {
    RECEIVER: [
      {
        method: "POST",
        pattern: "",
        body: fixed(CdrSchema),
        open: "cdr-token",
        answer: "cdr-location",
      },
      { method: "GET", pattern: "/{cdr_link}", open: "none", local: "cdr-link" },
    ],
    SENDER: [{ method: "GET", pattern: "", paginated: true, open: "none" }],
  },
  pushToHub: "route",
};
