import { cdrs } from "./cdrs.js";
import { chargingprofiles } from "./chargingprofiles.js";
import { commands } from "./commands.js";
import { credentials } from "./credentials.js";
import { hubclientinfo } from "./hubclientinfo.js";
import { locations } from "./locations.js";
import type { BroadcastSpec, CacheSpec, FunctionalModuleSpec, ModuleSpec } from "./module-spec.js";
import { sessions } from "./sessions.js";
import { tariffs } from "./tariffs.js";
import { tokens } from "./tokens.js";
import { versions } from "./versions.js";

/**
 * The module table: every module the hub speaks, each with everything the
 * hub knows about it. The router, the version details, delivery and the
 * cache read it; a new module is one file beside this one plus its schemas
 * in ocpi/schemas/.
 */
export const MODULES: readonly ModuleSpec[] = [
  credentials,
  hubclientinfo,
  versions,
  locations,
  sessions,
  cdrs,
  tariffs,
  tokens,
  commands,
  chargingprofiles,
];

/** The modules whose traffic the hub routes between parties. */
export const FUNCTIONAL_MODULES: readonly FunctionalModuleSpec[] = MODULES.filter(
  (m): m is FunctionalModuleSpec => m.kind === "functional",
);

/** A functional module with a cache, with that cache's facts. */
export type CachedModuleSpec = FunctionalModuleSpec & { cache: CacheSpec };

/** Whether the hub caches this module's objects. */
export const isCached = (m: FunctionalModuleSpec): m is CachedModuleSpec => m.cache !== undefined;

/** The modules whose objects the hub caches (locations, tariffs). */
export const CACHED_MODULES: readonly CachedModuleSpec[] = FUNCTIONAL_MODULES.filter(isCached);

/** A functional module the hub fans out when a push names the hub. */
export type BroadcastModuleSpec = FunctionalModuleSpec & { broadcast: BroadcastSpec };

const BY_ID = new Map(MODULES.map((m) => [m.id, m]));

/** The module with this identifier, if the hub speaks it. */
export function findModule(id: string): ModuleSpec | undefined {
  return BY_ID.get(id);
}

/** The cache facts of a module, or undefined when the hub does not cache it. */
export function cacheOf(id: string): CacheSpec | undefined {
  const m = BY_ID.get(id);
  return m?.kind === "functional" ? m.cache : undefined;
}

/** The broadcast facts of a module, or undefined when the hub does not fan it out. */
export function broadcastOf(id: string): BroadcastSpec | undefined {
  const m = BY_ID.get(id);
  return m?.kind === "functional" ? m.broadcast : undefined;
}
