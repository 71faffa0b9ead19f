import type { z } from "zod";
import type { Connector, Evse, Location } from "../../ocpi/schemas/locations.js";
import type { Tariff } from "../../ocpi/schemas/tariffs.js";
import {
  connectorPatchToV211,
  connectorPatchToV221,
  connectorToV211,
  connectorToV221,
  evsePatchToV211,
  evsePatchToV221,
  evseToV211,
  evseToV221,
} from "./evses.js";
import {
  locationPatchToV211,
  locationPatchToV221,
  locationToV211,
  locationToV221,
} from "./locations.js";
import { type Json, refusal } from "./mapping.js";
import {
  Connector211Schema,
  ConnectorPatch211Schema,
  Evse211Schema,
  EvsePatch211Schema,
  Location211Schema,
  LocationPatch211Schema,
} from "./schemas/locations.js";
import { Tariff211Schema, TariffPatch211Schema } from "./schemas/tariffs.js";
import { tariffToV211, tariffToV221 } from "./tariffs.js";
import type { Translated, TranslationContext } from "./translation.js";

/**
 * The objects of the broadcast modules (locations, tariffs) at the edge of
 * the hub: which object a URL addresses, its 2.1.1 schema, and its
 * translation either way, full (PUT, GET) or partial (PATCH). A tariff
 * PATCH needs the hub's current copy and is translated where that is read.
 */

/** The object a locations or tariffs URL addresses, by its depth below the owner's codes. */
export type ObjectLevel = "location" | "evse" | "connector" | "tariff";

/** The level of `module`'s object named by `ids` path segments after country_code/party_id (or after nothing, on the Sender side). */
export function levelOf(module: string, ids: number): ObjectLevel | undefined {
  return LEVELS[module]?.[ids - 1];
}

/** The URL parameters that name a locations or tariffs object, outermost first. */
const ID_PARAMS = ["location_id", "evse_uid", "connector_id", "tariff_id"] as const;

/** The object a matched locations or tariffs URL addresses, by the ids its parameters name. */
export function levelOfParams(
  module: string,
  params: Readonly<Record<string, string | undefined>>,
): ObjectLevel | undefined {
  return levelOf(module, ID_PARAMS.filter((p) => params[p] !== undefined).length);
}

/** Each module's objects, outermost first, as their URLs nest them. */
const LEVELS: Readonly<Record<string, readonly ObjectLevel[]>> = {
  locations: ["location", "evse", "connector"],
  tariffs: ["tariff"],
};

/** The 2.1.1 schema of a PUT (full) or PATCH body at a level. */
export function schema211(level: ObjectLevel, patch: boolean): z.ZodType {
  switch (level) {
    case "location":
      return patch ? LocationPatch211Schema : Location211Schema;
    case "evse":
      return patch ? EvsePatch211Schema : Evse211Schema;
    case "connector":
      return patch ? ConnectorPatch211Schema : Connector211Schema;
    case "tariff":
      return patch ? TariffPatch211Schema : Tariff211Schema;
  }
}

/** What each object is called in messages. */
export const OBJECT_NAME: Readonly<Record<ObjectLevel, string>> = {
  location: "Location",
  evse: "EVSE",
  connector: "Connector",
  tariff: "Tariff",
};

/**
 * A full 2.2.1 object as 2.1.1; an unpublished location is refused there
 * (locations.ts), as 2.1.1 locations are public.
 */
export function fullToV211(level: ObjectLevel, doc: Json): Translated<Json> {
  switch (level) {
    case "location":
      return locationToV211(doc as Location) as Translated<Json>;
    case "evse":
      return evseToV211(doc as Evse) as Translated<Json>;
    case "connector":
      return connectorToV211(doc as Connector) as Translated<Json>;
    case "tariff":
      return tariffToV211(doc as Tariff) as Translated<Json>;
  }
}

/** A 2.2.1 PATCH as a 2.1.1 PATCH (locations only: 2.2.1 has no tariff PATCH). */
export function patchToV211(level: ObjectLevel, body: Json): Translated<Json> {
  switch (level) {
    case "location":
      return locationPatchToV211(body as never) as Translated<Json>;
    case "evse":
      return evsePatchToV211(body as never) as Translated<Json>;
    case "connector":
      return connectorPatchToV211(body as never) as Translated<Json>;
    case "tariff":
      throw refusal("Tariff PATCH for OCPI 2.1.1", "method", "OCPI 2.2.1 has no Tariff PATCH");
  }
}

/** A valid full 2.1.1 object (a PUT body) as 2.2.1; a location and tariff are owned by ctx.party. */
export function fullToV221(
  level: ObjectLevel,
  body: Json,
  ctx: TranslationContext,
): Translated<Json> {
  switch (level) {
    case "location":
      return locationToV221(body as never, ctx) as Translated<Json>;
    case "evse":
      return evseToV221(body as never) as Translated<Json>;
    case "connector":
      return connectorToV221(body as never) as Translated<Json>;
    case "tariff":
      return tariffToV221(body as never, ctx) as Translated<Json>;
  }
}

/** A valid 2.1.1 PATCH of a location, EVSE or connector as a 2.2.1 PATCH. */
export function patchToV221(level: ObjectLevel, body: Json, receivedAt: Date): Translated<Json> {
  switch (level) {
    case "location":
      return locationPatchToV221(body as never, receivedAt) as Translated<Json>;
    case "evse":
      return evsePatchToV221(body as never, receivedAt) as Translated<Json>;
    case "connector":
      return connectorPatchToV221(body as never, receivedAt) as Translated<Json>;
    case "tariff":
      throw new Error(
        "a tariff PATCH is translated with the hub's current copy (tariffPatchToV221)",
      );
  }
}
