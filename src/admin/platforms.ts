import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { startSync } from "../cache/sync.js";
import { tellUnregistered } from "../hub/credentials/handshake.js";
import { requestLog } from "../ingress/request-context.js";
import { CountryCode, PartyId } from "../ocpi/schemas/primitives.js";
import { hubUrls } from "../ocpi/version.js";
import { partyKey } from "../registry/store.js";
import { noteAudit } from "./audit-trail.js";
import { adminConflict, adminInvalid } from "./errors.js";
import { parseBody } from "./parse-body.js";
import { platformOr404, platformView, viewOf } from "./views.js";

export const InviteSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  roles: z
    .array(
      z.object({
        role: z.enum(["CPO", "EMSP", "NAP", "NSP", "OTHER", "SCSP"]),
        country_code: CountryCode,
        party_id: PartyId,
      }),
    )
    .min(1, "must list at least one role")
    // A 2.1.1 connection is one party, its role stated here (docs/ocpi-2.1.1/credentials.md).
    .describe(
      "the parties the platform hosts; a platform that registers over OCPI 2.1.1 has exactly one, a CPO or an EMSP",
    ),
});

/** Platforms: invite, list, show, suspend, resume, remove. */
export function platformRoutes() {
  const routes = new Hono<AppEnv>();

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
    const invited = await deps.lifecycle.invite(body.name, roles, requestLog(c));
    if (invited === undefined) throw adminConflict("one of these roles was invited meanwhile");
    const platform = platformOr404(deps, invited.id);
    noteAudit(c, {
      target: `platform/${invited.id}`,
      detail: { name: body.name, roles: body.roles },
    });
    requestLog(c).info({ platform_id: invited.id }, "platform invited");
    return c.json(
      {
        ...platformView(platform),
        token_a: invited.tokenA,
        versions_url: hubUrls.versions(deps.config.hubUrl),
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

  routes.post("/platforms/:id/suspend", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    if (await deps.lifecycle.suspend(platform)) {
      requestLog(c).info({ platform_id: platform.id }, "platform suspended");
    }
    return c.json(await viewOf(deps, platform.id));
  });

  routes.post("/platforms/:id/resume", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const resumed = await deps.lifecycle.resume(platform);
    if (resumed !== undefined) {
      // Pushes were refused while it was suspended: pull what changed meanwhile.
      if (resumed === "CONNECTED") await startSync(deps, platform.id, "resume");
      requestLog(c).info({ platform_id: platform.id }, "platform resumed");
    }
    return c.json(await viewOf(deps, platform.id));
  });

  routes.delete("/platforms/:id", async (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    await tellUnregistered(deps, platform);
    await deps.lifecycle.remove(platform, requestLog(c));
    requestLog(c).info({ platform_id: platform.id }, "platform removed");
    return c.body(null, 204);
  });

  return routes;
}
