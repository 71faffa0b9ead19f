import type { z } from "zod";
import type { PartyRef } from "../ocpi/parties.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";

/** types: Role. */
export type Role = "CPO" | "EMSP" | "HUB" | "NAP" | "NSP" | "OTHER" | "SCSP";

/** Every role: the configuration modules every party implements. */
export const ALL_ROLES: readonly Role[] = ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"];

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The URL parameters of a matched operation, by the names in its pattern. */
export type Params = Readonly<Record<string, string>>;

/**
 * The OCPI type of a URL parameter: a CiString of at most `max` characters
 * (types: CiString), or an id the hub made itself for a URL it handed out
 * (callback and CDR-link ids: base64url).
 */
export type ParamType = { kind: "ci-string"; max: number } | { kind: "hub-id"; max: number };

const ciString = (max: number): ParamType => ({ kind: "ci-string", max });

/**
 * Every URL parameter of the module records with its type, from the
 * modules' "Parameters" tables (e.g. locations: GET Method parameters).
 * Patterns may only name parameters listed here.
 */
export const PARAM_TYPES: Readonly<Record<string, ParamType>> = {
  country_code: ciString(2),
  party_id: ciString(3),
  location_id: ciString(36),
  evse_uid: ciString(36),
  connector_id: ciString(36),
  session_id: ciString(36),
  tariff_id: ciString(36),
  token_uid: ciString(36),
  /** commands: CommandType; which values exist the commands record checks itself. */
  command: ciString(36),
  callback_id: { kind: "hub-id", max: 64 },
  cdr_link: { kind: "hub-id", max: 64 },
};

/** The owner's codes in a client-owned object's URL (`/{country_code}/{party_id}/…`). */
export const urlOwner = (params: Params): PartyRef => ({
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

/**
 * What a forwarded request teaches open routing, recorded while it is
 * forwarded: a location's CPO, the receiver of a session, a token's eMSP
 * (a full token or a PATCH of one), the CPO of a reservation.
 */
export type RouteHint = "location" | "session" | "token" | "token-patch" | "reservation";

/**
 * What the receiver's answer changes before it goes back: a posted CDR's
 * Location becomes a hub URL; an accepted SetChargingProfile makes its
 * sender the receiver of the session's ActiveChargingProfile updates.
 */
export type AnswerEffect = "cdr-location" | "profile-setter";

/** How a client-owned object is named in its URL and in its body (see OperationSpec.owned). */
export interface OwnedObject {
  /** The URL parameter naming the object, e.g. `evse_uid`. */
  idParam: string;
  /** The body field naming it too, e.g. `uid`. */
  idField: string;
  /** Whether the body carries the owner's country_code and party_id (a location, not an EVSE). */
  codes: boolean;
}

/** A check of one request beyond its schema, with the URL's parameters, query and body. */
export type RequestCheck = (req: { params: Params; query: string; body: unknown }) => void;

/** One operation of one interface, as its module chapter lists it ("Interfaces and endpoints"). */
export interface OperationSpec {
  method: Method;
  /** As in the module chapter, e.g. `/{country_code}/{party_id}/{location_id}`. */
  pattern: string;
  /** The body's schema; bodies of other operations are not read. */
  body?: (params: Params) => z.ZodType;
  /** tokens: POST authorize takes LocationReferences or nothing. */
  bodyOptional?: boolean;
  /**
   * A client-owned object addressed by its owner's codes in the URL: they
   * must be the caller's (transport_and_format: Client Owned Object Push).
   * The fields of a body that name the object are the URL's: `idField`
   * names the URL's `idParam`, and with `codes` country_code and party_id
   * name the URL's owner. A PUT carries them all (the module's PUT
   * parameters); a PATCH may leave them out, but may not change them: they
   * "can never be changed, modified or renamed" (locations: Location and
   * EVSE objects), lest the object move under another key.
   */
  owned?: OwnedObject;
  paginated?: boolean;
  /** sessions: the Sender's list GET requires date_from. */
  requiresDateFrom?: boolean;
  open: OpenRoute;
  /**
   * When open routing finds several parties claiming the id, each is asked
   * in turn, earliest claim first, until one answers data this accepts;
   * without it the earliest claim alone gets the request.
   */
  inTurn?: (data: unknown) => boolean;
  /** Where a response_url sits that the hub replaces by its own callback URL. */
  responseUrl?: "body" | "query";
  /** Checked before the body is read: a URL parameter the pattern cannot constrain. */
  checkParams?: (params: Params) => void;
  /** Checked after the body and its ownership. */
  check?: RequestCheck;
  hint?: RouteHint;
  answer?: AnswerEffect;
  /**
   * Requests the hub answers from its own records rather than an endpoint
   * of the receiver: a result on one of its callback URLs, a GET of a CDR
   * behind the Location the hub gave.
   */
  local?: "callback" | "cdr-link";
  /** Not in the module's interface: the hub answers it from its cache, it is never forwarded. */
  hubOnly?: boolean;
}

/** The object a push addresses, which keys its delivery queue per recipient. */
export interface ObjectRef {
  owner: PartyRef;
  id: string;
  /** tokens: the type is part of a token's key. */
  type?: string;
}

/**
 * Broadcast push (transport_and_format: Broadcast Push): a Receiver push
 * addressed to the hub that the hub fans out to every platform with a
 * party of a recipient role.
 */
export interface BroadcastSpec {
  methods: readonly Method[];
  recipients: readonly Role[];
  /** The pushed object, from the URL's parameters and query. */
  object(params: Params, query: string): ObjectRef;
}

/** A module whose objects the hub keeps in its cache (GET All via Hubs). */
export interface CacheSpec {
  /** The URL parameter naming a cached object. */
  idParam: string;
  /** What one object is called in messages. */
  noun: string;
  /** The refusal for an id the hub does not know. */
  unknown: "unknown-location" | "not-found";
  /** Receiver methods whose pushes the cache takes. */
  writes: readonly Method[];
  /** The full object, which a sync checks each pulled object against. */
  schema: z.ZodType;
  /**
   * tokens: a PATCH of an object the cache does not hold is forwarded
   * uncached instead of refused, so such an object has no current copy
   * to send in place of piled-up updates.
   */
  patchesUncached?: true;
}

/** A module whose results come back later on a URL the hub hands out (commands, charging profiles). */
export interface CallbackSpec {
  /** What a callback is for: the command, or the method of a charging-profile request. */
  purpose(method: Method, params: Params): string;
  /** The schema of the result posted for that purpose. */
  result(purpose: string): z.ZodType | undefined;
}

/**
 * A functional module (terminology: Functional Module): the hub routes its
 * traffic between parties, and is Sender and Receiver of it.
 */
export interface FunctionalModuleSpec {
  kind: "functional";
  id: string;
  /**
   * The roles that implement each interface (terminology: Typical OCPI
   * implementations per Role). A request to the Receiver interface goes
   * from a Sender role to a Receiver role; one to the Sender interface the
   * other way round.
   */
  roles: Readonly<Record<InterfaceRole, readonly Role[]>>;
  operations: Readonly<Record<InterfaceRole, readonly OperationSpec[]>>;
  broadcast?: BroadcastSpec;
  /**
   * A Receiver push addressed to the hub that is not broadcast: "route"
   * sends it to the receiver its content names (sessions and CDRs concern
   * one eMSP, transport_and_format: Broadcast Push).
   */
  pushToHub?: "route";
  cache?: CacheSpec;
  callback?: CallbackSpec;
}

/**
 * A configuration module (terminology: Configuration Module) the hub
 * answers itself: its interfaces as advertised in the version details,
 * each at a path below /ocpi/2.2.1.
 */
export interface ConfigurationModuleSpec {
  kind: "configuration";
  id: string;
  /** The roles that implement each interface. */
  roles: Readonly<Partial<Record<InterfaceRole, readonly Role[]>>>;
  endpoints: readonly { role: InterfaceRole; path: string }[];
  /** Pushed by the hub through the delivery queues (hubclientinfo). */
  delivered?: boolean;
}

export type ModuleSpec = FunctionalModuleSpec | ConfigurationModuleSpec;

/** The schema a body always has, whatever the URL says. */
export const fixed = (schema: z.ZodType) => () => schema;
