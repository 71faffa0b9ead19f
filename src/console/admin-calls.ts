import type { Context } from "hono";
import { Hono } from "hono";
import { adminFailure } from "../admin/errors.js";
import { adminActions } from "../admin/routes.js";
import type { AdminIdentity } from "../admin/token-set.js";
import type { AppEnv } from "../app-env.js";
import { requestLog } from "../ingress/request-context.js";

/** An admin API answer as the console reads it. */
export interface AdminAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the admin API's JSON, read field by field by the screens
  body: any;
}

/** The console's context, carried into the in-process admin call. */
interface Carried {
  outer: Context<AppEnv>;
  identity: AdminIdentity;
}

/**
 * Calls the admin API in process, as the logged-in operator: the same
 * routes, validation and audit trail as `Authorization: Bearer`, so the
 * console can do nothing the API would not, and every action it takes is
 * audited under the operator's token name and address.
 */
export function createAdminCaller() {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    const { outer, identity } = (c.env as unknown as { carried: Carried }).carried;
    c.set("deps", outer.var.deps);
    c.set("guards", outer.var.guards);
    c.set("requestId", outer.var.requestId);
    c.set("correlationId", outer.var.correlationId);
    c.set("admin", identity);
    await next();
  });
  app.route("/admin", adminActions());
  app.onError((err, c) => {
    const failure = adminFailure(err, c);
    if (failure !== undefined) return failure;
    requestLog(c).error({ err }, "unhandled error in a console action");
    return c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
  });

  return async function call(
    outer: Context<AppEnv>,
    identity: AdminIdentity,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<AdminAnswer> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    // The node bindings come along, so the audit trail sees the operator's address.
    const env = { ...outer.env, carried: { outer, identity } };
    const res = await app.request(`/admin${path}`, init, env);
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
  };
}

export type AdminCaller = ReturnType<typeof createAdminCaller>;
