import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import type { AuditRow } from "../db/schema/index.js";
import { DateTime, parseDateTime } from "../ocpi/schemas/primitives.js";
import { inForce } from "../registry/agreements.js";
import { adminInvalid } from "./errors.js";
import { platformOr404 } from "./views.js";

const AUDIT_PAGE_MAX = 500;

const auditView = (row: AuditRow) => ({
  at: row.at.toISOString(),
  actor: row.actor,
  address: row.address,
  action: row.action,
  target: row.target,
  result: row.result,
  detail: row.detail,
});

function wholeNumber(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw adminInvalid(`${name}: must be a whole number between 1 and ${max}`);
  }
  return n;
}

/** `?since=`: an OCPI DateTime. */
function sinceOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (!DateTime.safeParse(value).success) {
    throw adminInvalid("since: must be an OCPI DateTime, e.g. 2026-01-31T12:00:00Z");
  }
  return parseDateTime(value);
}

/** The operator's actions, newest first (filtered by since, action, target), and who each platform may exchange what with. */
export function auditRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get("/audit", async (c) => {
    const limit = wholeNumber("limit", c.req.query("limit"), AUDIT_PAGE_MAX) ?? 100;
    const before = wholeNumber("cursor", c.req.query("cursor"), Number.MAX_SAFE_INTEGER);
    const target = c.req.query("target");
    const action = c.req.query("action");
    const since = sinceOf(c.req.query("since"));
    const rows = await c.var.deps.registry.auditEntries({
      limit: limit + 1,
      before,
      target,
      action,
      since,
    });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? String(page[page.length - 1]?.seq) : null;
    return c.json({ data: page.map(auditView), next });
  });

  routes.get("/platforms/:id/partners", (c) => {
    const deps = c.var.deps;
    const platform = platformOr404(deps, c.req.param("id"));
    const now = deps.clock.now();
    const index = deps.registry.agreements();
    const data = platform.roles.flatMap((own) => {
      if (own.role !== "CPO" && own.role !== "EMSP") return [];
      return index
        .of(own)
        .filter((a) => inForce(a, now))
        .flatMap((a) => {
          const cpoSide = own.role === "CPO";
          const mine = cpoSide ? a.cpo : a.emsp;
          if (mine.countryCode !== own.countryCode.toUpperCase()) return [];
          if (mine.partyId !== own.partyId.toUpperCase()) return [];
          const other = cpoSide ? a.emsp : a.cpo;
          return [
            {
              agreement_id: a.id,
              own: { country_code: own.countryCode, party_id: own.partyId, role: own.role },
              party: {
                country_code: other.countryCode,
                party_id: other.partyId,
                role: cpoSide ? "EMSP" : "CPO",
              },
              modules: [...a.modules],
            },
          ];
        });
    });
    return c.json({ data });
  });

  return routes;
}
