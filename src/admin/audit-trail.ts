import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env.js";
import { clientAddress } from "../ingress/incoming.js";
import { requestLog } from "../ingress/request-context.js";
import { redactText } from "../logging/redact.js";
import type { Actor } from "../registry/store-agreements.js";
import { AdminError } from "./errors.js";
import { BOOTSTRAP } from "./token-set.js";

/** What a handler tells the audit entry of its action. */
export interface AuditNote {
  /** The object acted on, when the path does not name it (a creation). */
  target?: string;
  detail?: Record<string, unknown>;
  /** The entry was written in the change's own transaction: the trail writes none. */
  written?: true;
}

interface AdminAction {
  method: string;
  path: RegExp;
  /** The action's name; `$1`… stand for the path's groups. */
  action: string;
  target: string;
}

/**
 * Every admin route that changes something, by method and path under
 * /admin, with the action and target its audit entry names. Read-only GETs
 * are not audited. test/unit/admin-actions.test.ts holds every mounted
 * non-GET route to an entry here.
 */
export const ADMIN_ACTIONS: readonly AdminAction[] = [
  { method: "POST", path: /^\/platforms$/, action: "platform.invite", target: "platform" },
  {
    method: "POST",
    path: /^\/platforms\/([^/]+)\/(register|suspend|resume|sync|resync|rotate|token-a)$/,
    action: "platform.$2",
    target: "platform/$1",
  },
  {
    method: "DELETE",
    path: /^\/platforms\/([^/]+)$/,
    action: "platform.delete",
    target: "platform/$1",
  },
  { method: "POST", path: /^\/agreements$/, action: "agreement.create", target: "agreement" },
  {
    method: "POST",
    path: /^\/agreements\/([^/]+)\/(suspend|resume|end)$/,
    action: "agreement.$2",
    target: "agreement/$1",
  },
  { method: "POST", path: /^\/tokens$/, action: "token.issue", target: "token" },
  { method: "DELETE", path: /^\/tokens\/([^/]+)$/, action: "token.revoke", target: "token/$1" },
];

const TARGET_MAX = 200;

/** The action and target of an admin request, by its path under /admin; undefined when it is no action. */
export function adminAction(
  method: string,
  path: string,
): { action: string; target: string } | undefined {
  for (const entry of ADMIN_ACTIONS) {
    if (entry.method !== method) continue;
    const m = entry.path.exec(path);
    if (m === null) continue;
    const fill = (template: string) =>
      template.replace(/\$(\d)/g, (_, i: string) => decoded(m[Number(i)] ?? ""));
    return { action: fill(entry.action), target: fill(entry.target).slice(0, TARGET_MAX) };
  }
  return undefined;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The acting admin token's name and the client's address. */
export const actorOf = (c: Context<AppEnv>): Actor => ({
  actor: (c.var.admin ?? BOOTSTRAP).name,
  address: clientAddress(c),
});

/** Adds to what the audit entry of this request will say. */
export function noteAudit(c: Context<AppEnv>, note: AuditNote): void {
  c.set("audit", { ...c.var.audit, ...note });
}

/** `ok`, or the failure as `<HTTP status> <error code>` and its message. */
function outcomeOf(c: Context<AppEnv>): { result: string; failure?: Record<string, unknown> } {
  const status = c.res.status;
  if (status < 400) return { result: "ok" };
  const err = c.error;
  if (err instanceof AdminError) {
    return { result: `${status} ${err.code}`, failure: { message: redactText(err.message) } };
  }
  if (err instanceof HTTPException) {
    return { result: `${status} BAD_REQUEST`, failure: { message: redactText(err.message) } };
  }
  return { result: err === undefined ? String(status) : `${status} INTERNAL` };
}

/**
 * Writes the audit entry of every admin action, failed ones too, once its
 * answer is made: the actor, the client's address, the action, its target,
 * the result and the detail. A handler whose change was one transaction
 * wrote its entry there and says so (`written`); a failed audit write is
 * logged and leaves the answer as it was.
 */
export const auditTrail = createMiddleware<AppEnv>(async (c, next) => {
  const named = adminAction(c.req.method, c.req.path.replace(/^\/admin/, ""));
  await next();
  if (named === undefined) return;
  const { result, failure } = outcomeOf(c);
  const note = c.var.audit;
  if (result === "ok" && note?.written) return;
  const deps = c.var.deps;
  const who = actorOf(c);
  const detail = failure ?? note?.detail ?? null;
  try {
    await deps.registry.recordAudit({
      at: deps.clock.now(),
      actor: who.actor,
      address: who.address ?? null,
      action: named.action,
      target: note?.target ?? named.target,
      result,
      detail,
    });
  } catch (err) {
    requestLog(c).error({ err, action: named.action }, "could not write the audit entry");
  }
});
