import { startSync } from "../../cache/sync.js";
import type { Deps } from "../../deps.js";
import {
  clientError,
  invalidParameters,
  methodNotAllowed,
  noMatchingEndpoints,
  type OcpiError,
} from "../../ocpi/errors.js";
import type { Credentials } from "../../ocpi/schemas/credentials.js";
import { generateToken, hashToken } from "../../ocpi/tokens.js";
import { hubUrls } from "../../ocpi/version.js";
import type { Platform } from "../../registry/registry.js";
import { partyKey, type Registration } from "../../registry/store.js";
import { abandonedBefore } from "./claims.js";
import { type CredentialsDialect, DIALECTS, dialectOf } from "./dialects.js";
import { type Discovery, discover } from "./discover.js";
import { call } from "./platform-calls.js";

/** A hub-initiated handshake could not start: the platform is taken. */
export class HandshakeBusy extends Error {
  override readonly name = "HandshakeBusy";
}

/** The hub's own Credentials object: one HUB role, never the connected parties (credentials). */
export function hubCredentials(deps: Deps, token: string): Credentials {
  const { hubUrl, hubCountryCode, hubPartyId, hubName, hubWebsite } = deps.config;
  return {
    token,
    url: hubUrls.versions(hubUrl),
    roles: [
      {
        role: "HUB",
        // HUB_NAME / HUB_WEBSITE: how the platforms' people see the hub in their own systems.
        business_details: {
          name: hubName,
          ...(hubWebsite === undefined ? {} : { website: hubWebsite }),
        },
        party_id: hubPartyId,
        country_code: hubCountryCode,
      },
    ],
  };
}

/**
 * Party-initiated registration (credentials: POST) and its update
 * (credentials: PUT). The hub fetches the platform's versions and details
 * with the token it was given before it answers, issues a new token of its
 * own, and stores everything in one transaction: Token A, or the previous
 * token, stops working. The version is that of the credentials endpoint
 * the platform called (`dialect`): "A POST initiates the registration
 * process for this endpoint's version", and a PUT "will switch to the
 * version that contains this credentials endpoint" (2.1.1 and 2.2.1
 * credentials). `body` is the platform's credentials read into 2.2.1's
 * shape, and so is the answer.
 */
export function registerFromParty(
  deps: Deps,
  platform: Platform,
  body: Credentials,
  correlationId: string,
  dialect: CredentialsDialect,
) {
  // While a hub-initiated handshake holds the platform, that one decides: storing this one
  // as well would leave the other's failure to undo it, and the platform with no token.
  return exchange(
    deps,
    platform,
    body,
    correlationId,
    dialect,
    { status: "PENDING", abandonedBefore: abandonedBefore(deps) },
    () =>
      deps.registry.get(platform.id)?.status === "PENDING"
        ? handshakeUnderWay()
        : methodNotAllowed("this platform is already registered; use PUT to update"),
  );
}

const handshakeUnderWay = () =>
  clientError("the hub is registering this platform itself right now; try again shortly");

/** credentials: PUT — always re-fetches versions and endpoints, even for the same version. */
export function updateFromParty(
  deps: Deps,
  platform: Platform,
  body: Credentials,
  correlationId: string,
  dialect: CredentialsDialect,
) {
  return exchange(
    deps,
    platform,
    body,
    correlationId,
    dialect,
    { status: platform.status, inboundTokenHash: platform.inboundTokenHash },
    () => clientError("the registration changed meanwhile; try again"),
  );
}

async function exchange(
  deps: Deps,
  platform: Platform,
  body: Credentials,
  correlationId: string,
  dialect: CredentialsDialect,
  expect: Parameters<Deps["store"]["saveRegistration"]>[3],
  refused: () => OcpiError,
): Promise<Credentials> {
  requireInvitedRoles(platform, body);
  requireUsableUrl(deps, body.url, "url");
  const found = await discover(deps, body.url, body.token, correlationId, {
    dialects: [dialect],
    platform,
  });
  const token = generateToken();
  const saved = await deps.store.saveRegistration(
    platform.id,
    registration(found, body, token),
    deps.clock.now(),
    expect,
  );
  if (!saved) throw refused();
  await connected(deps, platform.id);
  return hubCredentials(deps, token);
}

/**
 * Hub-initiated registration (admin register): GET the platform's versions
 * with its Token A, pick 2.2.1 when it offers it, else 2.1.1, POST the
 * hub's credentials in that version's shape, and keep the token it
 * answers with. Nothing is kept when any step fails.
 */
export async function registerByHub(
  deps: Deps,
  platform: Platform,
  versionsUrl: string,
  tokenA: string,
  correlationId: string,
): Promise<void> {
  requireUsableUrl(deps, versionsUrl, "versions_url");
  let found = await discover(deps, versionsUrl, tokenA, correlationId, {
    dialects: DIALECTS,
    platform,
  });
  const dialect = dialectOf(found.version);
  const credentialsUrl = found.endpoints.find((e) => e.identifier === "credentials")?.url;
  if (credentialsUrl === undefined) {
    throw noMatchingEndpoints("the platform offers no credentials endpoint");
  }
  const token = generateToken();
  // The platform calls our versions with this token before it answers the POST.
  const claimed = await deps.store.claimForHandshake(
    platform.id,
    hashToken(token),
    deps.clock.now(),
    abandonedBefore(deps),
  );
  if (!claimed) {
    throw new HandshakeBusy(
      "the platform is not PENDING, or another registration of it is in progress",
    );
  }
  await deps.registry.changed(platform.id);
  let theirs: Credentials | undefined;
  try {
    const res = await call(deps, "POST", credentialsUrl, tokenA, found.encoding, correlationId, {
      body: dialect.write(hubCredentials(deps, token)),
      what: "credentials",
    });
    theirs = dialect.readAnswer(res, credentialsUrl, platform, deps.config.validation);
    requireInvitedRoles(platform, theirs);
    if (theirs.url !== versionsUrl)
      found = await discover(deps, theirs.url, theirs.token, correlationId, {
        dialects: [dialect],
        platform,
      });
    // Only while the claim is still ours: PENDING with our token's hash.
    const saved = await deps.store.saveRegistration(
      platform.id,
      registration(found, theirs, token),
      deps.clock.now(),
      { status: "PENDING", inboundTokenHash: hashToken(token) },
    );
    if (!saved) throw methodNotAllowed("the platform registered meanwhile");
  } catch (err) {
    await deps.store.releaseClaim(platform.id, hashToken(token), deps.clock.now());
    await deps.registry.changed(platform.id);
    if (theirs !== undefined) {
      // The platform did register us; undo that on its side too.
      const undo = theirs.token;
      deps.tasks.run("undo remote registration", () =>
        call(deps, "DELETE", credentialsUrl, undo, found.encoding, correlationId, {
          what: "credentials",
        }),
      );
    }
    throw err;
  }
  await connected(deps, platform.id);
}

/** Best effort: a platform that cannot be reached is removed all the same. */
export async function tellUnregistered(deps: Deps, platform: Platform): Promise<void> {
  const url = platform.endpoints.find((e) => e.identifier === "credentials")?.url;
  if (url === undefined || platform.outboundToken === null) return;
  try {
    await call(
      deps,
      "DELETE",
      url,
      platform.outboundToken,
      platform.outboundTokenEncoding,
      undefined,
      {
        what: "credentials",
      },
    );
  } catch (err) {
    deps.logger.warn(
      { err, platform_id: platform.id },
      "could not tell the platform it was unregistered",
    );
  }
}

async function connected(deps: Deps, platformId: string): Promise<void> {
  await deps.lifecycle.registered(platformId);
  // A CPO's locations and tariffs fill the cache from the start (GET All via Hubs).
  await startSync(deps, platformId, "connect").catch((err: unknown) =>
    deps.logger.error({ err, platform_id: platformId }, "could not start the cache sync"),
  );
}

/** What the store keeps of a completed exchange: their token and endpoints, the hash of ours. */
export function registration(
  found: Discovery,
  theirs: Credentials,
  ourToken: string,
): Registration {
  return {
    version: found.version,
    versionsUrl: found.versionsUrl,
    endpoints: found.endpoints,
    outboundToken: theirs.token,
    outboundTokenEncoding: found.encoding,
    inboundTokenHash: hashToken(ourToken),
    businessDetails: new Map(theirs.roles.map((r) => [partyKey(roleKey(r)), r.business_details])),
  };
}

function roleKey(r: Credentials["roles"][number]) {
  return { role: r.role, countryCode: r.country_code, partyId: r.party_id };
}

/** The roles a platform registers must be exactly those it was invited with. */
function requireInvitedRoles(platform: Platform, body: Credentials): void {
  const invited = new Set(platform.roles.map(partyKey));
  const offered = new Set(body.roles.map((r) => partyKey(roleKey(r))));
  for (const r of body.roles) {
    if (!invited.has(partyKey(roleKey(r)))) {
      throw invalidParameters(
        `roles: ${r.role} ${r.country_code}/${r.party_id} was not invited for this platform`,
      );
    }
  }
  for (const r of platform.roles) {
    if (!offered.has(partyKey(r))) {
      throw invalidParameters(
        `roles: the invited role ${r.role} ${r.countryCode}/${r.partyId} is missing`,
      );
    }
  }
}

/** A URL the registering side gave: one the URL policy refuses is a 2001 naming the field. */
function requireUsableUrl(deps: Deps, url: string, field: string): void {
  const refused = deps.urlPolicy.refusal(url);
  if (refused !== undefined) throw invalidParameters(`${field} ${url} cannot be used: ${refused}`);
}
