import type { StoredEndpoint } from "../../db/schema/index.js";
import type { Deps } from "../../deps.js";
import {
  noMatchingEndpoints,
  unableToUseClientApi,
  unsupportedVersion,
} from "../../ocpi/errors.js";
import { VersionListSchema } from "../../ocpi/schemas/version.js";
import type { TokenEncoding } from "../../ocpi/tokens.js";
import type { OcpiVersion } from "../../ocpi/version.js";
import type { Platform } from "../../registry/registry.js";
import type { CredentialsDialect } from "./dialects.js";
import { call, parseData } from "./platform-calls.js";

/** What the hub learns of a platform from its versions and version details. */
export interface Discovery {
  version: OcpiVersion;
  versionsUrl: string;
  endpoints: StoredEndpoint[];
  encoding: TokenEncoding;
}

/** A URL the platform's answers gave: one the URL policy refuses is a 3001, before any call. */
function requireCallableUrl(deps: Deps, url: string, what: string): void {
  const refused = deps.urlPolicy.refusal(url);
  if (refused !== undefined) {
    throw unableToUseClientApi(`${what} ${url} cannot be used: ${refused}`);
  }
}

/**
 * GET versions, pick the first of `dialects` the platform offers, GET its
 * details. The token goes in the form the version prescribes (raw for
 * 2.1.1); where the peer decides, Base64-encoded first, and a 401 on that
 * idempotent GET is retried once raw, for older peers (ocpi-hub-rules
 * §2.2); the form that worked is kept for this platform. Every URL passes
 * the URL policy before it is called or kept.
 */
export async function discover(
  deps: Deps,
  versionsUrl: string,
  token: string,
  correlationId: string,
  wanted: { dialects: readonly CredentialsDialect[]; platform: Platform },
): Promise<Discovery> {
  requireCallableUrl(deps, versionsUrl, "the versions URL");
  const mode = deps.config.validation;
  const prescribed = wanted.dialects.every((d) => d.encoding === "raw") ? "raw" : "base64";
  let encoding: TokenEncoding = prescribed;
  let res = await call(deps, "GET", versionsUrl, token, encoding, correlationId, {
    what: "versions",
  });
  if (res.status === 401) {
    encoding = encoding === "raw" ? "base64" : "raw";
    res = await call(deps, "GET", versionsUrl, token, encoding, correlationId, {
      what: "versions",
    });
  }
  const versions = parseData(res, VersionListSchema, versionsUrl, "versions", mode);
  let dialect: CredentialsDialect | undefined;
  let details: { version: string; url: string } | undefined;
  for (const d of wanted.dialects) {
    details = versions.find((v) => v.version === d.version);
    dialect = d;
    if (details !== undefined) break;
  }
  if (dialect === undefined || details === undefined) {
    const offered = versions.map((v) => v.version).join(", ") || "none";
    const spoken = wanted.dialects.map((d) => d.version).join(" or ");
    throw unsupportedVersion(
      `no mutual version: the platform offers ${offered}, the hub speaks ${spoken}`,
    );
  }
  dialect.admit(wanted.platform);
  encoding = dialect.encoding ?? encoding;
  requireCallableUrl(deps, details.url, "the version details URL");
  const detailsRes = await call(deps, "GET", details.url, token, encoding, correlationId, {
    what: "version details",
  });
  const endpoints = dialect.readDetails(detailsRes, details.url, wanted.platform, mode);
  if (!endpoints.some((e) => e.identifier === "credentials")) {
    throw noMatchingEndpoints(`the version details at ${details.url} list no credentials endpoint`);
  }
  for (const e of endpoints) {
    requireCallableUrl(deps, e.url, `the ${e.identifier} ${e.role} endpoint`);
  }
  return { version: dialect.version, versionsUrl, endpoints, encoding };
}
