import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type HttpBindings, serve } from "@hono/node-server";
import { Hono } from "hono";
import { closeServer } from "./net.js";

export type VersionsMode =
  | "ok"
  | "http-500"
  | "not-json"
  | "no-2.2.1"
  | "no-mutual"
  | "no-credentials"
  | "hang";

/** The OCPI versions a fake platform can speak. */
export type FakeVersion = "2.1.1" | "2.2.1";

export interface FakeRole {
  role: string;
  country_code: string;
  party_id: string;
  name?: string;
  /** The logo of its business_details in the Credentials it answers with. */
  logo?: object;
}

export interface FakePlatformOptions {
  roles: FakeRole[];
  /** Module endpoints besides credentials; a hubclientinfo Receiver by default. */
  modules?: { identifier: string; role: "SENDER" | "RECEIVER" }[];
  /**
   * The form in which it accepts tokens; the other form gets HTTP 401.
   * By default Base64 (2.2.1), raw when it speaks only 2.1.1, either when both.
   */
  tokenEncoding?: "base64" | "raw" | "either";
  versions?: VersionsMode;
  /** The versions its versions endpoint lists when "ok"; 2.2.1 by default. */
  ocpiVersions?: FakeVersion[];
}

export interface Recorded {
  method: string;
  path: string;
  /** The request target exactly as it arrived: path and query, still percent-encoded. */
  target: string;
  headers: Record<string, string>;
  body: unknown;
  /** The body exactly as it arrived ("" without one). */
  text: string;
  /** The token presented, decoded per the platform's encoding; undefined when refused. */
  token: string | undefined;
}

/** What a fake platform answers to a module request; an envelope with 1000 when nothing says otherwise. */
export interface Reply {
  status?: number;
  /** Sent as JSON: usually an OCPI envelope. */
  body?: unknown;
  /** Sent as is instead of `body`. */
  raw?: string;
  headers?: Record<string, string>;
  /** Answer only after this long. */
  delayMs?: number;
  /** Drop the connection without an answer. */
  reset?: boolean;
  /** Send headers promising more body than follows, then drop the connection. */
  truncate?: boolean;
}

export interface ModuleRequest extends Recorded {
  /** The module and interface the request came in on, e.g. "locations" / "RECEIVER". */
  module: string;
  role: "SENDER" | "RECEIVER";
  /** The path after the endpoint URL, e.g. "/NL/CPO/LOC1". */
  tail: string;
  query: URLSearchParams;
}

type Handler = (req: ModuleRequest) => Reply | undefined | Promise<Reply | undefined>;

export interface HubAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * A CPO or eMSP platform as a real HTTP server on 127.0.0.1: versions,
 * version details, credentials (for hub-initiated registration) and a
 * hubclientinfo Receiver. It records every request it gets.
 */
export class FakePlatform {
  readonly requests: Recorded[] = [];
  /** The token this platform issued to the hub (the hub's credentials towards it). */
  tokenForHub = `fake-${randomUUID()}`;
  /** The token A this platform hands the hub operator for hub-initiated registration. */
  readonly tokenA = `fake-a-${randomUUID()}`;
  /** The token the hub issued to this platform. */
  hubToken: string | undefined;
  /** The hub's credentials as it last sent or answered them. */
  hubCredentials: any;
  versionsMode: VersionsMode;
  modules: { identifier: string; role: "SENDER" | "RECEIVER" }[];
  /** Verification the platform made of the hub's token during hub-initiated registration. */
  hubVersionsCheck: { status: number; body: any } | undefined;
  /** Endpoints its version details list as given, after the generated ones (any URL at all). */
  extraEndpoints: { identifier: string; role: "SENDER" | "RECEIVER"; url: string }[] = [];
  /** Awaited for every request it accepts, once recorded and before it is answered. */
  beforeRequest: ((req: Recorded) => Promise<void>) | undefined;
  /** Awaited when the hub's credentials POST or PUT arrives, before the platform acts on it. */
  beforeCredentialsAnswer: ((method: "POST" | "PUT", body: any) => Promise<void>) | undefined;
  /** The hub's credentials calls it refuses with 3001 (after beforeCredentialsAnswer). */
  refuseCredentials: ("POST" | "PUT")[] = [];
  url = "";
  private handlers: Handler[] = [];

  private server: ReturnType<typeof serve> | undefined;

  /** The versions its versions endpoint lists when "ok". */
  readonly ocpiVersions: FakeVersion[];
  /** The form in which it accepts tokens, and sends its own to the hub unless told otherwise. */
  readonly tokenEncoding: "base64" | "raw" | "either";

  constructor(readonly options: FakePlatformOptions) {
    this.versionsMode = options.versions ?? "ok";
    this.modules = options.modules ?? [{ identifier: "hubclientinfo", role: "RECEIVER" }];
    this.ocpiVersions = options.ocpiVersions ?? ["2.2.1"];
    const only211 = !this.ocpiVersions.includes("2.2.1");
    const both = this.ocpiVersions.length > 1;
    this.tokenEncoding = options.tokenEncoding ?? (only211 ? "raw" : both ? "either" : "base64");
  }

  /** The URL of one of its module endpoints: /ocpi/2.2.1/{module}/{sender|receiver}. */
  endpointUrl(identifier: string, role: "SENDER" | "RECEIVER"): string {
    if (identifier === "hubclientinfo") return `${this.url}/ocpi/2.2.1/clientinfo`;
    return `${this.url}/ocpi/2.2.1/${identifier}/${role.toLowerCase()}`;
  }

  /**
   * Decides the answers to module requests; the handler added last is asked
   * first, and one returning undefined leaves the request to the others.
   */
  on(handler: Handler): this {
    this.handlers.unshift(handler);
    return this;
  }

  /** Module requests received, optionally of one module and interface. */
  moduleRequests(module?: string, role?: "SENDER" | "RECEIVER"): ModuleRequest[] {
    return this.requests.filter(
      (r): r is ModuleRequest =>
        "module" in r &&
        (module === undefined || (r as ModuleRequest).module === module) &&
        (role === undefined || (r as ModuleRequest).role === role),
    );
  }

  get versionsUrl(): string {
    return `${this.url}/ocpi/versions`;
  }

  /** Its credentials in 2.1.1's shape: its first (only) party, without a role. */
  get credentials211() {
    const { business_details, party_id, country_code } = this.credentialsRoles[0] as {
      business_details: object;
      party_id: string;
      country_code: string;
    };
    return {
      token: this.tokenForHub,
      url: this.versionsUrl,
      business_details,
      party_id,
      country_code,
    };
  }

  get credentialsRoles() {
    return this.options.roles.map((r) => ({
      role: r.role,
      country_code: r.country_code,
      party_id: r.party_id,
      business_details: {
        name: r.name ?? `${r.role} ${r.country_code}${r.party_id}`,
        ...(r.logo === undefined ? {} : { logo: r.logo }),
      },
    }));
  }

  /** ClientInfo objects the hub pushed, in arrival order. */
  get clientInfos(): { country_code: string; party_id: string; path: string; body: any }[] {
    return this.requests
      .filter((r) => r.method === "PUT" && r.path.startsWith("/ocpi/2.2.1/clientinfo/"))
      .map((r) => {
        const [cc, pid] = r.path.split("/").slice(-2);
        return { country_code: cc as string, party_id: pid as string, path: r.path, body: r.body };
      });
  }

  static async start(options: FakePlatformOptions): Promise<FakePlatform> {
    const fake = new FakePlatform(options);
    await fake.listen();
    return fake;
  }

  private decode(header: string | undefined): string | undefined {
    const value = /^Token (\S+)$/.exec(header ?? "")?.[1];
    if (value === undefined) return undefined;
    if (this.tokenEncoding === "raw") return value;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (Buffer.from(decoded).toString("base64") === value) return decoded;
    return this.tokenEncoding === "either" ? value : undefined;
  }

  envelope(data?: unknown, status_code = 1000, status_message?: string) {
    return { data, status_code, status_message, timestamp: new Date().toISOString() };
  }

  private async listen(): Promise<void> {
    const app = new Hono<{ Bindings: Partial<HttpBindings> | undefined }>();
    app.use("*", async (c, next) => {
      const text = await c.req.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {}
      const token = this.decode(c.req.header("authorization"));
      const accepted = token !== undefined && (token === this.tokenA || token === this.tokenForHub);
      this.requests.push({
        method: c.req.method,
        path: c.req.path,
        target: c.env?.incoming?.url ?? "",
        headers: Object.fromEntries(c.req.raw.headers.entries()),
        body,
        text,
        token: accepted ? token : undefined,
      });
      if (!accepted) return c.json(this.envelope(undefined, 2000, "Unauthorized"), 401);
      await this.beforeRequest?.(this.requests[this.requests.length - 1] as Recorded);
      await next();
    });
    app.get("/ocpi/versions", async (c) => {
      switch (this.versionsMode) {
        case "http-500":
          return c.text("internal error", 500);
        case "not-json":
          return c.html("<html>maintenance</html>");
        case "hang":
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          return c.json(this.envelope([]));
        case "no-2.2.1":
          return c.json(this.envelope([{ version: "2.1.1", url: `${this.url}/ocpi/2.1.1` }]));
        case "no-mutual":
          return c.json(this.envelope([{ version: "2.0", url: `${this.url}/ocpi/2.0` }]));
        default:
          return c.json(
            this.envelope(
              this.ocpiVersions.map((version) => ({ version, url: `${this.url}/ocpi/${version}` })),
            ),
          );
      }
    });
    app.get("/ocpi/2.2.1", (c) => {
      const endpoints = this.modules.map((m) => ({
        identifier: m.identifier,
        role: m.role,
        url: this.endpointUrl(m.identifier, m.role),
      }));
      if (this.versionsMode !== "no-credentials") {
        endpoints.unshift({
          identifier: "credentials",
          role: "SENDER",
          url: `${this.url}/ocpi/2.2.1/credentials`,
        });
      }
      endpoints.push(...this.extraEndpoints);
      return c.json(this.envelope({ version: "2.2.1", endpoints }));
    });
    app.get("/ocpi/2.1.1", (c) => {
      if (!this.ocpiVersions.includes("2.1.1"))
        return c.json(this.envelope(undefined, 2000, "no such endpoint"), 404);
      const identifiers = new Set(this.modules.map((m) => m.identifier));
      const endpoints = [...identifiers].map((identifier) => ({
        identifier,
        url: `${this.url}/ocpi/2.1.1/${identifier}`,
      }));
      if (this.versionsMode !== "no-credentials") {
        endpoints.unshift({ identifier: "credentials", url: `${this.url}/ocpi/2.1.1/credentials` });
      }
      return c.json(this.envelope({ version: "2.1.1", endpoints }));
    });
    app.on(["POST", "PUT"], "/ocpi/2.1.1/credentials", (c) => this.answerCredentials211(c));
    app.delete("/ocpi/2.1.1/credentials", (c) => c.json(this.envelope()));
    app.post("/ocpi/2.2.1/credentials", async (c) => {
      const body = (await c.req.json()) as any;
      this.hubCredentials = body;
      await this.beforeCredentialsAnswer?.("POST", body);
      if (this.refuseCredentials.includes("POST"))
        return c.json(this.envelope(undefined, 3001, "cannot register now"));
      // As a real platform does: call the hub back with the token it was just given.
      const check = await fetch(body.url, {
        headers: { authorization: `Token ${Buffer.from(body.token).toString("base64")}` },
      });
      this.hubVersionsCheck = { status: check.status, body: await check.json() };
      if (check.status !== 200)
        return c.json(this.envelope(undefined, 3001, "cannot reach the hub"));
      this.hubToken = body.token;
      return c.json(
        this.envelope({
          token: this.tokenForHub,
          url: this.versionsUrl,
          roles: this.credentialsRoles,
        }),
      );
    });
    // The hub updates its credentials (a token rotation): the platform checks the new token
    // it was given, then issues the hub a new one of its own; the old one dies.
    app.put("/ocpi/2.2.1/credentials", async (c) => {
      const body = (await c.req.json()) as any;
      await this.beforeCredentialsAnswer?.("PUT", body);
      if (this.refuseCredentials.includes("PUT"))
        return c.json(this.envelope(undefined, 3001, "cannot update the credentials now"));
      const check = await fetch(body.url, {
        headers: { authorization: `Token ${Buffer.from(body.token).toString("base64")}` },
      });
      this.hubVersionsCheck = { status: check.status, body: await check.json() };
      if (check.status !== 200)
        return c.json(this.envelope(undefined, 3001, "cannot reach the hub"));
      this.hubCredentials = body;
      this.hubToken = body.token;
      return c.json(
        this.envelope({
          token: this.newTokenForHub(),
          url: this.versionsUrl,
          roles: this.credentialsRoles,
        }),
      );
    });
    app.delete("/ocpi/2.2.1/credentials", (c) => c.json(this.envelope()));
    app.put("/ocpi/2.2.1/clientinfo/:cc/:pid", (c) => c.json(this.envelope()));
    app.all("/ocpi/2.2.1/:module/:role{sender|receiver}/*", (c) => this.answerModule(c));
    app.all("/ocpi/2.2.1/:module/:role{sender|receiver}", (c) => this.answerModule(c));
    // 2.1.1: one URL per module; the interface is the one its role implements (this.modules).
    app.all("/ocpi/2.1.1/:module/*", (c) => this.answerModule211(c));
    app.all("/ocpi/2.1.1/:module", (c) => this.answerModule211(c));
    app.notFound((c) => c.json(this.envelope(undefined, 2000, "no such endpoint"), 404));

    this.server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => {
      if (this.server?.listening) resolve();
      else this.server?.once("listening", () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * The hub registers with this platform over 2.1.1 (POST) or updates its
   * credentials (PUT): as a 2.1.1 platform does, it checks the hub's token
   * with a raw-token call of the hub's versions, then answers with its own
   * 2.1.1 credentials; a PUT gets a new token for the hub.
   */
  private async answerCredentials211(c: any): Promise<Response> {
    const method = c.req.method as "POST" | "PUT";
    const body = (await c.req.json()) as any;
    this.hubCredentials = body;
    await this.beforeCredentialsAnswer?.(method, body);
    if (this.refuseCredentials.includes(method))
      return c.json(this.envelope(undefined, 3001, "cannot accept the credentials now"));
    const check = await fetch(body.url, { headers: { authorization: `Token ${body.token}` } });
    this.hubVersionsCheck = { status: check.status, body: await check.json() };
    if (check.status !== 200) return c.json(this.envelope(undefined, 3001, "cannot reach the hub"));
    this.hubToken = body.token;
    if (method === "PUT") this.newTokenForHub();
    return c.json(this.envelope(this.credentials211));
  }

  /**
   * Party-initiated registration with the hub over 2.1.1: GET the hub's
   * versions and 2.1.1 details with Token A (raw, as 2.1.1 sends tokens),
   * then POST its 2.1.1 credentials.
   */
  async register211(
    hubVersionsUrl: string,
    tokenA: string,
    override?: Record<string, unknown>,
  ): Promise<HubAnswer> {
    const options = { token: tokenA, encoding: "raw" as const };
    const versions = await this.hubCall("GET", hubVersionsUrl, options);
    const v211 = versions.body.data.find((v: { version: string }) => v.version === "2.1.1");
    const details = await this.hubCall("GET", v211.url, options);
    const credentialsUrl = details.body.data.endpoints.find(
      (e: { identifier: string }) => e.identifier === "credentials",
    ).url;
    const answer = await this.hubCall("POST", credentialsUrl, {
      ...options,
      body: { ...this.credentials211, ...override },
    });
    if (answer.body?.status_code === 1000) {
      this.hubToken = answer.body.data.token;
      this.hubCredentials = answer.body.data;
    }
    return answer;
  }

  private answerModule(c: any): Promise<Response> {
    const module = c.req.param("module") as string;
    const role = (c.req.param("role") as string).toUpperCase() as "SENDER" | "RECEIVER";
    return this.answerModuleAt(c, module, role, `/ocpi/2.2.1/${module}/${role.toLowerCase()}`);
  }

  private answerModule211(c: any): Promise<Response> {
    const module = c.req.param("module") as string;
    const role = this.modules.find((m) => m.identifier === module)?.role ?? "RECEIVER";
    return this.answerModuleAt(c, module, role, `/ocpi/2.1.1/${module}`);
  }

  private async answerModuleAt(
    c: any,
    module: string,
    role: "SENDER" | "RECEIVER",
    endpointPath: string,
  ): Promise<Response> {
    const url = new URL(c.req.url);
    const recorded = this.requests[this.requests.length - 1] as Recorded;
    const req = Object.assign(recorded, {
      module,
      role,
      tail: url.pathname.slice(endpointPath.length),
      query: url.searchParams,
    }) as ModuleRequest;
    let reply: Reply | undefined;
    for (const handler of this.handlers) {
      reply = await handler(req);
      if (reply !== undefined) break;
    }
    reply ??= {};
    if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
    const socket = c.env?.incoming?.socket;
    if (reply.reset) {
      socket?.destroy();
      return new Response(null, { status: 500 });
    }
    if (reply.truncate) {
      socket?.end(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"status_code":1000,"data":{"id":',
      );
      socket?.destroy();
      return new Response(null, { status: 500 });
    }
    const text = reply.raw ?? JSON.stringify(reply.body ?? this.envelope());
    return new Response(text, {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  }

  /**
   * Party-initiated registration with the hub, as a 2.2.1 platform does it:
   * GET the hub's versions and details with Token A, then POST credentials.
   */
  async register(
    hubVersionsUrl: string,
    tokenA: string,
    override?: Partial<{ roles: unknown; token: string; url: string }>,
  ): Promise<HubAnswer> {
    const versions = await this.hubCall("GET", hubVersionsUrl, { token: tokenA });
    const v221 = versions.body.data.find((v: { version: string }) => v.version === "2.2.1");
    const details = await this.hubCall("GET", v221.url, { token: tokenA });
    const credentialsUrl = details.body.data.endpoints.find(
      (e: { identifier: string }) => e.identifier === "credentials",
    ).url;
    const answer = await this.hubCall("POST", credentialsUrl, {
      token: tokenA,
      body: {
        token: this.tokenForHub,
        url: this.versionsUrl,
        roles: this.credentialsRoles,
        ...override,
      },
    });
    if (answer.body?.status_code === 1000) {
      this.hubToken = answer.body.data.token;
      this.hubCredentials = answer.body.data;
    }
    return answer;
  }

  /** A request to the hub with this platform's token for the hub (or the one given). */
  async hubCall(
    method: string,
    url: string,
    options: {
      token?: string;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
      encoding?: "base64" | "raw";
    } = {},
  ): Promise<HubAnswer> {
    const token = options.token ?? this.hubToken;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== undefined) {
      const raw =
        (options.encoding ?? (this.ocpiVersions.includes("2.2.1") ? "base64" : "raw")) === "raw";
      headers.authorization = `Token ${raw ? token : Buffer.from(token).toString("base64")}`;
    }
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /**
   * A routed request to the hub: OCPI-from is this platform's first party
   * unless `from` says otherwise; OCPI-to only when `to` is given
   * ("NL/EMS"), so leaving it out is open routing.
   */
  async hubRoute(
    method: string,
    url: string,
    options: {
      to?: string;
      from?: string;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<HubAnswer> {
    const first = this.options.roles[0] as FakeRole;
    const [fromCc, fromPid] = (options.from ?? `${first.country_code}/${first.party_id}`).split(
      "/",
    );
    const headers: Record<string, string> = {
      "ocpi-from-country-code": fromCc as string,
      "ocpi-from-party-id": fromPid as string,
      ...options.headers,
    };
    if (options.to !== undefined) {
      const [toCc, toPid] = options.to.split("/");
      headers["ocpi-to-country-code"] = toCc as string;
      headers["ocpi-to-party-id"] = toPid as string;
    }
    return this.hubCall(method, url, { body: options.body, rawBody: options.rawBody, headers });
  }

  /** Rotates the token this platform issues to the hub (for credentials PUT). */
  newTokenForHub(): string {
    this.tokenForHub = `fake-${randomUUID()}`;
    return this.tokenForHub;
  }

  async close(): Promise<void> {
    if (this.server !== undefined) await closeServer(this.server as Server);
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 5_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met within ${ms} ms${last ? `: ${String(last)}` : ""}`);
}
