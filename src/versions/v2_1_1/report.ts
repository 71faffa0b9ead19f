import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";
import type { Loss } from "./translation.js";

/** The losses of a translation in a few words, for a status_message or a log line; "" when none. */
export function lossNote(losses: readonly Loss[]): string {
  if (losses.length === 0) return "";
  const fields = losses.map((l) => `${l.field} (${l.reason})`);
  return `not carried over in translation: ${fields.join("; ")}`;
}

/** A status_message with `notes` (those not empty) joined to it, "; " between. */
export function withNotes(
  message: string | undefined,
  notes: readonly string[],
): string | undefined {
  const parts = [...(message === undefined ? [] : [message]), ...notes.filter((n) => n !== "")];
  return parts.length === 0 ? undefined : parts.join("; ");
}

/**
 * Reports what a translation at the hub's edge lost: one log line naming
 * the fields (with `context`: the platform, path …) and the loss counter
 * by module and field. Nothing when nothing was lost.
 */
export function reportLosses(
  d: { logger: Logger; metrics: Pick<Metrics, "observeTranslationLoss"> },
  module: string,
  translated: { losses: readonly Loss[] },
  context: Record<string, unknown>,
): void {
  if (translated.losses.length === 0) return;
  for (const loss of translated.losses) d.metrics.observeTranslationLoss(module, loss.field);
  d.logger.info({ ...context, module }, `OCPI 2.1.1 translation: ${lossNote(translated.losses)}`);
}
