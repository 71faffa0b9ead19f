import { CdrDimensionType, type ChargingPeriod } from "../../ocpi/schemas/cdrs.js";
import { lose } from "./mapping.js";
import { CdrDimensionType211, type ChargingPeriod211 } from "./schemas/cdrs.js";
import type { Loss } from "./translation.js";

/**
 * ChargingPeriod (Sessions and CDRs) between the versions. The dimension
 * types the other version lacks are losses (2.1.1 FLAT; 2.2.1 CURRENT,
 * ENERGY_EXPORT, ENERGY_IMPORT, MAX_POWER, MIN_POWER, POWER,
 * RESERVATION_TIME, STATE_OF_CHARGE); a period left without any dimension
 * is lost as a whole, since both versions need at least one. Everything
 * else of a period passes unchanged.
 */

const IN_211: readonly string[] = CdrDimensionType211.options;
const IN_221: readonly string[] = CdrDimensionType.options;

interface Period {
  dimensions: { type: string }[];
}

/** The periods with only the dimensions `known` has, each other dimension and each emptied period a Loss. */
function keepKnownDimensions<P extends Period>(
  list: readonly P[],
  path: string,
  known: readonly string[],
  version: string,
  losses: Loss[],
): { period: P; at: string }[] {
  const out: { period: P; at: string }[] = [];
  list.forEach((period, i) => {
    const at = `${path}[${i}]`;
    const dimensions = period.dimensions.filter((d, j) => {
      if (known.includes(d.type)) return true;
      losses.push({
        field: `${at}.dimensions[${j}]`,
        reason: `type ${d.type} not in OCPI ${version}`,
      });
      return false;
    });
    if (dimensions.length === 0) {
      losses.push({ field: at, reason: `no dimension of a type OCPI ${version} has` });
      return;
    }
    out.push({ period: { ...period, dimensions }, at });
  });
  return out;
}

/** 2.2.1 charging periods as 2.1.1's; `tariff_id` has no 2.1.1 field. */
export function periodsTo211(
  list: readonly ChargingPeriod[],
  path: string,
  losses: Loss[],
): ChargingPeriod211[] {
  return keepKnownDimensions(list, path, IN_211, "2.1.1", losses).map(({ period, at }) => {
    const { tariff_id, ...rest } = period;
    lose(losses, `${at}.tariff_id`, tariff_id, "no OCPI 2.1.1 equivalent");
    return rest as ChargingPeriod211;
  });
}

/** 2.1.1 charging periods as 2.2.1's (which may name a tariff_id; 2.1.1 never does). */
export function periodsTo221(
  list: readonly ChargingPeriod211[],
  path: string,
  losses: Loss[],
): ChargingPeriod[] {
  return keepKnownDimensions(list, path, IN_221, "2.2.1", losses).map(
    ({ period }) => period as ChargingPeriod,
  );
}
