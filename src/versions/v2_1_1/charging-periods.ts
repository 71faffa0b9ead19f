import { CdrDimensionType, type ChargingPeriod } from "../../ocpi/schemas/cdrs.js";
import { lose } from "./mapping.js";
import { CdrDimensionType211, type ChargingPeriod211 } from "./schemas/cdrs.js";
import type { Loss } from "./translation.js";

/**
 * ChargingPeriod (Sessions and CDRs) between the versions. The dimension
 * types the other version lacks are losses (2.1.1 FLAT; 2.2.1 CURRENT,
 * ENERGY_EXPORT, ENERGY_IMPORT, MAX_POWER, MIN_POWER, POWER,
 * RESERVATION_TIME, STATE_OF_CHARGE); a period left without any dimension
 * is lost as a whole, since both versions need at least one.
 */

const IN_211 = new Set<string>(CdrDimensionType211.options);
const IN_221 = new Set<string>(CdrDimensionType.options);

interface Period {
  start_date_time: string;
  dimensions: { type: string; volume: number }[];
}

function periods<T>(
  list: readonly Period[],
  path: string,
  kept: Set<string>,
  version: string,
  losses: Loss[],
  extra: (period: Period, at: string) => T,
): (Period & T)[] {
  const out: (Period & T)[] = [];
  list.forEach((period, i) => {
    const at = `${path}[${i}]`;
    const dimensions = period.dimensions.flatMap((d, j) => {
      if (kept.has(d.type)) return [{ type: d.type, volume: d.volume }];
      losses.push({
        field: `${at}.dimensions[${j}]`,
        reason: `type ${d.type} not in OCPI ${version}`,
      });
      return [];
    });
    if (dimensions.length === 0) {
      losses.push({ field: at, reason: `no dimension of a type OCPI ${version} has` });
      return;
    }
    out.push({ start_date_time: period.start_date_time, dimensions, ...extra(period, at) });
  });
  return out;
}

/** 2.2.1 charging periods as 2.1.1's; `tariff_id` has no 2.1.1 field. */
export function periodsTo211(
  list: readonly ChargingPeriod[],
  path: string,
  losses: Loss[],
): ChargingPeriod211[] {
  return periods(list, path, IN_211, "2.1.1", losses, (period, at) => {
    lose(
      losses,
      `${at}.tariff_id`,
      (period as ChargingPeriod).tariff_id,
      "no OCPI 2.1.1 equivalent",
    );
    return {};
  }) as ChargingPeriod211[];
}

/** 2.1.1 charging periods as 2.2.1's (which may name a tariff_id; 2.1.1 never does). */
export function periodsTo221(
  list: readonly ChargingPeriod211[],
  path: string,
  losses: Loss[],
): ChargingPeriod[] {
  return periods(list, path, IN_221, "2.2.1", losses, () => ({})) as ChargingPeriod[];
}
