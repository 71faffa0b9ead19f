import { noteStatusCode, statusCodeOf } from "../messages/describe.js";
import type { CommandResult } from "../ocpi/schemas/commands.js";
import { type ValidationMode, validate } from "../ocpi/validate.js";
import { OCPI_2_1_1 } from "../ocpi/version.js";
import { commandResultTo211, commandResultTo221 } from "../versions/v2_1_1/command-answers.js";
import {
  type CommandResponse211,
  CommandResponse211Schema,
} from "../versions/v2_1_1/schemas/commands.js";
import type { Translated } from "../versions/v2_1_1/translation.js";

/**
 * Command results across versions on the hub's callback URLs. A 2.1.1 CPO
 * posts its result as a 2.1.1 CommandResponse (2.1.1 has no
 * CommandResult); a 2.1.1 eMSP's response_url expects one. Only commands
 * meet a 2.1.1 platform here: 2.1.1 has no charging profiles.
 */

/** A result checked in the version of the platform that posted it. */
export interface PostedResult {
  /** The poster is registered over 2.1.1: the body is a 2.1.1 CommandResponse. */
  from211: boolean;
  body: unknown;
  /** The body as received, passed on byte for byte between platforms of one version. */
  raw: string;
}

/** A 2.1.1 CPO's result: a valid 2.1.1 CommandResponse, or 2001 naming the field. */
export function checkResult211(body: unknown, mode: ValidationMode): CommandResponse211 {
  return validate(CommandResponse211Schema, body, "result (OCPI 2.1.1 CommandResponse)", mode);
}

/**
 * The result's body for the platform that sent the command, in its
 * version: as received between platforms of one version (2.1.1 to 2.1.1
 * too, where a round trip through 2.2.1 would lose UNKNOWN_SESSION),
 * translated otherwise, with what the translation lost.
 */
export function resultFor(senderVersion: string | null, posted: PostedResult): Translated<string> {
  const to211 = senderVersion === OCPI_2_1_1;
  if (posted.from211 === to211) return { value: posted.raw, losses: [] };
  const translated = posted.from211
    ? commandResultTo221(posted.body as CommandResponse211)
    : commandResultTo211(posted.body as CommandResult);
  return { value: JSON.stringify(translated.value), losses: translated.losses };
}

/** An answer to a 2.1.1 platform: without the routing headers 2.1.1 does not have. */
export function withoutRoutingHeaders(res: Response): Response {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!name.startsWith("ocpi-")) headers[name] = value;
  });
  const out = new Response(res.body, { status: res.status, headers });
  const code = statusCodeOf(res);
  return code === null ? out : noteStatusCode(out, code);
}
