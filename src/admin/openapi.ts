import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { CreateSchema } from "./agreements.js";
import { InviteSchema } from "./platforms.js";
import { RegisterSchema } from "./registration.js";
import { IssueSchema } from "./tokens.js";

/** One query parameter of an admin route, as the OpenAPI document lists it. */
interface QueryParam {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/** One admin route: what the document says of it; `body` is the schema the route validates with. */
export interface AdminOperation {
  method: "GET" | "POST" | "DELETE";
  /** Under /admin, with Hono's `:param`. */
  path: string;
  summary: string;
  tag: "platforms" | "deliveries" | "agreements" | "audit" | "tokens" | "messages" | "api";
  body?: z.ZodType;
  query?: readonly QueryParam[];
  /** Answers besides the errors every route may give (400, 401, 404, 409, 429). */
  ok: { status: number; description: string };
}

const text = { type: "string" };
const whole = { type: "integer", minimum: 1 };
const PLATFORM = "/platforms/:id";

/**
 * Every admin route (test/unit/admin-openapi.test.ts holds the mounted
 * routes and this list to each other). Request bodies are described by the
 * very zod schemas the routes parse them with, so the document and the
 * validation cannot drift apart.
 */
export const ADMIN_OPERATIONS: readonly AdminOperation[] = [
  {
    method: "POST",
    path: "/platforms",
    summary: "Invite a platform: its roles, and Token A (shown once) to register with",
    tag: "platforms",
    body: InviteSchema,
    ok: { status: 201, description: "the platform, PENDING, with token_a and versions_url" },
  },
  {
    method: "GET",
    path: "/platforms",
    summary: "Every platform",
    tag: "platforms",
    ok: { status: 200, description: "{data:[platform…]}" },
  },
  {
    method: "GET",
    path: PLATFORM,
    summary: "One platform: status, roles, version, endpoints, sync",
    tag: "platforms",
    ok: { status: 200, description: "the platform" },
  },
  ...(
    [
      [
        "suspend",
        "Stop all traffic to and from the platform (others learn it through hubclientinfo)",
      ],
      ["resume", "Restart the traffic of a suspended platform"],
      ["sync", "Pull the CPO's locations and tariffs into the hub's cache"],
      ["resync", "Send the platform the current copy of every cached object it may see"],
      ["rotate", "Hub-initiated credentials PUT: new tokens both ways"],
      ["token-a", "A new Token A for a platform that has not registered yet"],
    ] as const
  ).map(
    ([action, summary]): AdminOperation => ({
      method: "POST",
      path: `${PLATFORM}/${action}`,
      summary,
      tag: "platforms",
      ok: { status: 200, description: "the outcome" },
    }),
  ),
  {
    method: "POST",
    path: `${PLATFORM}/register`,
    summary: "Start the credentials handshake with the platform, with its versions URL and Token A",
    tag: "platforms",
    body: RegisterSchema,
    ok: { status: 200, description: "the platform, CONNECTED" },
  },
  {
    method: "DELETE",
    path: PLATFORM,
    summary: "Unregister and remove the platform",
    tag: "platforms",
    ok: { status: 204, description: "removed" },
  },
  {
    method: "GET",
    path: `${PLATFORM}/partners`,
    summary: "Who the platform may exchange which modules with: the agreements in force",
    tag: "agreements",
    ok: { status: 200, description: "{data:[{agreement_id, own, party, modules}]}" },
  },
  {
    method: "GET",
    path: "/deliveries",
    summary:
      "Delivery state per recipient: pending, in flight, retrying, delivered, dropped, errors",
    tag: "deliveries",
    ok: { status: 200, description: "{durable, data:[recipient…]}" },
  },
  {
    method: "POST",
    path: "/agreements",
    summary: "Record a roaming agreement between a CPO and an eMSP",
    tag: "agreements",
    body: CreateSchema,
    ok: { status: 201, description: "the agreement, ACTIVE" },
  },
  {
    method: "GET",
    path: "/agreements",
    summary: "Roaming agreements",
    tag: "agreements",
    query: [
      { name: "party", description: "a party's agreements: CC/PID", schema: text },
      {
        name: "status",
        description: "ACTIVE, SUSPENDED or ENDED",
        schema: { type: "string", enum: ["ACTIVE", "SUSPENDED", "ENDED"] },
      },
    ],
    ok: { status: 200, description: "{data:[agreement…]}" },
  },
  {
    method: "GET",
    path: "/agreements/:id",
    summary: "One roaming agreement",
    tag: "agreements",
    ok: { status: 200, description: "the agreement" },
  },
  ...(["suspend", "resume", "end"] as const).map(
    (action): AdminOperation => ({
      method: "POST",
      path: `/agreements/:id/${action}`,
      summary: `${action[0]?.toUpperCase()}${action.slice(1)} the agreement, on every instance at once${action === "end" ? " (final)" : ""}`,
      tag: "agreements",
      ok: { status: 200, description: "the agreement" },
    }),
  ),
  {
    method: "GET",
    path: "/audit",
    summary: "The operators' changes, newest first",
    tag: "audit",
    query: [
      { name: "since", description: "entries at or after this DateTime", schema: text },
      { name: "action", description: "e.g. platform.suspend", schema: text },
      { name: "target", description: "e.g. platform/<id>", schema: text },
      { name: "limit", description: "entries per page (at most 500)", schema: whole },
      { name: "cursor", description: "the `next` of the previous page", schema: text },
    ],
    ok: { status: 200, description: "{data:[entry…], next}" },
  },
  {
    method: "POST",
    path: "/tokens",
    summary: "Issue a named admin token (shown once)",
    tag: "tokens",
    body: IssueSchema,
    ok: { status: 201, description: "{id, name, token, created_at}" },
  },
  {
    method: "GET",
    path: "/tokens",
    summary: "The admin tokens, without their values",
    tag: "tokens",
    ok: { status: 200, description: "{data:[token…]}" },
  },
  {
    method: "DELETE",
    path: "/tokens/:id",
    summary: "Revoke an admin token, on every instance at once",
    tag: "tokens",
    ok: { status: 204, description: "revoked" },
  },
  {
    method: "GET",
    path: "/messages",
    summary: "The message log: OCPI traffic through the hub, newest first (docs/messages.md)",
    tag: "messages",
    query: [
      ...(
        [
          ["correlation_id", "the sender's X-Correlation-ID"],
          ["request_id", "the sender's X-Request-ID"],
          ["platform", "sent by, forwarded to or delivered to this platform"],
          ["party", "the same by party: CC/PID"],
          ["module", "e.g. cdrs"],
          ["object_id", "the object the path names"],
          ["status_code", "the OCPI status_code of the hub's answer"],
          ["since", "at or after this date-time"],
          ["until", "before this date-time"],
          ["cursor", "the `next` of the previous page"],
        ] as const
      ).map(([name, description]) => ({ name, description, schema: text })),
      { name: "limit", description: "messages per page (at most 1000)", schema: whole },
    ],
    ok: { status: 200, description: "{data:[message…], next}" },
  },
  {
    method: "GET",
    path: "/messages/:requestId",
    summary: "One message with its legs in time order",
    tag: "messages",
    query: [{ name: "platform", description: "the message this platform sent", schema: text }],
    ok: { status: 200, description: "the message with legs:[…]" },
  },
  {
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    tag: "api",
    ok: { status: 200, description: "OpenAPI 3.1" },
  },
];

const ERRORS: Record<string, string> = {
  "400": "invalid input: the message names the field",
  "401": "missing or wrong admin bearer token",
  "404": "no such object",
  "409": "conflicts with the current state",
  "429": "locked out after failed authentications (Retry-After)",
};

const openApiPath = (path: string) => `/admin${path.replace(/:([A-Za-z_]+)/g, "{$1}")}`;

/** The OpenAPI 3.1 document of the admin API. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ADMIN_OPERATIONS) {
    const path = openApiPath(op.path);
    const params = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: text,
    }));
    const query = (op.query ?? []).map((q) => ({ ...q, in: "query", required: false }));
    const responses: Record<string, unknown> = {
      [String(op.ok.status)]: { description: op.ok.description },
    };
    for (const [status, description] of Object.entries(ERRORS)) responses[status] = { description };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[op.method.toLowerCase()] = {
      summary: op.summary,
      tags: [op.tag],
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      ...(op.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: z.toJSONSchema(op.body, { io: "input", unrepresentable: "any" }),
                },
              },
            },
          }),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ocpi-hub admin API",
      version: "1",
      description:
        "The hub operator's API: platforms, roaming agreements, deliveries, messages, audit and admin tokens.",
    },
    servers: [{ url: serverUrl }],
    security: [{ adminToken: [] }],
    components: { securitySchemes: { adminToken: { type: "http", scheme: "bearer" } } },
    paths,
  };
}

/** GET /admin/openapi.json, behind the admin token like the rest of /admin. */
export function openApiRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/openapi.json", (c) => c.json(openApiDocument(c.var.deps.config.hubUrl)));
  return routes;
}
