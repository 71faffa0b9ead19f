import tzLookup from "@photostructure/tz-lookup";

/**
 * The IANA time zone of a place, for a 2.1.1 Location without `time_zone`
 * (optional in 2.1.1, required in 2.2.1). The look-up is offline and
 * synchronous: @photostructure/tz-lookup, a maintained fork of tz-lookup,
 * ships a 73 kB table of the world's zones, rebuilt on each tzdata release.
 * Near a border it can pick the neighbour's zone (its grid is coarser than
 * the borders), which only matters where the two zones' clocks differ.
 *
 * Undefined when no country's zone can be told: coordinates that are no
 * place on earth, or a point at sea, where the look-up answers a nautical
 * zone (Etc/GMT±n) — for a charging location that means wrong coordinates,
 * and the hub does not invent a zone for it.
 */
export function timeZoneAt(latitude: string, longitude: string): string | undefined {
  const lat = Number(latitude);
  const lon = Number(longitude);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
  let zone: string;
  try {
    zone = tzLookup(lat, lon);
  } catch {
    return undefined;
  }
  return zone.startsWith("Etc/") ? undefined : zone;
}
