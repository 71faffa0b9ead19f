import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";

/**
 * What every OCPI 2.2.1 platform offers a hub, whatever its role: a versions
 * endpoint, version details listing its modules, a credentials endpoint, and
 * a check of the token on every request. The example CPO and eMSP build on
 * it with their own module endpoints (examples/cpo.ts, examples/emsp.ts).
 */

export interface PartyCode {
  country_code: string;
  party_id: string;
}

export interface PartyRole extends PartyCode {
  role: "CPO" | "EMSP";
  name: string;
}

export interface Endpoint {
  identifier: string;
  role: "SENDER" | "RECEIVER";
}

/** The OCPI envelope every answer is wrapped in, errors included. */
export function envelope(data?: unknown, status_code = 1000, status_message?: string) {
  return { data, status_code, status_message, timestamp: new Date().toISOString() };
}

/** OCPI 2.2.1 sends tokens Base64-encoded in `Authorization: Token …`. */
const encode = (token: string) => Buffer.from(token, "utf8").toString("base64");
const decode = (value: string) => Buffer.from(value, "base64").toString("utf8");

/** An OCPI object as JSON: a location, a token, a command, a result. */
export type OcpiObject = Record<string, unknown>;

/** An answer of the hub: HTTP status and the parsed envelope, `T` its data. */
export interface HubAnswer<T = unknown> {
  status: number;
  body: { data?: T; status_code?: number; status_message?: string } | undefined;
}

export class OcpiParty {
  readonly app = new Hono();
  /** The token this platform issues to the hub: the hub's credentials for calls to us. */
  readonly tokenForHub: string;
  /** The token the hub issued to us in the handshake: ours for calls to the hub. */
  hubToken: string | undefined;
  /** The hub's module endpoints from its version details, "locations RECEIVER" → URL. */
  readonly hubEndpoints = new Map<string, string>();
  url = "";
  private server: ReturnType<typeof serve> | undefined;

  constructor(
    readonly role: PartyRole,
    private readonly endpoints: Endpoint[],
  ) {
    this.tokenForHub = `${role.role.toLowerCase()}-token-for-hub-${randomUUID()}`;
    // Every request must carry the token we gave the hub; anything else is refused.
    this.app.use("/ocpi/*", async (c, next) => {
      const header = /^Token (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
      if (header === undefined || decode(header) !== this.tokenForHub) {
        return c.json(envelope(undefined, 2000, "unknown token"), 401);
      }
      await next();
    });
    this.app.get("/ocpi/versions", (c) =>
      c.json(envelope([{ version: "2.2.1", url: `${this.url}/ocpi/2.2.1` }])),
    );
    this.app.get("/ocpi/2.2.1", (c) =>
      c.json(
        envelope({
          version: "2.2.1",
          endpoints: [
            { identifier: "credentials", role: "SENDER" } as const,
            ...this.endpoints,
          ].map((e) => ({ ...e, url: this.endpointUrl(e.identifier, e.role) })),
        }),
      ),
    );
    // The hub unregisters us (DELETE) or rotates tokens (PUT, not shown by the demo).
    this.app.delete("/ocpi/2.2.1/credentials", (c) => {
      this.hubToken = undefined;
      return c.json(envelope());
    });
  }

  /** Where a module endpoint lives: /ocpi/2.2.1/{module}/{sender|receiver}. */
  endpointUrl(identifier: string, role: "SENDER" | "RECEIVER"): string {
    if (identifier === "credentials") return `${this.url}/ocpi/2.2.1/credentials`;
    return `${this.url}/ocpi/2.2.1/${identifier}/${role.toLowerCase()}`;
  }

  get versionsUrl(): string {
    return `${this.url}/ocpi/versions`;
  }

  /** Listens on 127.0.0.1, on `port` or a free one. */
  async start(port = 0): Promise<this> {
    this.app.notFound((c) => c.json(envelope(undefined, 2000, "no such endpoint"), 404));
    const server = serve({ fetch: this.app.fetch, port, hostname: "127.0.0.1" });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("listening", () => resolve());
      server.once("error", reject);
    });
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Party-initiated registration (credentials module, 2.2.1): with the Token A
   * the hub operator handed over, GET the hub's versions and 2.2.1 details,
   * then POST our credentials (our token for the hub, our versions URL, our
   * role). The hub calls our versions back with that token and answers with
   * its own credentials: the token we use from now on.
   */
  async register(hubVersionsUrl: string, tokenA: string): Promise<HubAnswer<{ token: string }>> {
    const versions = await this.call<{ version: string; url: string }[]>("GET", hubVersionsUrl, {
      token: tokenA,
    });
    const v221 = versions.body?.data?.find((v) => v.version === "2.2.1");
    if (v221 === undefined) throw new Error("the hub offers no OCPI 2.2.1");
    const details = await this.call<{ endpoints: (Endpoint & { url: string })[] }>(
      "GET",
      v221.url,
      { token: tokenA },
    );
    const endpoints = details.body?.data?.endpoints ?? [];
    const credentials = endpoints.find((e) => e.identifier === "credentials");
    if (credentials === undefined) throw new Error("the hub lists no credentials endpoint");
    for (const e of endpoints) {
      this.hubEndpoints.set(`${e.identifier} ${e.role}`, e.url);
    }
    const answer = await this.call<{ token: string }>("POST", credentials.url, {
      token: tokenA,
      body: this.credentials(),
    });
    const token = answer.body?.data?.token;
    if (answer.body?.status_code !== 1000 || token === undefined) {
      throw new Error(`registration refused: ${answer.body?.status_message ?? answer.status}`);
    }
    this.hubToken = token;
    return answer;
  }

  /** Our Credentials object, as sent to the hub. */
  credentials() {
    const { role, country_code, party_id, name } = this.role;
    return {
      token: this.tokenForHub,
      url: this.versionsUrl,
      roles: [{ role, country_code, party_id, business_details: { name } }],
    };
  }

  /** The hub's endpoint of a module interface, as its version details list it. */
  hubEndpoint(identifier: string, role: "SENDER" | "RECEIVER"): string {
    const url = this.hubEndpoints.get(`${identifier} ${role}`);
    if (url === undefined) throw new Error(`the hub lists no ${identifier} ${role} endpoint`);
    return url;
  }

  /**
   * A module request to the hub with our token and the routing headers:
   * OCPI-from is always us; OCPI-to names the receiver (the hub itself for a
   * broadcast or a GET from its cache).
   */
  async send<T = unknown>(
    method: string,
    url: string,
    to: PartyCode,
    body?: unknown,
  ): Promise<HubAnswer<T>> {
    return this.call<T>(method, url, {
      token: this.hubToken,
      body,
      headers: {
        "OCPI-from-country-code": this.role.country_code,
        "OCPI-from-party-id": this.role.party_id,
        "OCPI-to-country-code": to.country_code,
        "OCPI-to-party-id": to.party_id,
      },
    });
  }

  private async call<T>(
    method: string,
    url: string,
    options: { token: string | undefined; body?: unknown; headers?: Record<string, string> },
  ): Promise<HubAnswer<T>> {
    if (options.token === undefined) throw new Error(`${this.role.name} is not registered`);
    const headers: Record<string, string> = {
      authorization: `Token ${encode(options.token)}`,
      "X-Request-ID": randomUUID(),
      "X-Correlation-ID": randomUUID(),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
  }
}

/** Parses a JSON request body, or undefined when it is none. */
export async function jsonBody(c: Context): Promise<OcpiObject | undefined> {
  try {
    return (await c.req.json()) as OcpiObject;
  } catch {
    return undefined;
  }
}
