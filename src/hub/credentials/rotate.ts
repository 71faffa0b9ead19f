import type { Deps } from "../../deps.js";
import { redactText } from "../../logging/redact.js";
import { noMatchingEndpoints } from "../../ocpi/errors.js";
import type { Credentials } from "../../ocpi/schemas/credentials.js";
import { generateToken, hashToken } from "../../ocpi/tokens.js";
import type { Platform } from "../../registry/registry.js";
import { abandonedBefore } from "./claims.js";
import { type CredentialsDialect, dialectOf } from "./dialects.js";
import { type Discovery, discover } from "./discover.js";
import { hubCredentials, registration } from "./handshake.js";
import { call } from "./platform-calls.js";

/** A rotation could not start: the platform is not registered, or another rotation holds it. */
export class RotationBusy extends Error {
  override readonly name = "RotationBusy";
}

/** The platform's registration changed while the rotation ran (it updated or ended it itself). */
export class RotationOvertaken extends Error {
  override readonly name = "RotationOvertaken";
}

export interface Rotation {
  rotatedAt: Date;
  /** A failure after the platform had switched: the new tokens are kept, this is reported. */
  warning?: string;
}

/**
 * Hub-initiated credentials update (credentials: Updating the credentials
 * and resetting the credentials token): a new token for the platform goes
 * out in a PUT, authenticated with the current one, and the platform
 * answers with a new token for the hub. Until the platform has answered,
 * both its old and its new token open the hub (it may call back with the
 * new one first, to check it), and nothing changes when it does not answer
 * with valid credentials. Once it has, its answer is kept. The PUT goes
 * to the credentials endpoint of the platform's version, in that version's
 * shape.
 */
export async function rotateCredentials(
  deps: Deps,
  platform: Platform,
  correlationId: string,
): Promise<Rotation> {
  const credentialsUrl = platform.endpoints.find((e) => e.identifier === "credentials")?.url;
  const current = platform.outboundToken;
  if (current === null) throw new RotationBusy("the platform is not registered");
  if (credentialsUrl === undefined) {
    throw noMatchingEndpoints("the platform's version details list no credentials endpoint");
  }
  const token = generateToken();
  const newTokenHash = hashToken(token);
  // Only from the pair read here: the token presented in the PUT belongs to it.
  const started = await deps.store.beginRotation(
    platform.id,
    { inboundTokenHash: platform.inboundTokenHash },
    newTokenHash,
    deps.clock.now(),
    abandonedBefore(deps),
  );
  if (!started) {
    throw new RotationBusy(
      "a rotation of the platform is in progress, or its credentials changed meanwhile",
    );
  }
  await deps.registry.changed(platform.id);
  const dialect = dialectOf(platform.version);
  let theirs: Credentials;
  try {
    const res = await call(
      deps,
      "PUT",
      credentialsUrl,
      current,
      platform.outboundTokenEncoding,
      correlationId,
      { body: dialect.write(hubCredentials(deps, token)), what: "credentials" },
    );
    theirs = dialect.readAnswer(res, credentialsUrl, platform, deps.config.validation);
  } catch (err) {
    await deps.store.abandonRotation(platform.id, newTokenHash, deps.clock.now());
    await deps.registry.changed(platform.id);
    throw err;
  }

  // The platform has switched to the new pair: whatever follows, its answer is kept.
  const { found, warning } = await endpointsAfter(deps, platform, theirs, {
    correlationId,
    dialect,
  });
  const rotatedAt = deps.clock.now();
  const saved = await deps.store.completeRotation(
    platform.id,
    registration(found, theirs, token),
    rotatedAt,
    { inboundTokenHash: platform.inboundTokenHash, newTokenHash, lastError: warning },
  );
  if (!saved) {
    throw new RotationOvertaken(
      "the platform's registration changed while the rotation ran; the platform's own change stands",
    );
  }
  await deps.registry.changed(platform.id);
  return { rotatedAt, warning };
}

/**
 * The endpoints to keep: the platform's as they were, or those behind a
 * new versions URL it gave in its answer, fetched with its new token. When
 * those cannot be read the old ones stay, and the failure is reported.
 */
async function endpointsAfter(
  deps: Deps,
  platform: Platform,
  theirs: Credentials,
  { correlationId, dialect }: { correlationId: string; dialect: CredentialsDialect },
): Promise<{ found: Discovery; warning?: string }> {
  const kept: Discovery = {
    version: dialect.version,
    versionsUrl: platform.versionsUrl ?? theirs.url,
    endpoints: platform.endpoints,
    encoding: platform.outboundTokenEncoding,
  };
  if (theirs.url === platform.versionsUrl) return { found: kept };
  try {
    return {
      found: await discover(deps, theirs.url, theirs.token, correlationId, {
        dialects: [dialect],
        platform,
      }),
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.logger.warn(
      { err, platform_id: platform.id },
      "rotated, but the platform's new versions URL could not be read",
    );
    return {
      found: kept,
      warning: redactText(`rotated, but the new versions URL could not be read: ${reason}`),
    };
  }
}
