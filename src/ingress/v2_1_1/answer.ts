import type { Logger } from "../../logging/logger.js";
import { noteStatusCode } from "../../messages/describe.js";
import { OcpiError } from "../../ocpi/errors.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import { fullToV211, type ObjectLevel } from "../../versions/v2_1_1/objects.js";
import type { Loss } from "../../versions/v2_1_1/translation.js";

/** An OCPI envelope as the hub's routing answered it (2.2.1 and 2.1.1 share its fields). */
interface Envelope {
  data?: unknown;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

/**
 * The hub's 2.2.1 answer as a 2.1.1 platform takes it: the same envelope
 * and pagination headers (2.1.1 transport_and_format defines both alike),
 * without routing headers (2.1.1 has none). Data read from the cache
 * (`read`) is translated: a list leaves out what 2.1.1 cannot carry, and
 * logs how many; one object that cannot be translated is refused (2001,
 * naming why). `note` (what translation of the request lost) joins the
 * status_message; what translating the data lost goes to `report`.
 */
export async function answer211(
  res: Response,
  read: ObjectLevel | undefined,
  note: string,
  report: (losses: readonly Loss[]) => void,
  log: Logger,
): Promise<Response> {
  const env = (await res.json()) as Envelope;
  if (read !== undefined && env.status_code === StatusCode.Success && env.data !== undefined) {
    env.data = Array.isArray(env.data)
      ? listTo211(read, env.data as Json[], report, log)
      : oneTo211(read, env.data as Json, report);
  }
  if (note !== "") {
    env.status_message = env.status_message === undefined ? note : `${env.status_message}; ${note}`;
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!name.startsWith("ocpi-") && name !== "content-length") headers[name] = value;
  });
  const out = new Response(JSON.stringify(env), { status: res.status, headers });
  return noteStatusCode(out, env.status_code);
}

function oneTo211(level: ObjectLevel, doc: Json, report: (losses: readonly Loss[]) => void): Json {
  const out = fullToV211(level, doc);
  report(out.losses);
  return out.value;
}

/** A page of 2.2.1 objects as 2.1.1; those 2.1.1 cannot carry are left out and counted in the log. */
function listTo211(
  level: ObjectLevel,
  docs: readonly Json[],
  report: (losses: readonly Loss[]) => void,
  log: Logger,
): Json[] {
  const kept: Json[] = [];
  const left: string[] = [];
  const lost: Loss[] = [];
  for (const doc of docs) {
    try {
      const out = fullToV211(level, doc);
      lost.push(...out.losses);
      kept.push(out.value);
    } catch (err) {
      if (!(err instanceof OcpiError)) throw err;
      left.push(`${String(doc.id)}: ${err.message}`);
    }
  }
  if (left.length > 0) {
    log.info(
      { level, left_out: left.length, reasons: left },
      "objects left out of an OCPI 2.1.1 list",
    );
  }
  report(lost);
  return kept;
}
