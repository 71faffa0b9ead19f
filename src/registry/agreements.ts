import type { AgreementRow, AgreementStatus } from "../db/schema/index.js";
import { type PartyRef, pairKey, partyName } from "../ocpi/parties.js";

/** A roaming agreement as the hub holds it in memory. */
export interface Agreement {
  id: string;
  seq: number;
  cpo: PartyRef;
  emsp: PartyRef;
  modules: readonly string[];
  status: AgreementStatus;
  validFrom: Date | undefined;
  validUntil: Date | undefined;
  createdAt: Date;
  updatedAt: Date;
  changedBy: string;
  changedFrom: string | null;
  /** When the exchange of this ACTIVE period began; unset while it is due. */
  exchangeStartedAt: Date | undefined;
}

/** The agreements, indexed for the routing decision: one map look-up per question. */
export interface AgreementIndex {
  /** Every agreement, in creation order. */
  list(): readonly Agreement[];
  get(id: string): Agreement | undefined;
  /** ACTIVE agreements whose exchange has not begun: not yet in force, or just created or resumed. */
  unstarted(): readonly Agreement[];
  /** Whether an agreement in force at `at` lets this CPO and eMSP exchange the module. */
  covers(cpo: PartyRef, emsp: PartyRef, module: string, at: Date): boolean;
  /** The agreements naming the party, on either side. */
  of(party: PartyRef): readonly Agreement[];
  /**
   * The other sides of the agreements in force at `at` where the party is
   * the CPO (or the eMSP), for the module or for any module; in creation
   * order, one entry per agreement.
   */
  partners(
    party: PartyRef,
    side: "cpo" | "emsp",
    module: string | undefined,
    at: Date,
  ): readonly PartyRef[];
}

const NONE: readonly Agreement[] = [];

const codes = (p: PartyRef) => pairKey(p.countryCode, p.partyId);
const pairOf = (cpo: PartyRef, emsp: PartyRef) => `${codes(cpo)}|${codes(emsp)}`;

export function agreementOf(row: AgreementRow): Agreement {
  return {
    id: row.id,
    seq: row.seq,
    cpo: { countryCode: row.cpoCountryCode, partyId: row.cpoPartyId },
    emsp: { countryCode: row.emspCountryCode, partyId: row.emspPartyId },
    modules: row.modules,
    status: row.status,
    validFrom: row.validFrom ?? undefined,
    validUntil: row.validUntil ?? undefined,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    changedBy: row.changedBy,
    changedFrom: row.changedFrom,
    exchangeStartedAt: row.exchangeStartedAt ?? undefined,
  };
}

/** ACTIVE, and `at` lies in [valid_from, valid_until). */
export function inForce(a: Agreement, at: Date): boolean {
  if (a.status !== "ACTIVE") return false;
  const t = at.getTime();
  if (a.validFrom !== undefined && t < a.validFrom.getTime()) return false;
  return a.validUntil === undefined || t < a.validUntil.getTime();
}

/** Whether two validity periods share an instant; an open end reaches forever. */
function periodsMeet(a: Agreement, b: Pick<Agreement, "validFrom" | "validUntil">): boolean {
  const start = (x: Date | undefined) => x?.getTime() ?? Number.NEGATIVE_INFINITY;
  const end = (x: Date | undefined) => x?.getTime() ?? Number.POSITIVE_INFINITY;
  return start(a.validFrom) < end(b.validUntil) && start(b.validFrom) < end(a.validUntil);
}

/**
 * An ACTIVE agreement of the same pair that shares a module and a moment
 * of validity with `candidate`: two such would make suspending one of them
 * meaningless. `candidate` itself (by id) does not count.
 */
export function overlapping(
  index: AgreementIndex,
  candidate: Pick<Agreement, "cpo" | "emsp" | "modules" | "validFrom" | "validUntil"> & {
    id?: string;
  },
): { agreement: Agreement; module: string } | undefined {
  for (const a of index.of(candidate.cpo)) {
    if (a.id === candidate.id || a.status !== "ACTIVE") continue;
    if (pairOf(a.cpo, a.emsp) !== pairOf(candidate.cpo, candidate.emsp)) continue;
    const module = a.modules.find((m) => candidate.modules.includes(m));
    if (module !== undefined && periodsMeet(a, candidate)) return { agreement: a, module };
  }
  return undefined;
}

/** A partner list and the span of time in which it holds: no agreement of it starts or ends inside. */
interface HeldList {
  list: readonly PartyRef[];
  from: number;
  until: number;
}

/**
 * The partners of one side of a party's agreements at `at`, and the span
 * around `at` in which no validity boundary of those agreements lies.
 */
function partnersAt(
  agreements: readonly Agreement[],
  side: "cpo" | "emsp",
  module: string | undefined,
  at: Date,
): HeldList {
  const t = at.getTime();
  let from = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  const list: PartyRef[] = [];
  for (const a of agreements) {
    if (module !== undefined && !a.modules.includes(module)) continue;
    for (const edge of [a.validFrom?.getTime(), a.validUntil?.getTime()]) {
      if (edge === undefined) continue;
      if (edge <= t) from = Math.max(from, edge);
      else until = Math.min(until, edge);
    }
    if (inForce(a, at)) list.push(side === "cpo" ? a.emsp : a.cpo);
  }
  return { list, from, until };
}

export function buildAgreementIndex(rows: readonly AgreementRow[]): AgreementIndex {
  const all = rows.map(agreementOf).sort((a, b) => a.seq - b.seq);
  const byId = new Map(all.map((a) => [a.id, a]));
  const byPair = new Map<string, Agreement[]>();
  const byParty = new Map<string, Agreement[]>();
  const add = (map: Map<string, Agreement[]>, key: string, a: Agreement) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [a]);
    else list.push(a);
  };
  /** ACTIVE agreements by the party on one side: `cpo|NL*CPO`, `emsp|DE*EMS`. */
  const bySide = new Map<string, Agreement[]>();
  for (const a of all) {
    if (a.status === "ACTIVE") {
      add(byPair, pairOf(a.cpo, a.emsp), a);
      add(bySide, `cpo|${codes(a.cpo)}`, a);
      add(bySide, `emsp|${codes(a.emsp)}`, a);
    }
    add(byParty, codes(a.cpo), a);
    if (codes(a.emsp) !== codes(a.cpo)) add(byParty, codes(a.emsp), a);
  }
  // Every request of a party asks for the same lists: each is made once and
  // kept while no agreement of it starts or ends (the snapshot holds the rest).
  const held = new Map<string, HeldList>();
  const unstarted = all.filter((a) => a.status === "ACTIVE" && a.exchangeStartedAt === undefined);
  return {
    list: () => all,
    get: (id) => byId.get(id),
    unstarted: () => unstarted,
    covers(cpo, emsp, module, at) {
      const list = byPair.get(pairOf(cpo, emsp));
      if (list === undefined) return false;
      for (const a of list) if (a.modules.includes(module) && inForce(a, at)) return true;
      return false;
    },
    of: (party) => byParty.get(codes(party)) ?? NONE,
    partners(party, side, module, at) {
      const key = `${side}|${codes(party)}`;
      const heldKey = `${key}|${module ?? ""}`;
      const t = at.getTime();
      const kept = held.get(heldKey);
      if (kept !== undefined && kept.from <= t && t < kept.until) return kept.list;
      const fresh = partnersAt(bySide.get(key) ?? NONE, side, module, at);
      held.set(heldKey, fresh);
      return fresh.list;
    },
  };
}

/** "no roaming agreement between NL/CPO and DE/EMS for sessions" */
export const noAgreement = (cpo: PartyRef, emsp: PartyRef, module: string) =>
  `no roaming agreement between ${partyName(cpo)} and ${partyName(emsp)} for ${module}`;

/** Whether two parties may exchange a module; the routing decision asks before anything flows. */
export type ExchangeCheck = (a: PartyWithRole, b: PartyWithRole, module: string) => boolean;

/**
 * The parties whose objects of a module a party may read from the hub's
 * cache: itself and its partners under agreements in force; undefined when
 * the policy restricts nobody.
 */
export type PartnersOf = (
  party: PartyWithRole,
  /** Without it, partners for any module. */
  module?: string,
) => readonly PartyRef[] | undefined;

export interface PartyWithRole extends PartyRef {
  role: string;
}

/**
 * The hub's roaming policy (ROAMING_POLICY): under `open` every pair
 * exchanges everything; under `agreements` only a CPO and an eMSP with an
 * agreement in force for the module do, and pairs of other roles (which no
 * agreement can name) exchange nothing.
 */
export function roamingPolicy(
  policy: "open" | "agreements",
  index: () => AgreementIndex,
  now: () => Date,
): { mayExchange: ExchangeCheck; partnersOf: PartnersOf } {
  if (policy === "open") return { mayExchange: () => true, partnersOf: () => undefined };
  // The index keeps one partner list per party, side and module while none of its agreements
  // starts or ends; the list with the party itself is kept beside it, so that every request of
  // the party gets the same array (store-lists.ts makes its query parameter once per array).
  const withOwn = new WeakMap<readonly PartyRef[], readonly PartyRef[]>();
  return {
    mayExchange(a, b, module) {
      if (a.role === "CPO" && b.role === "EMSP") return index().covers(a, b, module, now());
      if (a.role === "EMSP" && b.role === "CPO") return index().covers(b, a, module, now());
      return false;
    },
    partnersOf(party, module) {
      const own = { countryCode: party.countryCode, partyId: party.partyId };
      if (party.role !== "CPO" && party.role !== "EMSP") return [own];
      const side = party.role === "CPO" ? "cpo" : "emsp";
      const partners = index().partners(party, side, module, now());
      let list = withOwn.get(partners);
      if (list === undefined) {
        list = [own, ...partners];
        withOwn.set(partners, list);
      }
      return list;
    },
  };
}
