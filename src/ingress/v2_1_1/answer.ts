import type { Logger } from "../../logging/logger.js";
import { noteStatusCode } from "../../messages/describe.js";
import { OcpiError } from "../../ocpi/errors.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import { fullToV211, type ObjectLevel } from "../../versions/v2_1_1/objects.js";
import { withNotes } from "../../versions/v2_1_1/report.js";
import type { Loss, Translated } from "../../versions/v2_1_1/translation.js";

/** An OCPI envelope as the hub's routing answered it (2.2.1 and 2.1.1 share its fields). */
interface Envelope {
  data?: unknown;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

/** One object of an answer's data as 2.1.1, with what it lost; OcpiError when 2.1.1 cannot carry it. */
export type DataTo211 = (doc: Json) => Translated<Json> | Promise<Translated<Json>>;

/** How a 2.2.1 answer goes back to a 2.1.1 platform. */
export interface AnswerPlan {
  /** Each object of the data translated; without it the data goes back as it is. */
  data?: DataTo211 | undefined;
  /** What translating the request lost, for the status_message ("" when nothing). */
  note: string;
  /** Reports what translating the data lost. */
  report: (losses: readonly Loss[]) => void;
  /** A Location header the hub wrote (a CDR's) as the URL a 2.1.1 platform reads it at. */
  relink?: ((url: string) => string) | undefined;
  log: Logger;
}

/**
 * The hub's 2.2.1 answer as a 2.1.1 platform takes it: the same envelope
 * and pagination headers (2.1.1 transport_and_format defines both alike),
 * without routing headers (2.1.1 has none). Successful data is translated:
 * a list leaves out what 2.1.1 cannot carry, and logs how many; one object
 * that cannot be translated is refused (2001, naming why). The request's
 * loss note joins the status_message.
 */
export async function answer211(res: Response, plan: AnswerPlan): Promise<Response> {
  const env = (await res.json()) as Envelope;
  const { data: translate, note, report, log } = plan;
  if (translate !== undefined && env.status_code === StatusCode.Success && env.data != null) {
    env.data = Array.isArray(env.data)
      ? await listTo211(translate, env.data as Json[], report, log)
      : await oneTo211(translate, env.data as Json, report);
  }
  if (note !== "") env.status_message = withNotes(env.status_message, [note]);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name.startsWith("ocpi-") || name === "content-length") return;
    headers[name] = name === "location" && plan.relink !== undefined ? plan.relink(value) : value;
  });
  const out = new Response(JSON.stringify(env), { status: res.status, headers });
  return noteStatusCode(out, env.status_code);
}

/** The translation of a cached locations or tariffs object at a level. */
export const levelTo211 =
  (level: ObjectLevel): DataTo211 =>
  (doc) =>
    fullToV211(level, doc);

async function oneTo211(
  translate: DataTo211,
  doc: Json,
  report: (losses: readonly Loss[]) => void,
): Promise<Json> {
  const out = await translate(doc);
  report(out.losses);
  return out.value;
}

/** A page of 2.2.1 objects as 2.1.1; those 2.1.1 cannot carry are left out and counted in the log. */
async function listTo211(
  translate: DataTo211,
  docs: readonly Json[],
  report: (losses: readonly Loss[]) => void,
  log: Logger,
): Promise<Json[]> {
  const kept: Json[] = [];
  const left: string[] = [];
  const lost: Loss[] = [];
  for (const doc of docs) {
    try {
      const out = await translate(doc);
      lost.push(...out.losses);
      kept.push(out.value);
    } catch (err) {
      if (!(err instanceof OcpiError)) throw err;
      left.push(`${String(doc.id ?? doc.uid)}: ${err.message}`);
    }
  }
  if (left.length > 0) {
    log.info({ left_out: left.length, reasons: left }, "objects left out of an OCPI 2.1.1 list");
  }
  report(lost);
  return kept;
}
