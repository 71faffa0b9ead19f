import type { StoredEndpoint } from "../../db/schema/index.js";
import type { OutboundResponse } from "../../egress/ocpi-client.js";
import { findModule } from "../../modules/index.js";
import { invalidParameters, unsupportedVersion } from "../../ocpi/errors.js";
import { type Credentials, CredentialsSchema } from "../../ocpi/schemas/credentials.js";
import type { Role } from "../../ocpi/schemas/primitives.js";
import { type InterfaceRole, VersionDetailsSchema } from "../../ocpi/schemas/version.js";
import type { TokenEncoding } from "../../ocpi/tokens.js";
import { type ValidationMode, validate } from "../../ocpi/validate.js";
import { OCPI_2_1_1, OCPI_VERSION, type OcpiVersion } from "../../ocpi/version.js";
import type { Platform } from "../../registry/registry.js";
import { credentialsTo211, credentialsTo221 } from "../../versions/v2_1_1/credentials.js";
import {
  type Credentials211,
  Credentials211Schema,
} from "../../versions/v2_1_1/schemas/credentials.js";
import {
  type Endpoint211,
  MODULES_2_1_1,
  VersionDetails211Schema,
} from "../../versions/v2_1_1/schemas/version.js";
import { parseData } from "./platform-calls.js";

/**
 * What differs between the OCPI versions in a credentials exchange: the
 * shape of the Credentials object, the shape of the version details, and
 * the form of the token in the Authorization header. The exchange itself
 * (handshake.ts, rotate.ts) works on 2.2.1's Credentials whatever the
 * version, and asks the dialect of the connection to read and write the
 * other side's.
 */
export interface CredentialsDialect {
  version: OcpiVersion;
  /**
   * The token form this version prescribes; undefined when the peer's own
   * habit decides (2.2.1 Base64-encodes it, some older peers do not).
   */
  encoding: TokenEncoding | undefined;
  /** A body the platform sent the hub, as 2.2.1 Credentials; 2001 naming the field when invalid. */
  readBody(body: unknown, platform: Platform, mode: ValidationMode): Credentials;
  /**
   * The platform's answer to the hub's POST or PUT, as 2.2.1 Credentials;
   * 3001 when invalid. Its parties are left for the caller to check.
   */
  readAnswer(
    res: OutboundResponse,
    url: string,
    platform: Platform,
    mode: ValidationMode,
  ): Credentials;
  /** The hub's credentials in this version's shape. */
  write(hub: Credentials): unknown;
  /** The endpoints of the platform's version details, as the registry keeps them; 3001 when invalid. */
  readDetails(
    res: OutboundResponse,
    url: string,
    platform: Platform,
    mode: ValidationMode,
  ): StoredEndpoint[];
  /** Refuses (3002) a platform that cannot connect over this version. */
  admit(platform: Platform): void;
}

const v221: CredentialsDialect = {
  version: OCPI_VERSION,
  encoding: undefined,
  readBody: (body, _platform, mode) => validate(CredentialsSchema, body, "credentials", mode),
  readAnswer: (res, url, _platform, mode) =>
    parseData(res, CredentialsSchema, url, "credentials", mode),
  write: (hub) => hub,
  readDetails: (res, url, _platform, mode) =>
    parseData(res, VersionDetailsSchema, url, "version details", mode).endpoints,
  admit: () => {},
};

/** The roles a 2.1.1 connection can have: 2.1.1 knows CPOs and eMSPs only. */
const ROLES_2_1_1: readonly Role[] = ["CPO", "EMSP"];

/** The modules OCPI 2.1.1 defines besides versions; a platform's other endpoints are not kept. */
const KEPT_2_1_1: ReadonlySet<string> = new Set(["credentials", ...MODULES_2_1_1]);

/**
 * The one party of a 2.1.1 connection: 2.1.1 credentials carry one party,
 * and its role is the one the operator invited it with (credentials:
 * Credentials object; docs/ocpi-2.1.1/credentials.md).
 */
function partyOf211(platform: Platform): Platform["roles"][number] & { role: Role } {
  const [party, ...others] = platform.roles;
  if (party === undefined || others.length > 0 || !ROLES_2_1_1.includes(party.role as Role)) {
    const invited = platform.roles.map((r) => `${r.role} ${r.countryCode}/${r.partyId}`);
    throw unsupportedVersion(
      `OCPI 2.1.1 connects one CPO or eMSP; this platform was invited as ${invited.join(", ") || "nothing"}: it can connect over 2.2.1 only`,
    );
  }
  return party as Platform["roles"][number] & { role: Role };
}

/** 2.1.1 credentials as 2.2.1's, after the codes were checked against the invited party. */
function to221(body: Credentials211, platform: Platform): Credentials {
  const party = partyOf211(platform);
  for (const [field, given, invited] of [
    ["country_code", body.country_code, party.countryCode],
    ["party_id", body.party_id, party.partyId],
  ] as const) {
    if (given.toUpperCase() !== invited.toUpperCase()) {
      throw invalidParameters(
        `${field}: ${given} is not the party this platform was invited for (${party.countryCode}/${party.partyId})`,
      );
    }
  }
  return credentialsTo221(body, party.role).value;
}

/**
 * The interface a 2.1.1 endpoint serves in 2.2.1's terms: the one the
 * platform's role implements (versions: a 2.1.1 endpoint has no role; a
 * CPO's `tokens` is the Receiver, an eMSP's the Sender). Undefined for a
 * module the role does not implement.
 */
function interfaceOf(identifier: string, role: Role): InterfaceRole | undefined {
  const spec = findModule(identifier);
  if (spec === undefined) return undefined;
  if (spec.kind === "configuration") return spec.endpoints[0]?.role ?? "SENDER";
  if (spec.roles.SENDER.includes(role)) return "SENDER";
  return spec.roles.RECEIVER.includes(role) ? "RECEIVER" : undefined;
}

/** A 2.1.1 platform's endpoints with the interface its role implies; other modules are left out. */
function storedEndpoints211(endpoints: readonly Endpoint211[], role: Role): StoredEndpoint[] {
  const stored: StoredEndpoint[] = [];
  for (const e of endpoints) {
    if (!KEPT_2_1_1.has(e.identifier)) continue;
    const iface = interfaceOf(e.identifier, role);
    if (iface !== undefined) stored.push({ identifier: e.identifier, role: iface, url: e.url });
  }
  return stored;
}

const v211: CredentialsDialect = {
  version: OCPI_2_1_1,
  // 2.1.1 transport_and_format: Authorization header — the token as it is, not encoded.
  encoding: "raw",
  readBody: (body, platform, mode) =>
    to221(validate(Credentials211Schema, body, "credentials", mode), platform),
  // The codes of an answer are checked against the invitation by the exchange, which then
  // still holds the platform's token to undo a registration it refuses.
  readAnswer: (res, url, platform, mode) =>
    credentialsTo221(
      parseData(res, Credentials211Schema, url, "credentials", mode),
      partyOf211(platform).role,
    ).value,
  // The hub's own credentials name the hub: its one role is HUB.
  write: (hub) => credentialsTo211(hub, "HUB").value,
  readDetails: (res, url, platform, mode) =>
    storedEndpoints211(
      parseData(res, VersionDetails211Schema, url, "version details", mode).endpoints,
      partyOf211(platform).role,
    ),
  admit: (platform) => {
    partyOf211(platform);
  },
};

/** The versions the hub registers platforms over, in its order of preference. */
export const DIALECTS: readonly CredentialsDialect[] = [v221, v211];

/** The dialect of a version the hub speaks; a platform not registered yet is taken as 2.2.1. */
export function dialectOf(version: string | null): CredentialsDialect {
  return DIALECTS.find((d) => d.version === version) ?? v221;
}
