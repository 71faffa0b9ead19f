import { invalidParameters } from "../../ocpi/errors.js";
import type { Price } from "../../ocpi/schemas/common.js";
import type { Loss } from "./translation.js";

/**
 * The small decisions every 2.1.1 ⇄ 2.2.1 translation makes the same way:
 * how a refusal names its field, how a loss is noted, how a 2.1.1 plain
 * number becomes a 2.2.1 Price and back.
 */

/** Refuses the translation (OCPI 2001) naming the target field that cannot be derived. */
export function refuse(field: string, reason: string): never {
  throw invalidParameters(`${field}: ${reason}`);
}

/** Notes a loss when the source field holds something (null, absent and [] lose nothing). */
export function lose(losses: Loss[], field: string, value: unknown, reason: string): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && value.length === 0) return;
  losses.push({ field, reason });
}

/** A 2.1.1 id or reference that the 2.2.1 field must hold, refused when it is longer. */
export function within(value: string, max: number, field: string): string {
  if (value.length > max)
    refuse(
      field,
      `${JSON.stringify(value)} is longer than the ${max} characters OCPI 2.2.1 allows`,
    );
  return value;
}

/** 2.1.1's plain amount (excluding VAT) as a 2.2.1 Price. */
export const priceFrom211 = (amount: number): Price => ({ excl_vat: amount });

/** A 2.2.1 Price as 2.1.1's plain amount excluding VAT; `incl_vat` is a loss. */
export function priceTo211(price: Price, field: string, losses: Loss[]): number {
  lose(losses, `${field}.incl_vat`, price.incl_vat, "no 2.1.1 field: 2.1.1 amounts exclude VAT");
  return price.excl_vat;
}

/** The object without its undefined fields, so a translation writes only what it has. */
export function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Losses of a nested translation, under the path of the field that holds it. */
export function under(prefix: string, losses: readonly Loss[]): Loss[] {
  return losses.map((loss) => ({ field: `${prefix}.${loss.field}`, reason: loss.reason }));
}

/** A 2.2.1 enum value as 2.1.1's, the substitute noted as a loss. */
export function valueTo211<T extends string>(
  value: string,
  substitutes: Partial<Record<string, T>>,
  field: string,
  losses: Loss[],
): T {
  const substitute = substitutes[value];
  if (substitute === undefined) return value as T;
  losses.push({ field, reason: `value ${value} not in 2.1.1; sent as ${substitute}` });
  return substitute;
}

/**
 * Fields of the source that its version's object does not define (a
 * platform's own additions): neither version's translation carries them,
 * so each is a loss rather than dropped unseen. `known` is the source
 * schema's shape.
 */
export function loseExtras(value: object, known: object, losses: Loss[], prefix = ""): void {
  for (const [key, field] of Object.entries(value)) {
    if (key in known || field === undefined) continue;
    losses.push({ field: `${prefix}${key}`, reason: "not a field of the OCPI object" });
  }
}
