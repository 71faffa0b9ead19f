import { OcpiError } from "../ocpi/errors.js";
import type { Token, TokenPatch } from "../ocpi/schemas/tokens.js";
import type { Json } from "../versions/v2_1_1/mapping.js";
import { fullToV211, levelOf, patchToV211 } from "../versions/v2_1_1/objects.js";
import { tokenQueryTo211 } from "../versions/v2_1_1/token-urls.js";
import { tokenPatchTo211, tokenTo211 } from "../versions/v2_1_1/tokens.js";
import type { Loss, Translated } from "../versions/v2_1_1/translation.js";
import type { DeliveryModule } from "./queue.js";

/** A push as a 2.1.1 recipient takes it, or why it cannot be sent to one. */
export type Body211 =
  | { body: string | undefined; query: string; losses: Loss[] }
  | { refused: string };

/**
 * A locations, tariffs or tokens push for a 2.1.1 recipient: the hub
 * holds and queues 2.2.1 (PUT: full objects, PATCH: partial ones) and
 * translates at the edge. A body 2.1.1 cannot carry (an unpublished
 * location, a tariff of reservations only …) is refused with the reason:
 * it would be refused on every retry alike. `losses` are what was lost; a
 * token's `?type=` is dropped, as 2.1.1's token URL has none.
 */
export function bodyFor211(
  module: DeliveryModule,
  method: string,
  target: { path: string; query: string },
  body: string | undefined,
): Body211 {
  const { path } = target;
  const own = OWN_TRANSLATION[module];
  if (own !== undefined) return own(method, target.query, body);
  if (body === undefined) return { body, query: target.query, losses: [] };
  const ids = path.split("/").filter((s) => s !== "").length - 2;
  const level = levelOf(module, ids);
  if (level === undefined) return { refused: `no OCPI 2.1.1 translation of ${module} ${path}` };
  return translated(target.query, () => {
    const doc = JSON.parse(body) as Json;
    return method === "PATCH" ? patchToV211(level, doc) : fullToV211(level, doc);
  });
}

/** A token PUT or PATCH in 2.1.1 (tokens.md: Token, 2.2.1 → 2.1.1), its URL without a type. */
function tokenFor211(method: string, query: string, body: string | undefined): Body211 {
  if (body === undefined) return { refused: `no OCPI 2.1.1 token ${method} without a body` };
  return translated("", () => {
    const doc = JSON.parse(body) as Json;
    const out = method === "PATCH" ? tokenPatchTo211(doc as TokenPatch) : tokenTo211(doc as Token);
    const losses = [...out.losses];
    tokenQueryTo211(query, doc, losses);
    return { value: out.value, losses };
  });
}

/** Modules whose pushes are not objects of objects.ts' levels. */
const OWN_TRANSLATION: Partial<
  Record<DeliveryModule, (method: string, query: string, body: string | undefined) => Body211>
> = { tokens: tokenFor211 };

/** Runs a translation: its body as text, or the refusal it threw. */
function translated(query: string, run: () => Translated<unknown>): Body211 {
  try {
    const out = run();
    return { body: JSON.stringify(out.value), query, losses: out.losses };
  } catch (err) {
    if (err instanceof OcpiError) return { refused: err.message };
    throw err;
  }
}
