// The start of a roaming agreement's exchange: when an ACTIVE agreement is
// in force and its exchange has not begun (just created or resumed, or its
// valid_from has arrived), the eMSP is sent what it may now see and each
// side the other's ClientInfo. One instance of several does it per ACTIVE
// period: the registry's claim decides which.

import type { Deps } from "../deps.js";
import { type Agreement, inForce } from "../registry/agreements.js";
import { introduce } from "./hubclientinfo.js";

/** How often each instance looks for agreements whose valid_from has arrived. */
const CHECK_MS = 1_000;

/**
 * The eMSP's connected platforms get the current copy of every cached
 * object of the CPO they may now see, through the normal delivery queues;
 * each side gets the other's ClientInfo.
 */
async function startExchange(deps: Deps, a: Agreement): Promise<void> {
  for (const { platform, party } of deps.registry.partiesAt(a.emsp.countryCode, a.emsp.partyId)) {
    if (party.role !== "EMSP" || platform.status !== "CONNECTED") continue;
    await deps.deliveries.resync(platform.id, undefined, a.cpo);
  }
  await introduce(deps, a.cpo, a.emsp);
}

/**
 * Starts the exchange of every ACTIVE agreement that is in force now and
 * has not started it. Agreements not yet in force wait for their valid_from.
 */
export async function startDueExchanges(deps: Deps): Promise<void> {
  const now = deps.clock.now();
  for (const a of deps.registry.agreements().unstarted()) {
    if (!inForce(a, now)) continue;
    if (!(await deps.registry.claimExchangeStart(a.id, now))) continue;
    deps.logger.info({ agreement_id: a.id }, "agreement in force: exchange started");
    await startExchange(deps, a);
  }
}

/**
 * Looks every second for agreements whose valid_from has arrived (an
 * in-memory scan of the few unstarted ones; the database is asked only
 * when one is due). Returns the function that stops it.
 */
export function watchAgreementStarts(deps: Deps): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || deps.registry.agreements().unstarted().length === 0) return;
    running = true;
    startDueExchanges(deps)
      .catch((err: unknown) =>
        deps.logger.error({ err }, "could not start the exchange of an agreement"),
      )
      .finally(() => {
        running = false;
      });
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
