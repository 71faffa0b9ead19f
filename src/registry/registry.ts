import type { Bus } from "../bus/bus.js";
import type { AgreementRow, AgreementStatus, PartyRow, PlatformRow } from "../db/schema/index.js";
import type { Logger } from "../logging/logger.js";
import { pairKey } from "../ocpi/parties.js";
import { hashToken, type TokenEncoding, tokenCandidates } from "../ocpi/tokens.js";

/** At most this many resolved Authorization headers are remembered per snapshot. */
const SEEN_MAX = 10_000;

const NONE: readonly Hosted[] = [];

import {
  type AgreementIndex,
  buildAgreementIndex,
  type ExchangeCheck,
  type PartnersOf,
  roamingPolicy,
} from "./agreements.js";
import { partyKey, type RegistryStore } from "./store.js";
import type { Actor, NewAgreement } from "./store-agreements.js";

export type Party = Pick<PartyRow, "role" | "countryCode" | "partyId" | "businessDetails">;

/** A platform as the rest of the hub sees it: its row plus its parties. */
export interface Platform extends PlatformRow {
  roles: Party[];
}

/**
 * What a token opens. Token A, and the token the hub issued in a handshake it
 * started and has not completed ("pending"), open versions and credentials
 * only (transport_and_format: Authorization header); a registered
 * platform's token opens everything, and so does the new one of a
 * rotation in flight.
 */
export type Access = "token-a" | "pending" | "full";

export interface Caller {
  platform: Platform;
  access: Access;
  /** The form the token came in. */
  encoding: TokenEncoding;
  /** The token as presented (decoded); kept in memory for this request only. */
  token: string;
}

interface Snapshot {
  /**
   * Authorization header values already resolved against this snapshot, so a
   * known header costs one map look-up, not a decode and two hashes. Only
   * hits are kept, so unknown tokens cannot grow it; it dies with the snapshot.
   */
  seen: Map<string, Caller>;
  byId: Map<string, Platform>;
  byToken: Map<string, { platformId: string; access: Access }>;
  byParty: Map<string, Platform>;
  /** Every party under a (country_code, party_id) pair, whatever its role. */
  byPair: Map<string, Hosted[]>;
  agreements: AgreementIndex;
}

/** A party together with the platform that hosts it. */
export interface Hosted {
  platform: Platform;
  party: Party;
}

/**
 * The in-memory view of the registry: authentication and party look-ups
 * never query the database. It is rebuilt after every local change and
 * whenever another instance announces one on `ocpi.registry.changed`.
 */
export interface Registry {
  /** The caller an `Authorization` header value stands for, if any. */
  authenticate(header: string): Caller | undefined;
  get(id: string): Platform | undefined;
  list(): Platform[];
  /** The platform hosting a party, by role and CiString codes. */
  findParty(role: string, countryCode: string, partyId: string): Platform | undefined;
  /** Every party with these codes (one per role), with its platform; routing headers carry no role. */
  partiesAt(countryCode: string, partyId: string): readonly Hosted[];
  /**
   * Notes that the hub heard from the platform at `at` (epoch ms): a request
   * from it, or an answer of its to the hub. In memory and per instance, so
   * that the hot path writes nothing (hubclientinfo: Still alive check).
   */
  recordHeard(platformId: string, at: number): void;
  /** When this instance last heard from the platform (epoch ms), if it has. */
  lastHeard(platformId: string): number | undefined;
  /** The roaming agreements, as of the last reload. */
  agreements(): AgreementIndex;
  /** Whether two parties may exchange a module under ROAMING_POLICY and the agreements. */
  mayExchange: ExchangeCheck;
  /** Whose cached objects of a module a party may read; undefined when anyone's. */
  partnersOf: PartnersOf;
  /** The operator's recorded changes, newest first. */
  auditEntries: RegistryStore["auditEntries"];
  /** Records an admin action's audit entry on its own. */
  recordAudit: RegistryStore["recordAudit"];
  /** Records a new ACTIVE agreement; every instance sees it once this resolves. */
  recordAgreement(row: NewAgreement, who: Actor): Promise<void>;
  /** Moves an agreement from one status to another; false when it was no longer in `from`. */
  changeAgreement(change: {
    id: string;
    from: AgreementStatus;
    to: AgreementStatus;
    who: Actor;
    at: Date;
    action: string;
  }): Promise<boolean>;
  /**
   * Claims the start of an ACTIVE agreement's exchange (see
   * store-agreements.ts); true for one caller, whichever instance, and
   * every instance then sees it as started.
   */
  claimExchangeStart(id: string, at: Date): Promise<boolean>;
  /** Reloads the snapshot, then tells the other instances. */
  changed(platformId: string): Promise<void>;
  refresh(): Promise<void>;
  close(): void;
}

/** Runs `work` one at a time, and once more if asked for meanwhile: a burst of reloads coalesces. */
function coalescing(work: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  let again = false;
  return () => {
    if (pending !== undefined) {
      again = true;
      return pending;
    }
    pending = (async () => {
      try {
        do {
          again = false;
          await work();
        } while (again);
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

export async function createRegistry(options: {
  store: RegistryStore;
  bus: Bus;
  /** The subject of registry changes under the hub's NATS_PREFIX. */
  changedSubject: string;
  logger: Logger;
  instanceId: string;
  /** A reload this often even without announcements, in case one was lost on the way. */
  safetyRefreshMs?: number;
  /** ROAMING_POLICY; open when not given. */
  roamingPolicy?: "open" | "agreements";
  now?: () => Date;
}): Promise<Registry> {
  const { store, bus, changedSubject, logger, instanceId } = options;
  // Tokens stored before TOKEN_ENCRYPTION_KEY was set are encrypted at the first start with it.
  const sealed = await store.sealPlainTokens();
  if (sealed > 0) logger.info({ platforms: sealed }, "encrypted the stored tokens of platforms");
  const load = async () => {
    const [rows, agreementRows] = await Promise.all([store.loadAll(), store.loadAgreements()]);
    return build(rows, agreementRows);
  };
  let snapshot = await load();
  /** Outlives the snapshots: a reload must not make a platform look silent. */
  const heard = new Map<string, number>();
  const refresh = coalescing(async () => {
    snapshot = await load();
  });

  const unsubscribe = bus.subscribe(changedSubject, async (msg) => {
    const { origin, admin_token } = msg.json<{ origin?: string; admin_token?: string }>();
    // An admin token change (admin/token-set.ts) leaves the registry as it was.
    if (origin === instanceId || admin_token !== undefined) return;
    await refresh().catch((err: unknown) => logger.error({ err }, "registry reload failed"));
  });

  /** Reloads the snapshot, then tells the other instances what changed. */
  async function announce(what: Record<string, string>): Promise<void> {
    await refresh();
    await bus
      .publish(changedSubject, { origin: instanceId, ...what })
      .catch((err: unknown) => logger.error({ err }, "could not announce a registry change"));
  }

  const timer = setInterval(() => {
    refresh().catch((err: unknown) => logger.error({ err }, "registry reload failed"));
  }, options.safetyRefreshMs ?? 30_000);
  timer.unref();

  return {
    authenticate(header) {
      const known = snapshot.seen.get(header);
      if (known !== undefined) return known;
      const candidates = tokenCandidates(header);
      const hits: Caller[] = [];
      for (const candidate of candidates) {
        const entry = snapshot.byToken.get(hashToken(candidate.token));
        const platform = entry && snapshot.byId.get(entry.platformId);
        if (entry && platform) hits.push({ platform, access: entry.access, ...candidate });
      }
      // Exactly one reading of the header may match; two would be ambiguous.
      if (hits.length !== 1) return undefined;
      const caller = hits[0] as Caller;
      if (snapshot.seen.size >= SEEN_MAX) snapshot.seen.clear();
      snapshot.seen.set(header, caller);
      return caller;
    },
    get: (id) => snapshot.byId.get(id),
    list: () => [...snapshot.byId.values()],
    findParty: (role, countryCode, partyId) =>
      snapshot.byParty.get(partyKey({ role, countryCode, partyId })),
    partiesAt: (countryCode, partyId) => snapshot.byPair.get(pairKey(countryCode, partyId)) ?? NONE,
    recordHeard(platformId, at) {
      // Removed platforms leave their entry behind; the map is one number per platform ever seen.
      if ((heard.get(platformId) ?? 0) < at) heard.set(platformId, at);
    },
    lastHeard: (platformId) => heard.get(platformId),
    agreements: () => snapshot.agreements,
    ...roamingPolicy(
      options.roamingPolicy ?? "open",
      () => snapshot.agreements,
      options.now ?? (() => new Date()),
    ),
    auditEntries: (options) => store.auditEntries(options),
    recordAudit: (entry) => store.recordAudit(entry),
    async recordAgreement(row, who) {
      await store.createAgreement(row, who);
      await announce({ agreement_id: row.id });
    },
    async changeAgreement({ id, from, to, who, at, action }) {
      const changed = await store.setAgreementStatus(id, from, to, who, at, action);
      if (changed !== undefined) await announce({ agreement_id: id });
      return changed !== undefined;
    },
    async claimExchangeStart(id, at) {
      const claimed = await store.claimExchangeStart(id, at);
      if (claimed) await announce({ agreement_id: id });
      return claimed;
    },
    changed: (platformId) => announce({ platform_id: platformId }),
    refresh,
    close() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}

function build(
  rows: { platforms: PlatformRow[]; parties: PartyRow[] },
  agreementRows: readonly AgreementRow[],
): Snapshot {
  const byId = new Map<string, Platform>();
  const byToken = new Map<string, { platformId: string; access: Access }>();
  const byParty = new Map<string, Platform>();
  const byPair = new Map<string, Hosted[]>();
  for (const row of rows.platforms) {
    const platform: Platform = { ...row, roles: [] };
    byId.set(row.id, platform);
    const registered = row.version !== null && row.outboundToken !== null;
    if (row.tokenAHash) {
      // Registered, the column holds the new token of a rotation in flight (store-rotations.ts).
      byToken.set(row.tokenAHash, { platformId: row.id, access: registered ? "full" : "token-a" });
    }
    if (row.inboundTokenHash) {
      byToken.set(row.inboundTokenHash, {
        platformId: row.id,
        access: registered ? "full" : "pending",
      });
    }
  }
  for (const row of rows.parties) {
    const platform = byId.get(row.platformId);
    if (platform === undefined) continue;
    const party: Party = {
      role: row.role,
      countryCode: row.countryCode,
      partyId: row.partyId,
      businessDetails: row.businessDetails,
    };
    platform.roles.push(party);
    byParty.set(partyKey(row), platform);
    const key = pairKey(row.countryCode, row.partyId);
    const hosted = byPair.get(key);
    if (hosted === undefined) byPair.set(key, [{ platform, party }]);
    else hosted.push({ platform, party });
  }
  const agreements = buildAgreementIndex(agreementRows);
  return { seen: new Map(), byId, byToken, byParty, byPair, agreements };
}

/** The platform's URL for a module and interface role, from its version details. */
export function endpointOf(
  platform: Platform,
  module: string,
  iface: "SENDER" | "RECEIVER",
): string | undefined {
  for (const e of platform.endpoints) {
    if (e.identifier === module && e.role === iface) return e.url;
  }
  return undefined;
}
