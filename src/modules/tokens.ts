import { invalidParameters } from "../ocpi/errors.js";
import {
  LocationReferencesSchema,
  TokenPatchSchema,
  TokenSchema,
  TokenType,
} from "../ocpi/schemas/tokens.js";
import {
  type FunctionalModuleSpec,
  fixed,
  type OperationSpec,
  type OwnedObject,
  urlOwner,
} from "./module-spec.js";

const TOKEN = "/{country_code}/{party_id}/{token_uid}";
const byToken: OwnedObject = { idParam: "token_uid", idField: "uid", codes: true };

/** tokens: the `?type=` of a Receiver URL, RFID when absent (tokens: PUT Method parameters). */
export const tokenType = (query: string) => new URLSearchParams(query).get("type") ?? "RFID";

/**
 * `?type=` names a known type, and a body given must be a token of that
 * type: the type is part of a token's key, which a PUT repeats and a PATCH
 * cannot change.
 */
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

/** A PATCH that leaves the type out keeps it; one that names it (null too) must name the URL's. */
const carriesType = (body: unknown) =>
  typeof body === "object" && body !== null && Object.hasOwn(body, "type");

const receiver = (spec: Omit<OperationSpec, "pattern" | "check" | "open">): OperationSpec => ({
  ...spec,
  pattern: TOKEN,
  open: "none",
  check: ({ query, body }) =>
    checkType(query, spec.method === "PATCH" && !carriesType(body) ? undefined : body),
});

/** mod_tokens: an eMSP's tokens, broadcast to CPOs; real-time authorization routed to their eMSP. */
export const tokens: FunctionalModuleSpec = {
  kind: "functional",
  id: "tokens",
  roles: { SENDER: ["EMSP"], RECEIVER: ["CPO"] },
  operations: {
    RECEIVER: [
      receiver({ method: "GET", owned: byToken }),
      receiver({
        method: "PUT",
        body: fixed(TokenSchema),
        owned: byToken,
        hint: "token",
      }),
      receiver({
        method: "PATCH",
        body: fixed(TokenPatchSchema),
        owned: byToken,
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
