import { OcpiError } from "../ocpi/errors.js";
import { fullToV211, levelOf, patchToV211 } from "../versions/v2_1_1/objects.js";
import type { Loss } from "../versions/v2_1_1/translation.js";
import type { DeliveryModule } from "./queue.js";

/** A body as a 2.1.1 recipient takes it, or why it cannot be sent to one. */
export type Body211 = { body: string | undefined; losses: Loss[] } | { refused: string };

/**
 * The body of a locations or tariffs push for a 2.1.1 recipient: the hub
 * holds and queues 2.2.1 (PUT: full objects, PATCH: partial ones) and
 * translates at the edge. A body 2.1.1 cannot carry (an unpublished
 * location, a tariff of reservations only …) is refused with the reason:
 * it would be refused on every retry alike. `losses` are what was lost.
 */
export function bodyFor211(
  module: DeliveryModule,
  method: string,
  path: string,
  body: string | undefined,
): Body211 {
  if (body === undefined) return { body, losses: [] };
  const ids = path.split("/").filter((s) => s !== "").length - 2;
  const level = levelOf(module, ids);
  if (level === undefined) return { refused: `no OCPI 2.1.1 translation of ${module} ${path}` };
  try {
    const doc = JSON.parse(body) as Record<string, unknown>;
    const out = method === "PATCH" ? patchToV211(level, doc) : fullToV211(level, doc);
    return { body: JSON.stringify(out.value), losses: out.losses };
  } catch (err) {
    if (err instanceof OcpiError) return { refused: err.message };
    throw err;
  }
}
