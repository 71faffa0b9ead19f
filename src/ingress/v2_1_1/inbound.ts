import type { Params } from "../../modules/module-spec.js";
import { notFound } from "../../ocpi/errors.js";
import type { PartyRef } from "../../ocpi/parties.js";
import type { Tariff } from "../../ocpi/schemas/tariffs.js";
import { parseJson, validate } from "../../ocpi/validate.js";
import type { CallerScope } from "../../routing/scope.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import {
  fullToV221,
  levelOfParams,
  OBJECT_NAME,
  patchToV221,
  schema211,
} from "../../versions/v2_1_1/objects.js";
import type { TariffPatch211 } from "../../versions/v2_1_1/schemas/tariffs.js";
import { tariffPatchToV221 } from "../../versions/v2_1_1/tariffs.js";
import type { Translated } from "../../versions/v2_1_1/translation.js";

/**
 * A 2.1.1 CPO's push body as the 2.2.1 body the hub routes: validated
 * with the 2.1.1 schema (2001 naming each failing field), then translated
 * with the platform's one party as owner (2001 naming a field 2.2.1
 * requires and the body cannot give). A tariff PATCH becomes the whole
 * tariff it makes of the hub's copy, as 2.2.1 has no tariff PATCH.
 */
export async function translateIn(
  scope: CallerScope,
  module: string,
  method: string,
  params: Params,
  text: string,
  party: PartyRef,
): Promise<Translated<Json>> {
  const level = levelOfParams(module, params);
  if (level === undefined) throw notFound(`no ${module} object at this path`);
  const { config, clock } = scope.deps;
  const patch = method === "PATCH";
  const what = `${OBJECT_NAME[level]}${patch ? " PATCH" : ""} (OCPI 2.1.1)`;
  const body = validate(schema211(level, patch), parseJson(text), what, config.validation) as Json;
  if (!patch) return fullToV221(level, body, { party });
  if (level !== "tariff") return patchToV221(level, body, clock.now());
  const id = params.tariff_id as string;
  const [current] = await scope.deps.cache.tariffsWithId(id, { owner: party, hidden: [] });
  if (current === undefined) throw notFound(`no tariff ${id} is known to the hub; PUT it first`);
  return tariffPatchToV221(
    body as TariffPatch211,
    current.doc as Tariff,
    clock.now(),
  ) as Translated<Json>;
}
