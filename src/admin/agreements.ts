import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import type { AgreementStatus } from "../db/schema/index.js";
import type { Deps } from "../deps.js";
import { startDueExchanges } from "../hub/agreement-starts.js";
import { requestLog } from "../ingress/request-context.js";
import { FUNCTIONAL_MODULES } from "../modules/index.js";
import { type PartyRef, partyName } from "../ocpi/parties.js";
import { CountryCode, DateTime, PartyId, parseDateTime } from "../ocpi/schemas/primitives.js";
import { type Agreement, overlapping } from "../registry/agreements.js";
import { actorOf, noteAudit } from "./audit-trail.js";
import { adminConflict, adminInvalid, adminNotFound } from "./errors.js";
import { parseBody } from "./parse-body.js";

/** The modules an agreement may cover: every module whose traffic the hub routes. */
export const AGREEMENT_MODULES: readonly string[] = FUNCTIONAL_MODULES.map((m) => m.id);

const PartyCodes = z.object({ country_code: CountryCode, party_id: PartyId });

export const CreateSchema = z
  .object({
    cpo: PartyCodes,
    emsp: PartyCodes,
    modules: z
      .array(
        z.string().refine((m) => AGREEMENT_MODULES.includes(m), {
          message: `must be one of ${AGREEMENT_MODULES.join(", ")}`,
        }),
      )
      .min(1, "must list at least one module; leave it out for all")
      .optional(),
    valid_from: DateTime.optional(),
    valid_until: DateTime.optional(),
  })
  .refine(
    (b) =>
      b.valid_from === undefined ||
      b.valid_until === undefined ||
      parseDateTime(b.valid_until) > parseDateTime(b.valid_from),
    { message: "must be after valid_from", path: ["valid_until"] },
  );

/** Where each status change may start, and what the change is called in the audit log. */
const CHANGES: Record<string, { from: readonly AgreementStatus[]; to: AgreementStatus }> = {
  suspend: { from: ["ACTIVE"], to: "SUSPENDED" },
  resume: { from: ["SUSPENDED"], to: "ACTIVE" },
  end: { from: ["ACTIVE", "SUSPENDED"], to: "ENDED" },
};

const codesView = (p: PartyRef) => ({ country_code: p.countryCode, party_id: p.partyId });

export function agreementView(a: Agreement) {
  return {
    id: a.id,
    cpo: codesView(a.cpo),
    emsp: codesView(a.emsp),
    modules: [...a.modules],
    status: a.status,
    valid_from: a.validFrom?.toISOString() ?? null,
    valid_until: a.validUntil?.toISOString() ?? null,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
    changed_by: a.changedBy,
  };
}

/** `NL/CPO` or `NL%2FCPO`; undefined when it is not a pair of codes. */
export function parsePartyParam(value: string): PartyRef | undefined {
  const m = /^([A-Za-z]{2})\/([A-Za-z0-9]{3})$/.exec(decodeURIComponent(value));
  return m === null
    ? undefined
    : { countryCode: (m[1] as string).toUpperCase(), partyId: (m[2] as string).toUpperCase() };
}

/** The party with these codes in this role, named in the error when it is not registered so. */
function partyIn(deps: Deps, field: string, role: "CPO" | "EMSP", codes: PartyRef): PartyRef {
  const hosted = deps.registry.partiesAt(codes.countryCode, codes.partyId);
  if (hosted.length === 0) throw adminInvalid(`${field}: no party ${partyName(codes)} is invited`);
  const party = hosted.find((h) => h.party.role === role)?.party;
  if (party === undefined) {
    const roles = hosted.map((h) => h.party.role).join(", ");
    throw adminInvalid(`${field}: ${partyName(codes)} is ${roles}, not ${role}`);
  }
  return { countryCode: party.countryCode.toUpperCase(), partyId: party.partyId.toUpperCase() };
}

function agreementOr404(deps: Deps, id: string): Agreement {
  const agreement = deps.registry.agreements().get(id);
  if (agreement === undefined) throw adminNotFound(`agreement ${id}`);
  return agreement;
}

/** Roaming agreements: record, list, show, suspend, resume, end. */
export function agreementRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post("/agreements", async (c) => {
    const deps = c.var.deps;
    const body = await parseBody(CreateSchema, () => c.req.json());
    const cpo = partyIn(deps, "cpo", "CPO", {
      countryCode: body.cpo.country_code,
      partyId: body.cpo.party_id,
    });
    const emsp = partyIn(deps, "emsp", "EMSP", {
      countryCode: body.emsp.country_code,
      partyId: body.emsp.party_id,
    });
    const modules = AGREEMENT_MODULES.filter((m) =>
      (body.modules ?? AGREEMENT_MODULES).includes(m),
    );
    const validFrom = body.valid_from === undefined ? undefined : parseDateTime(body.valid_from);
    const validUntil = body.valid_until === undefined ? undefined : parseDateTime(body.valid_until);
    const candidate = { cpo, emsp, modules, validFrom, validUntil };
    await deps.registry.refresh();
    const clash = overlapping(deps.registry.agreements(), candidate);
    if (clash !== undefined) {
      throw adminConflict(
        `agreement ${clash.agreement.id} between ${partyName(cpo)} and ${partyName(emsp)} already covers ${clash.module} in this period`,
      );
    }
    const id = randomUUID();
    await deps.registry.recordAgreement(
      {
        id,
        cpoCountryCode: cpo.countryCode,
        cpoPartyId: cpo.partyId,
        emspCountryCode: emsp.countryCode,
        emspPartyId: emsp.partyId,
        modules,
        validFrom: validFrom ?? null,
        validUntil: validUntil ?? null,
        createdAt: deps.clock.now(),
      },
      actorOf(c),
    );
    noteAudit(c, { target: `agreement/${id}`, written: true });
    requestLog(c).info({ agreement_id: id }, "agreement recorded");
    const recorded = agreementOr404(deps, id);
    await startDueExchanges(deps);
    return c.json(agreementView(recorded), 201);
  });

  routes.get("/agreements", (c) => {
    const deps = c.var.deps;
    const partyParam = c.req.query("party");
    const status = c.req.query("status");
    const party = partyParam === undefined ? undefined : parsePartyParam(partyParam);
    if (partyParam !== undefined && party === undefined) {
      throw adminInvalid("party: must be COUNTRY_CODE/PARTY_ID, e.g. NL/CPO");
    }
    if (status !== undefined && !["ACTIVE", "SUSPENDED", "ENDED"].includes(status)) {
      throw adminInvalid("status: must be ACTIVE, SUSPENDED or ENDED");
    }
    const index = deps.registry.agreements();
    const list = (party === undefined ? index.list() : index.of(party)).filter(
      (a) => status === undefined || a.status === status,
    );
    return c.json({ data: list.map(agreementView) });
  });

  routes.get("/agreements/:id", (c) =>
    c.json(agreementView(agreementOr404(c.var.deps, c.req.param("id")))),
  );

  for (const [action, change] of Object.entries(CHANGES)) {
    routes.post(`/agreements/:id/${action}`, async (c) => {
      const deps = c.var.deps;
      await deps.registry.refresh();
      const agreement = agreementOr404(deps, c.req.param("id"));
      if (agreement.status === change.to) {
        noteAudit(c, { detail: { unchanged: agreement.status } });
        return c.json(agreementView(agreement));
      }
      if (!change.from.includes(agreement.status)) {
        throw adminConflict(`agreement is ${agreement.status}; it cannot ${action}`);
      }
      if (change.to === "ACTIVE") {
        const clash = overlapping(deps.registry.agreements(), agreement);
        if (clash !== undefined) {
          throw adminConflict(
            `agreement ${clash.agreement.id} already covers ${clash.module} for this pair in this period`,
          );
        }
      }
      const changed = await deps.registry.changeAgreement({
        id: agreement.id,
        from: agreement.status,
        to: change.to,
        who: actorOf(c),
        at: deps.clock.now(),
        action: `agreement.${action}`,
      });
      if (!changed) throw adminConflict("the agreement was changed meanwhile; read it again");
      noteAudit(c, { written: true });
      requestLog(c).info({ agreement_id: agreement.id, status: change.to }, `agreement ${action}`);
      const now = agreementOr404(deps, agreement.id);
      if (change.to === "ACTIVE") await startDueExchanges(deps);
      return c.json(agreementView(now));
    });
  }

  return routes;
}
