import type { Connector, ConnectorPatch, Evse, EvsePatch } from "../../ocpi/schemas/locations.js";
import {
  at,
  defined,
  geoTo211,
  given,
  type Json,
  keepKnown,
  refusal,
  withLastUpdated,
} from "./mapping.js";
import {
  Capability211,
  type Connector211,
  type ConnectorPatch211,
  ConnectorType211,
  type Evse211,
  type EvsePatch211,
  PowerType211,
} from "./schemas/locations.js";
import type { Loss, Translated } from "./translation.js";

/**
 * EVSE and Connector, OCPI 2.1.1 ⇄ 2.2.1, as docs/ocpi-2.1.1/locations.md
 * lists field by field. Each object has one mapping of its fields per
 * direction, which maps only the fields present: the full object and its
 * PATCH body go through the same one. Fields neither version defines are
 * carried unchanged.
 */

/** The 2.2.1 id limit: 2.1.1's uid may be three characters longer (changelog: EVSE object). */
const MAX_UID_221 = 36;

/** Connector fields 2.1.1 → 2.2.1: voltage/amperage are the maxima; one tariff_id becomes a list. */
export function connectorFieldsToV221(src: ConnectorPatch211): Json {
  const { voltage, amperage, tariff_id, ...rest } = src;
  return defined({
    ...rest,
    max_voltage: voltage,
    max_amperage: amperage,
    tariff_ids: tariff_id === undefined ? undefined : given(tariff_id) ? [tariff_id] : [],
  });
}

/**
 * Connector fields 2.2.1 → 2.1.1. A standard or power type 2.1.1 does not
 * have is refused (2.1.1 requires both, and any other value would be wrong);
 * max_electric_power and every tariff after the first are losses.
 */
export function connectorFieldsToV211(
  src: ConnectorPatch,
  path: string,
  what: string,
  losses: Loss[],
): Json {
  const { max_voltage, max_amperage, max_electric_power, tariff_ids, ...rest } = src;
  if (src.standard !== undefined && !ConnectorType211.options.some((v) => v === src.standard)) {
    throw refusal(what, at(path, "standard"), `${src.standard} has no OCPI 2.1.1 equivalent`);
  }
  if (src.power_type !== undefined && !PowerType211.options.some((v) => v === src.power_type)) {
    throw refusal(what, at(path, "power_type"), `${src.power_type} has no OCPI 2.1.1 equivalent`);
  }
  if (given(max_electric_power)) {
    losses.push({ field: at(path, "max_electric_power"), reason: "no OCPI 2.1.1 equivalent" });
  }
  const tariffs = tariff_ids ?? [];
  for (let i = 1; i < tariffs.length; i++) {
    losses.push({
      field: `${at(path, "tariff_ids")}[${i}]`,
      reason: "OCPI 2.1.1 has one tariff_id; the first tariff is kept",
    });
  }
  return defined({
    ...rest,
    voltage: max_voltage,
    amperage: max_amperage,
    tariff_id: tariff_ids === undefined ? undefined : (tariffs[0] ?? null),
  });
}

/** EVSE fields 2.1.1 → 2.2.1; a uid longer than 2.2.1's 36 characters is refused. */
export function evseFieldsToV221(src: EvsePatch211, path: string, what: string): Json {
  const { connectors, ...rest } = src;
  if (src.uid !== undefined && src.uid.length > MAX_UID_221) {
    throw refusal(what, at(path, "uid"), `longer than the ${MAX_UID_221} characters of OCPI 2.2.1`);
  }
  return defined({ ...rest, connectors: connectors?.map((c) => connectorFieldsToV221(c)) });
}

/** EVSE fields 2.2.1 → 2.1.1: capabilities 2.1.1 lacks are losses; coordinates get six decimals. */
export function evseFieldsToV211(src: EvsePatch, path: string, what: string, losses: Loss[]): Json {
  const { capabilities, connectors, coordinates, ...rest } = src;
  return defined({
    ...rest,
    capabilities: keepKnown(
      capabilities,
      Capability211.options,
      at(path, "capabilities"),
      "2.1.1",
      losses,
    ),
    connectors: connectors?.map((c, i) =>
      connectorFieldsToV211(c, `${at(path, "connectors")}[${i}]`, what, losses),
    ),
    coordinates: given(coordinates)
      ? geoTo211(coordinates, at(path, "coordinates"), losses)
      : coordinates,
  });
}

const CONNECTOR_211 = "Connector for OCPI 2.1.1";
const EVSE_221 = "EVSE for OCPI 2.2.1";
const EVSE_211 = "EVSE for OCPI 2.1.1";

/** A 2.1.1 Connector as 2.2.1; nothing is lost this way. */
export function connectorToV221(src: Connector211): Translated<Connector> {
  return { value: connectorFieldsToV221(src) as Connector, losses: [] };
}

/** A 2.2.1 Connector as 2.1.1. */
export function connectorToV211(src: Connector): Translated<Connector211> {
  const losses: Loss[] = [];
  const value = connectorFieldsToV211(src, "", CONNECTOR_211, losses) as Connector211;
  return { value, losses };
}

/** A 2.1.1 PATCH of a Connector as a 2.2.1 PATCH. */
export function connectorPatchToV221(
  src: ConnectorPatch211,
  receivedAt: Date,
): Translated<ConnectorPatch> {
  const value = withLastUpdated(connectorFieldsToV221(src), receivedAt) as ConnectorPatch;
  return { value, losses: [] };
}

/** A 2.2.1 PATCH of a Connector as a 2.1.1 PATCH. */
export function connectorPatchToV211(src: ConnectorPatch): Translated<ConnectorPatch211> {
  const losses: Loss[] = [];
  const value = connectorFieldsToV211(src, "", CONNECTOR_211, losses) as ConnectorPatch211;
  return { value, losses };
}

/** A 2.1.1 EVSE as 2.2.1. */
export function evseToV221(src: Evse211): Translated<Evse> {
  return { value: evseFieldsToV221(src, "", EVSE_221) as Evse, losses: [] };
}

/** A 2.2.1 EVSE as 2.1.1. */
export function evseToV211(src: Evse): Translated<Evse211> {
  const losses: Loss[] = [];
  return { value: evseFieldsToV211(src, "", EVSE_211, losses) as Evse211, losses };
}

/** A 2.1.1 PATCH of an EVSE as a 2.2.1 PATCH. */
export function evsePatchToV221(src: EvsePatch211, receivedAt: Date): Translated<EvsePatch> {
  const value = withLastUpdated(evseFieldsToV221(src, "", EVSE_221), receivedAt) as EvsePatch;
  return { value, losses: [] };
}

/** A 2.2.1 PATCH of an EVSE as a 2.1.1 PATCH. */
export function evsePatchToV211(src: EvsePatch): Translated<EvsePatch211> {
  const losses: Loss[] = [];
  return { value: evseFieldsToV211(src, "", EVSE_211, losses) as EvsePatch211, losses };
}
