import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { listMessages, type MessageFilter, messageWithLegs } from "../messages/store.js";
import { adminInvalid, adminNotFound } from "./errors.js";

/** Messages per page at most. */
const PAGE_MAX = 1000;
const PARTY = /^([A-Z]{2})\/([A-Z0-9]{3})$/;

/** The message log (docs/messages.md): search, and one message traced with its legs. */
export function messageRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get("/messages", async (c) => {
    const filter = filterOf((name) => c.req.query(name));
    return c.json(await listMessages(c.var.deps.db.db, filter));
  });

  routes.get("/messages/:requestId", async (c) => {
    const found = await messageWithLegs(
      c.var.deps.db.db,
      c.req.param("requestId"),
      c.req.query("platform") || undefined,
    );
    if (found === undefined) throw adminNotFound("message");
    return c.json(found);
  });

  return routes;
}

/** The query's filters; a bad value is refused naming its parameter. */
export function filterOf(query: (name: string) => string | undefined): MessageFilter {
  const text = (name: string) => {
    const value = query(name);
    return value === undefined || value === "" ? undefined : value;
  };
  const f: MessageFilter = {
    correlationId: text("correlation_id"),
    requestId: text("request_id"),
    platform: text("platform"),
    module: text("module"),
    objectId: text("object_id"),
    limit: whole("limit", text("limit"), 1, PAGE_MAX) ?? 100,
    cursor: whole("cursor", text("cursor"), 1, Number.MAX_SAFE_INTEGER),
    statusCode: whole("status_code", text("status_code"), 1000, 4999),
    since: instant("since", text("since")),
    until: instant("until", text("until")),
  };
  const party = text("party");
  if (party !== undefined) {
    const m = PARTY.exec(party);
    if (m === null) throw adminInvalid("party must be CC/PID, such as NL/CPO");
    f.party = { countryCode: m[1] as string, partyId: m[2] as string };
  }
  return f;
}

function whole(name: string, value: string | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw adminInvalid(`${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function instant(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw adminInvalid(`${name} must be an ISO 8601 date-time, such as 2026-01-31T12:00:00Z`);
  }
  return at;
}
