import { invalidParameters } from "../ocpi/errors.js";
import {
  LocationReferencesSchema,
  TokenPatchSchema,
  TokenSchema,
  TokenType,
} from "../ocpi/schemas/tokens.js";
import { type FunctionalModuleSpec, fixed, type OperationSpec, urlOwner } from "./module-spec.js";

const TOKEN = "/{country_code}/{party_id}/{token_uid}";

/** tokens: the `?type=` of a Receiver URL, RFID when absent (tokens: PUT Method parameters). */
export const tokenType = (query: string) => new URLSearchParams(query).get("type") ?? "RFID";

/** `?type=` names a known type, and a PUT's body must be a token of that type. */
function checkType(query: string, body?: unknown): void {
  const type = tokenType(query);
  if (!TokenType.safeParse(type).success) {
    throw invalidParameters(`type must be one of ${TokenType.options.join(", ")}, got "${type}"`);
  }
  if (body !== undefined && (body as { type?: unknown }).type !== type) {
    throw invalidParameters(
      `type of the body (${String((body as { type?: unknown }).type)}) differs from the URL's type (${type})`,
    );
  }
}

const receiver = (spec: Omit<OperationSpec, "pattern" | "check" | "open">): OperationSpec => ({
  ...spec,
  pattern: TOKEN,
  open: "none",
  check:
    spec.method === "PUT"
      ? ({ query, body }) => checkType(query, body)
      : ({ query }) => checkType(query),
});

/** mod_tokens: an eMSP's tokens, broadcast to CPOs; real-time authorization routed to their eMSP. */
export const tokens: FunctionalModuleSpec = {
  kind: "functional",
  id: "tokens",
  roles: { SENDER: ["EMSP"], RECEIVER: ["CPO"] },
  operations: {
    RECEIVER: [
      receiver({ method: "GET", owned: { idParam: "token_uid", idField: "uid", codes: true } }),
      receiver({
        method: "PUT",
        body: fixed(TokenSchema),
        owned: { idParam: "token_uid", idField: "uid", codes: true },
        hint: "token",
      }),
      receiver({
        method: "PATCH",
        body: fixed(TokenPatchSchema),
        owned: { idParam: "token_uid", idField: "", codes: false },
        hint: "token-patch",
      }),
    ],
    SENDER: [
      { method: "GET", pattern: "", paginated: true, open: "none" },
      {
        method: "POST",
        pattern: "/{token_uid}/authorize",
        body: fixed(LocationReferencesSchema),
        bodyOptional: true,
        open: "token-owner",
        // Real-time authorization: the first eMSP that allows the token decides.
        inTurn: (data) => (data as { allowed?: unknown } | undefined)?.allowed === "ALLOWED",
      },
    ],
  },
  broadcast: {
    methods: ["PUT", "PATCH"],
    recipients: ["CPO"],
    object: (params, query) => ({
      owner: urlOwner(params),
      id: params.token_uid ?? "",
      type: tokenType(query),
    }),
  },
  // The last state of every token eMSPs push, for CPOs' GET All via Hubs and their catch-up.
  cache: {
    idParam: "token_uid",
    noun: "token",
    unknown: "not-found",
    writes: ["PUT", "PATCH"],
    schema: TokenSchema,
    patchesUncached: true,
  },
};
