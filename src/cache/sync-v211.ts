import type { z } from "zod";
import type { Deps } from "../deps.js";
import { OcpiError } from "../ocpi/errors.js";
import type { PartyRef } from "../ocpi/parties.js";
import { check, type Problem } from "../ocpi/validate.js";
import type { Json } from "../versions/v2_1_1/mapping.js";
import {
  fullToV221,
  OBJECT_NAME,
  type ObjectLevel,
  schema211,
} from "../versions/v2_1_1/objects.js";
import { reportLosses } from "../versions/v2_1_1/report.js";
import type { Translated } from "../versions/v2_1_1/translation.js";
import type { CachedModule, Pulled } from "./store.js";

/**
 * A sync's page of a CPO registered over OCPI 2.1.1: its objects are
 * 2.1.1's, name no owner (2.1.1 has no country_code, party_id in a Location
 * or Tariff) and go into the cache as the 2.2.1 objects a push of them
 * would have made (docs/ocpi-2.1.1/routing.md).
 */

/** A page's objects as the cache takes them, and how many were left out. */
export interface PageRead {
  pulled: Pulled[];
  skipped: number;
}

/** Logs an object a sync left out, with its id (when it has one) and why. */
export type SkipObject = (id: unknown, reason: string) => void;

/** The first few problems of a check, for a log line. */
export const problemsNote = (problems: readonly Problem[]): string =>
  problems
    .slice(0, 3)
    .map((p) => `${p.path}: ${p.message}`)
    .join("; ");

/** The object a 2.1.1 list of each pulled module holds. */
const LEVEL: Readonly<Record<CachedModule, ObjectLevel | undefined>> = {
  locations: "location",
  tariffs: "tariff",
  tokens: undefined,
};

/** The 2.1.1 CPO party whose list is read, and the module and its 2.2.1 schema. */
export interface Pulling211 {
  platformId: string;
  party: PartyRef;
  module: CachedModule;
  schema: z.ZodType;
}

/**
 * Reads a page of a 2.1.1 CPO's list. Each object is checked with the 2.1.1
 * schema under the hub's VALIDATION tolerance, translated to 2.2.1 with the
 * platform's one party as owner, and checked with the 2.2.1 schema, as a
 * pushed one is; one failing any step is skipped and logged with the reason
 * (a translation's reason names the field 2.2.1 cannot do without, e.g. a
 * time_zone the coordinates do not give), the rest are taken. What the
 * translation lost is logged and counted as on a push.
 */
export function readPage211(
  deps: Deps,
  pulling: Pulling211,
  data: readonly unknown[],
  skip: SkipObject,
): PageRead {
  const level = LEVEL[pulling.module];
  if (level === undefined) throw new Error(`no OCPI 2.1.1 sync of ${pulling.module}`);
  const read: PageRead = { pulled: [], skipped: 0 };
  for (const item of data) {
    const translated = translate(deps, pulling, level, item);
    if (typeof translated === "string") {
      read.skipped++;
      skip(typeof item === "object" && item !== null ? (item as Json).id : undefined, translated);
      continue;
    }
    const doc = translated.value;
    reportLosses(deps, pulling.module, translated, {
      platform_id: pulling.platformId,
      id: doc.id,
      sync: true,
    });
    read.pulled.push({ owner: pulling.party, id: String(doc.id), doc });
  }
  return read;
}

/** One 2.1.1 object as a valid 2.2.1 one, or why it cannot be. */
function translate(
  deps: Deps,
  pulling: Pulling211,
  level: ObjectLevel,
  item: unknown,
): Translated<Json> | string {
  const mode = deps.config.validation;
  const checked = check(schema211(level, false), item, mode);
  if (!checked.ok)
    return `invalid ${OBJECT_NAME[level]} (OCPI 2.1.1): ${problemsNote(checked.problems)}`;
  let translated: Translated<Json>;
  try {
    translated = fullToV221(level, checked.data as Json, { party: pulling.party });
  } catch (err) {
    if (err instanceof OcpiError) return err.message;
    throw err;
  }
  const valid = check(pulling.schema, translated.value, mode);
  if (!valid.ok) {
    return `translated ${OBJECT_NAME[level]} is not valid OCPI 2.2.1: ${problemsNote(valid.problems)}`;
  }
  return translated;
}
