import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import type { AdminTokenRow } from "../db/schema/index.js";
import { requestLog } from "../ingress/request-context.js";
import { actorOf, noteAudit } from "./audit-trail.js";
import { adminConflict, adminNotFound } from "./errors.js";
import { parseBody } from "./parse-body.js";
import { BOOTSTRAP } from "./token-set.js";

export const IssueSchema = z.object({
  name: z
    .string()
    .min(1, "must not be empty")
    .max(64, "must be at most 64 characters")
    .regex(
      /^[^\p{C}\s](?:[^\p{C}]*[^\p{C}\s])?$/u,
      "must be printable characters, without leading or trailing spaces",
    ),
});

const tokenView = (row: AdminTokenRow) => ({
  id: row.id,
  name: row.name,
  created_at: row.createdAt.toISOString(),
  created_by: row.createdBy,
  revoked_at: row.revokedAt?.toISOString() ?? null,
  revocable: row.revokedAt === null,
});

/** The bootstrap token as the list shows it: always there, never revocable through the API. */
const bootstrapView = {
  id: BOOTSTRAP.id,
  name: BOOTSTRAP.name,
  created_at: null,
  created_by: null,
  revoked_at: null,
  revocable: false,
};

/** Named admin tokens: issue (shown once), list, revoke. */
export function tokenRoutes() {
  const routes = new Hono<AppEnv>();

  routes.post("/tokens", async (c) => {
    const deps = c.var.deps;
    const { name } = await parseBody(IssueSchema, () => c.req.json());
    if (name === BOOTSTRAP.name) {
      throw adminConflict(`name: "${BOOTSTRAP.name}" is the bootstrap token's name`);
    }
    const issued = await deps.adminTokens.issue(name, actorOf(c), deps.clock.now());
    if (issued === undefined) {
      throw adminConflict(`name: an unrevoked admin token is already named "${name}"`);
    }
    noteAudit(c, { target: `token/${issued.row.id}`, written: true });
    requestLog(c).info({ admin_token_id: issued.row.id }, "admin token issued");
    const { row, token } = issued;
    return c.json(
      { id: row.id, name: row.name, token, created_at: row.createdAt.toISOString() },
      201,
    );
  });

  routes.get("/tokens", async (c) => {
    const rows = await c.var.deps.adminTokens.list();
    return c.json({ data: [bootstrapView, ...rows.map(tokenView)] });
  });

  routes.delete("/tokens/:id", async (c) => {
    const deps = c.var.deps;
    const id = c.req.param("id");
    if (id === BOOTSTRAP.id) {
      throw adminConflict(
        "the bootstrap admin token (ADMIN_TOKEN, or the one generated on the first start) cannot be revoked through the API; change ADMIN_TOKEN and restart instead",
      );
    }
    const outcome = await deps.adminTokens.revoke(id, actorOf(c), deps.clock.now());
    if (outcome === "unknown") throw adminNotFound(`admin token ${id}`);
    if (outcome === "already-revoked") throw adminConflict(`admin token ${id} is already revoked`);
    noteAudit(c, { written: true });
    requestLog(c).info({ admin_token_id: id }, "admin token revoked");
    return c.body(null, 204);
  });

  return routes;
}
