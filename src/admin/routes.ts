import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { startSync } from "../cache/sync.js";
import type { CacheSyncRow } from "../db/schema/index.js";
import type { Deps } from "../deps.js";
import { HandshakeBusy, registerByHub, tellUnregistered } from "../hub/credentials/handshake.js";
import { announcePlatform } from "../hub/hubclientinfo.js";
import { requestLog } from "../ingress/request-context.js";
import { OcpiError } from "../ocpi/errors.js";
import { CountryCode, PartyId, Url } from "../ocpi/schemas/primitives.js";
import { generateToken, hashToken } from "../ocpi/tokens.js";
import type { Platform } from "../registry/registry.js";
import { partyKey } from "../registry/store.js";
import { requireAdmin } from "./authenticate.js";
import { AdminError, adminConflict, adminInvalid, adminNotFound } from "./errors.js";

const InviteSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  roles: z
    .array(
      z.object({
        role: z.enum(["CPO", "EMSP", "NAP", "NSP", "OTHER", "SCSP"]),
        country_code: CountryCode,
        party_id: PartyId,
      }),
    )
    .min(1, "must list at least one role"),
});

const RegisterSchema = z.object({
  versions_url: Url,
  token: z
    .string()
    .min(1)
    .max(64, "must be at most 64 characters")
    .regex(/^[\x21-\x7e]+$/, "must consist of printable ASCII characters without spaces"),
});

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
    error: row.error,
  };
}

/** The platform as the admin API shows it; no token or token hash ever leaves the hub. */
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
    endpoints: p.endpoints,
    last_error: p.lastError,
    registered_at: p.registeredAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    sync: syncView(sync),
  };
}

/** A platform's view with its sync read from the database. */
async function viewOf(deps: Deps, id: string) {
  const platform = platformOr404(deps, id);
  return platformView(platform, await deps.cache.syncOf(id));
}

async function parseBody<S extends z.ZodType>(
  schema: S,
  read: () => Promise<unknown>,
): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await read();
  } catch {
    throw adminInvalid("request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw adminInvalid(
      parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
    );
  }
  return parsed.data;
}

function platformOr404(deps: Deps, id: string): Platform {
  const platform = deps.registry.get(id);
  if (platform === undefined) throw adminNotFound(`platform ${id}`);
  return platform;
}

/** The operator's API (architecture.md: Admin API). */
export function adminRoutes() {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireAdmin);

  routes.post("/platforms", async (c) => {
    const deps = c.var.deps;
    const body = await parseBody(InviteSchema, () => c.req.json());
    const roles = body.roles.map((r) => ({
      role: r.role,
      countryCode: r.country_code.toUpperCase(),
      partyId: r.party_id.toUpperCase(),
    }));
    const keys = roles.map(partyKey);
    if (new Set(keys).size !== keys.length)
      throw adminInvalid("roles: the same role is listed twice");
    for (const r of roles) {
      const owner = deps.registry.findParty(r.role, r.countryCode, r.partyId);
      if (owner)
        throw adminConflict(
          `${r.role} ${r.countryCode}/${r.partyId} already belongs to platform ${owner.id}`,
        );
    }
    const id = randomUUID();
    const tokenA = generateToken();
    try {
      await deps.store.insertPlatform({
        id,
        name: body.name,
        tokenAHash: hashToken(tokenA),
        roles,
        now: deps.clock.now(),
      });
    } catch (err) {
      // Another instance invited the same party in the meantime (unique constraint).
      await deps.registry.refresh();
      if (roles.some((r) => deps.registry.findParty(r.role, r.countryCode, r.partyId))) {
        throw adminConflict("one of these roles was invited meanwhile");
      }
      throw err;
    }
    await deps.registry.changed(id);
    await deps.deliveries
      .opened(id)
      .catch((err: unknown) =>
        requestLog(c).error({ err, platform_id: id }, "could not create the delivery consumer"),
      );
    deps.tasks.run("announce invited platform", () => announcePlatform(deps, id));
    const platform = platformOr404(deps, id);
    requestLog(c).info({ platform_id: id }, "platform invited");
    return c.json(
      {
        ...platformView(platform),
        token_a: tokenA,
        versions_url: `${deps.config.hubUrl}/ocpi/versions`,
      },
      201,
    );
  });

  routes.get("/platforms", async (c) => {
    const deps = c.var.deps;
    const list = deps.registry.list().sort((a, b) => a.seq - b.seq);
    const syncs = await deps.cache.syncsOf(list.map((p) => p.id));
    return c.json({ data: list.map((p) => platformView(p, syncs.get(p.id))) });
  });

  routes.get("/platforms/:id", async (c) => c.json(await viewOf(c.var.deps, c.req.param("id"))));

  // Pulls a CPO's locations and tariffs into the cache; progress shows on the platform.
  routes.post("/platforms/:id/sync", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const refusal = await startSync(deps, platform.id, "admin");
    if (refusal !== undefined) throw adminConflict(refusal);
    requestLog(c).info({ platform_id: platform.id }, "cache sync requested");
    return c.json(await viewOf(deps, platform.id), 202);
  });

  // Per recipient: what waits, what is retried, what was dropped, the last error and success.
  routes.get("/deliveries", async (c) => {
    const deps = c.var.deps;
    return c.json({ durable: deps.queue.durable, data: await deps.deliveries.view() });
  });

  // Sends the platform the current copy of every cached location and tariff it may see.
  routes.post("/platforms/:id/resync", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    if (platform.status !== "CONNECTED") {
      throw adminConflict(`platform is ${platform.status}; only a CONNECTED platform is resynced`);
    }
    const queued = await deps.deliveries.resync(platform.id);
    requestLog(c).info({ platform_id: platform.id, ...queued }, "resync queued");
    return c.json({ platform_id: platform.id, queued }, 202);
  });

  routes.post("/platforms/:id/register", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const body = await parseBody(RegisterSchema, () => c.req.json());
    if (platform.status !== "PENDING") {
      throw adminConflict(
        `platform is ${platform.status}; only a PENDING platform can be registered`,
      );
    }
    try {
      await registerByHub(deps, platform, body.versions_url, body.token, c.var.correlationId);
    } catch (err) {
      if (err instanceof HandshakeBusy) throw adminConflict(err.message);
      if (!(err instanceof OcpiError)) throw err;
      await deps.store.update(platform.id, { lastError: err.message }, deps.clock.now());
      await deps.registry.changed(platform.id);
      throw new AdminError(502, "REGISTRATION_FAILED", err.message, {
        ocpi_status_code: err.statusCode,
      });
    }
    return c.json(await viewOf(deps, platform.id));
  });

  // A new Token A, for a platform that unregistered or lost the first one; the old one dies.
  routes.post("/platforms/:id/token-a", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const tokenA = generateToken();
    if (!(await deps.store.replaceTokenA(platform.id, hashToken(tokenA), deps.clock.now()))) {
      throw adminConflict(
        `platform is ${platform.status}; only a PENDING platform gets a new Token A`,
      );
    }
    await deps.registry.changed(platform.id);
    return c.json({
      id: platform.id,
      token_a: tokenA,
      versions_url: `${deps.config.hubUrl}/ocpi/versions`,
    });
  });

  routes.post("/platforms/:id/suspend", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    if (platform.status !== "SUSPENDED") {
      await deps.store.update(platform.id, { status: "SUSPENDED" }, deps.clock.now());
      await deps.registry.changed(platform.id);
      deps.tasks.run("announce suspended platform", () => announcePlatform(deps, platform.id));
      requestLog(c).info({ platform_id: platform.id }, "platform suspended");
    }
    return c.json(await viewOf(deps, platform.id));
  });

  routes.post("/platforms/:id/resume", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    if (platform.status === "SUSPENDED") {
      const registered = platform.version !== null && platform.outboundToken !== null;
      await deps.store.update(
        platform.id,
        { status: registered ? "CONNECTED" : "PENDING" },
        deps.clock.now(),
      );
      await deps.registry.changed(platform.id);
      deps.tasks.run("announce resumed platform", () => announcePlatform(deps, platform.id));
      // Pushes were refused while it was suspended: pull what changed meanwhile.
      if (registered) await startSync(deps, platform.id, "resume");
      requestLog(c).info({ platform_id: platform.id }, "platform resumed");
    }
    return c.json(await viewOf(deps, platform.id));
  });

  routes.delete("/platforms/:id", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    await tellUnregistered(deps, platform);
    await deps.store.deletePlatform(platform.id);
    await deps.registry.changed(platform.id);
    await deps.deliveries
      .removed(platform.id)
      .catch((err: unknown) =>
        requestLog(c).error(
          { err, platform_id: platform.id },
          "could not remove the delivery consumer",
        ),
      );
    deps.tasks.run("close the removed platform's pools", () => deps.client.release(platform.id));
    deps.tasks.run("announce removed platform", () =>
      announcePlatform(deps, platform.id, platform.roles),
    );
    requestLog(c).info({ platform_id: platform.id }, "platform removed");
    return c.body(null, 204);
  });

  return routes;
}
