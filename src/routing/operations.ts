import type { z } from "zod";
import { CdrSchema } from "../ocpi/schemas/cdrs.js";
import {
  ActiveChargingProfileSchema,
  SetChargingProfileSchema,
} from "../ocpi/schemas/charging-profiles.js";
import { COMMAND_SCHEMAS, CommandType } from "../ocpi/schemas/commands.js";
import {
  ConnectorPatchSchema,
  ConnectorSchema,
  EvsePatchSchema,
  EvseSchema,
  LocationPatchSchema,
  LocationSchema,
} from "../ocpi/schemas/locations.js";
import {
  ChargingPreferencesSchema,
  SessionPatchSchema,
  SessionSchema,
} from "../ocpi/schemas/sessions.js";
import { TariffSchema } from "../ocpi/schemas/tariffs.js";
import { LocationReferencesSchema, TokenPatchSchema, TokenSchema } from "../ocpi/schemas/tokens.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";

/** The functional modules: the ones whose traffic the hub routes between parties. */
export const ROUTED_MODULES = [
  "locations",
  "sessions",
  "cdrs",
  "tariffs",
  "tokens",
  "commands",
  "chargingprofiles",
] as const;
export type RoutedModule = (typeof ROUTED_MODULES)[number];

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type Params = Readonly<Record<string, string>>;

/** The owner's codes in a client-owned object's URL (`/{country_code}/{party_id}/…`). */
export const urlOwner = (params: Params) => ({
  countryCode: params.country_code ?? "",
  partyId: params.party_id ?? "",
});

/**
 * How the hub finds the receiver of a request without OCPI-to (open routing):
 * - `token-owner`: the eMSP that pushed the token uid (tokens: authorize);
 * - `cdr-token`: the eMSP named in the body's cdr_token (a session PUT, a CDR);
 * - `session-owner`: the party the CPO's session went to before (session PATCH, GET);
 * - `session-cpo`: the CPO of a session that went to the caller (charging preferences, profiles);
 * - `location-owner`: the CPO of a location that passed through the hub;
 * - `command`: by the command's location, session or reservation;
 * - `profile-setter`: the party that set a profile on the session (ActiveChargingProfile);
 * - `none`: the content does not tell; the sender must name the receiver.
 */
export type OpenRoute =
  | "token-owner"
  | "cdr-token"
  | "session-owner"
  | "session-cpo"
  | "location-owner"
  | "command"
  | "profile-setter"
  | "none";

/** What the hub keeps or changes besides forwarding. */
export type Effect =
  | "location"
  | "token-put"
  | "token-patch"
  | "session"
  | "cdr-posted"
  | "command"
  | "profile-request"
  | "profile-active";

/**
 * Requests the hub answers from its own records rather than an endpoint of
 * the receiver: a result on one of its callback URLs, a GET of a CDR behind
 * the Location the hub gave.
 */
export type Local = "callback" | "cdr-link";

export interface Operation {
  module: RoutedModule;
  iface: InterfaceRole;
  method: Method;
  /** As in the module chapter, e.g. `/{country_code}/{party_id}/{location_id}`. */
  pattern: string;
  segments: readonly string[];
  /** The body's schema; bodies of other operations are not read. */
  body?: (params: Params) => z.ZodType;
  /** tokens: POST authorize takes LocationReferences or nothing. */
  bodyOptional?: boolean;
  /**
   * A client-owned object addressed by its owner's codes in the URL: they
   * must be the caller's, and a full object must carry the same codes and
   * id as the URL (transport_and_format: Client Owned Object Push; the
   * module's PUT parameters).
   */
  owned?: { idParam: string; idField: string; codes: boolean };
  paginated?: boolean;
  /** sessions: the Sender's list GET requires date_from. */
  requiresDateFrom?: boolean;
  open: OpenRoute;
  /** Where a response_url sits that the hub replaces by its own callback URL. */
  responseUrl?: "body" | "query";
  effect?: Effect;
  local?: Local;
  /** Not in the module's interface: the hub answers it from its cache, it is never forwarded. */
  hubOnly?: boolean;
}

const LOCATION = "/{country_code}/{party_id}/{location_id}";
const EVSE = `${LOCATION}/{evse_uid}`;
const CONNECTOR = `${EVSE}/{connector_id}`;

type Spec = Omit<Operation, "module" | "iface" | "segments">;

const fixed = (schema: z.ZodType) => () => schema;

/** Every operation of every routed interface, from the modules' "Interfaces and endpoints". */
const SPECS: Record<RoutedModule, Record<InterfaceRole, Spec[]>> = {
  locations: {
    RECEIVER: [
      ...[LOCATION, EVSE, CONNECTOR].map((pattern) => ({
        method: "GET" as const,
        pattern,
        owned: { idParam: "location_id", idField: "id", codes: true },
        open: "none" as const,
      })),
      {
        method: "PUT",
        pattern: LOCATION,
        body: fixed(LocationSchema),
        owned: { idParam: "location_id", idField: "id", codes: true },
        open: "none",
        effect: "location",
      },
      {
        method: "PUT",
        pattern: EVSE,
        body: fixed(EvseSchema),
        owned: { idParam: "evse_uid", idField: "uid", codes: false },
        open: "none",
        effect: "location",
      },
      {
        method: "PUT",
        pattern: CONNECTOR,
        body: fixed(ConnectorSchema),
        owned: { idParam: "connector_id", idField: "id", codes: false },
        open: "none",
        effect: "location",
      },
      ...(
        [
          [LOCATION, LocationPatchSchema],
          [EVSE, EvsePatchSchema],
          [CONNECTOR, ConnectorPatchSchema],
        ] as const
      ).map(([pattern, schema]) => ({
        method: "PATCH" as const,
        pattern,
        body: fixed(schema),
        owned: { idParam: "location_id", idField: "", codes: false },
        open: "none" as const,
        effect: "location" as const,
      })),
    ],
    SENDER: [
      { method: "GET", pattern: "", paginated: true, open: "none" },
      ...[
        "/{location_id}",
        "/{location_id}/{evse_uid}",
        "/{location_id}/{evse_uid}/{connector_id}",
      ].map((pattern) => ({ method: "GET" as const, pattern, open: "location-owner" as const })),
    ],
  },
  sessions: {
    RECEIVER: [
      {
        method: "GET",
        pattern: "/{country_code}/{party_id}/{session_id}",
        owned: { idParam: "session_id", idField: "id", codes: true },
        open: "session-owner",
      },
      {
        method: "PUT",
        pattern: "/{country_code}/{party_id}/{session_id}",
        body: fixed(SessionSchema),
        owned: { idParam: "session_id", idField: "id", codes: true },
        open: "cdr-token",
        effect: "session",
      },
      {
        method: "PATCH",
        pattern: "/{country_code}/{party_id}/{session_id}",
        body: fixed(SessionPatchSchema),
        owned: { idParam: "session_id", idField: "", codes: false },
        open: "session-owner",
        effect: "session",
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
  cdrs: {
    RECEIVER: [
      {
        method: "POST",
        pattern: "",
        body: fixed(CdrSchema),
        open: "cdr-token",
        effect: "cdr-posted",
      },
      { method: "GET", pattern: "/{cdr_link}", open: "none", local: "cdr-link" },
    ],
    SENDER: [{ method: "GET", pattern: "", paginated: true, open: "none" }],
  },
  tariffs: {
    RECEIVER: [
      {
        method: "GET",
        pattern: "/{country_code}/{party_id}/{tariff_id}",
        owned: { idParam: "tariff_id", idField: "id", codes: true },
        open: "none",
      },
      {
        method: "PUT",
        pattern: "/{country_code}/{party_id}/{tariff_id}",
        body: fixed(TariffSchema),
        owned: { idParam: "tariff_id", idField: "id", codes: true },
        open: "none",
      },
      {
        method: "DELETE",
        pattern: "/{country_code}/{party_id}/{tariff_id}",
        owned: { idParam: "tariff_id", idField: "id", codes: true },
        open: "none",
      },
    ],
    SENDER: [
      { method: "GET", pattern: "", paginated: true, open: "none" },
      { method: "GET", pattern: "/{tariff_id}", open: "none", hubOnly: true },
    ],
  },
  tokens: {
    RECEIVER: [
      {
        method: "GET",
        pattern: "/{country_code}/{party_id}/{token_uid}",
        owned: { idParam: "token_uid", idField: "uid", codes: true },
        open: "none",
      },
      {
        method: "PUT",
        pattern: "/{country_code}/{party_id}/{token_uid}",
        body: fixed(TokenSchema),
        owned: { idParam: "token_uid", idField: "uid", codes: true },
        open: "none",
        effect: "token-put",
      },
      {
        method: "PATCH",
        pattern: "/{country_code}/{party_id}/{token_uid}",
        body: fixed(TokenPatchSchema),
        owned: { idParam: "token_uid", idField: "", codes: false },
        open: "none",
        effect: "token-patch",
      },
    ],
    SENDER: [
      { method: "GET", pattern: "", paginated: true, open: "none" },
      {
        method: "POST",
        pattern: "/{token_uid}/authorize",
        body: fixed(LocationReferencesSchema),
        bodyOptional: true,
        open: "token-owner",
      },
    ],
  },
  commands: {
    RECEIVER: [
      {
        method: "POST",
        pattern: "/{command}",
        body: (params) => COMMAND_SCHEMAS[params.command as CommandType],
        open: "command",
        responseUrl: "body",
        effect: "command",
      },
    ],
    SENDER: [{ method: "POST", pattern: "/{callback_id}", open: "none", local: "callback" }],
  },
  chargingprofiles: {
    RECEIVER: [
      {
        method: "GET",
        pattern: "/{session_id}",
        open: "session-cpo",
        responseUrl: "query",
        effect: "profile-request",
      },
      {
        method: "PUT",
        pattern: "/{session_id}",
        body: fixed(SetChargingProfileSchema),
        open: "session-cpo",
        responseUrl: "body",
        effect: "profile-request",
      },
      {
        method: "DELETE",
        pattern: "/{session_id}",
        open: "session-cpo",
        responseUrl: "query",
        effect: "profile-request",
      },
    ],
    SENDER: [
      { method: "POST", pattern: "/{callback_id}", open: "none", local: "callback" },
      {
        method: "PUT",
        pattern: "/{session_id}",
        body: fixed(ActiveChargingProfileSchema),
        open: "profile-setter",
        effect: "profile-active",
      },
    ],
  },
};

function compile(module: RoutedModule, iface: InterfaceRole): Operation[] {
  return SPECS[module][iface].map((spec) => ({
    ...spec,
    module,
    iface,
    segments: spec.pattern.split("/").filter((s) => s !== ""),
  }));
}

export const isCommandType = (value: string): value is CommandType =>
  (CommandType.options as readonly string[]).includes(value);

export type Match =
  | { kind: "found"; op: Operation; params: Params }
  | { kind: "method"; allowed: Method[] }
  | { kind: "none" };

/** The operations of one interface, and how a request finds its own. */
export function interfaceOperations(module: RoutedModule, iface: InterfaceRole) {
  const ops = compile(module, iface);
  return {
    ops,
    match(method: string, segments: readonly string[]): Match {
      const allowed: Method[] = [];
      for (const op of ops) {
        if (!fits(op.segments, segments)) continue;
        if (op.method === method) return { kind: "found", op, params: bind(op.segments, segments) };
        allowed.push(op.method);
      }
      return allowed.length > 0 ? { kind: "method", allowed } : { kind: "none" };
    },
  };
}

function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (p[0] !== "{" && p !== segments[i]) return false;
  }
  return true;
}

function bind(pattern: readonly string[], segments: readonly string[]): Params {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (p[0] === "{") params[p.slice(1, -1)] = segments[i] as string;
  }
  return params;
}
