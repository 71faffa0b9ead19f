import type { CacheSyncRow } from "../db/schema/index.js";
import type { Deps } from "../deps.js";
import { redactText, redactUrl } from "../logging/redact.js";
import type { Platform } from "../registry/registry.js";
import { adminNotFound } from "./errors.js";

/** A platform's last cache sync as the admin API shows it; null before the first. */
export function syncView(row: CacheSyncRow | undefined) {
  if (row === undefined) return null;
  return {
    status: row.status,
    trigger: row.trigger,
    started_at: row.startedAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
    pages: row.pages,
    locations: row.locations,
    tariffs: row.tariffs,
    skipped: row.skipped,
    removed: row.removed,
    error: row.error === null ? null : redactText(row.error),
  };
}

/**
 * The platform as the admin API shows it; no token or token hash ever
 * leaves the hub, nor the userinfo or token values of a URL.
 */
export function platformView(p: Platform, sync?: CacheSyncRow) {
  return {
    id: p.id,
    name: p.name,
    status: p.status,
    roles: p.roles.map((r) => ({
      role: r.role,
      country_code: r.countryCode,
      party_id: r.partyId,
      ...(r.businessDetails ? { business_details: r.businessDetails } : {}),
    })),
    version: p.version,
    endpoints: p.endpoints.map((e) => ({ ...e, url: redactUrl(e.url) })),
    last_error: p.lastError === null ? null : redactText(p.lastError),
    registered_at: p.registeredAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    sync: syncView(sync),
  };
}

/** A platform's view with its sync read from the database. */
export async function viewOf(deps: Deps, id: string) {
  const platform = platformOr404(deps, id);
  return platformView(platform, await deps.cache.syncOf(id));
}

export function platformOr404(deps: Deps, id: string): Platform {
  const platform = deps.registry.get(id);
  if (platform === undefined) throw adminNotFound(`platform ${id}`);
  return platform;
}
