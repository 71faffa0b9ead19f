import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONAL_MODULES } from "../../src/modules/index.js";
import type { Method } from "../../src/modules/module-spec.js";
import { interfaceOperations, type Operation } from "../../src/routing/operations.js";
import { DATE_TIME } from "../support/expect.js";
import type { FakePlatform } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * The contract every routed endpoint keeps, generated from the module
 * table: each operation of each interface refuses a missing token and a
 * registration-only token with 401, refuses a request without OCPI-from
 * with 2001, and answers in the OCPI envelope with the request's ids; each
 * path refuses the methods it does not take with 405 and Allow.
 */

const METHODS: readonly Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

const VALUES: Record<string, string> = {
  country_code: "NL",
  party_id: "CPO",
  command: "START_SESSION",
};

/** A concrete path for an operation's pattern. */
const pathOf = (op: Operation) =>
  op.segments.map((s) => (s.startsWith("{") ? (VALUES[s.slice(1, -1)] ?? "X1") : s)).join("/");

const operations = FUNCTIONAL_MODULES.flatMap((module) =>
  (["SENDER", "RECEIVER"] as const).flatMap((iface) =>
    interfaceOperations(module, iface).ops.map((op) => ({
      name: `${module.id} ${iface} ${op.method} ${op.pattern || "/"}`,
      op,
    })),
  ),
);

let hub: TestHub;
let cpo: FakePlatform;
let tokenA: string;

beforeAll(async () => {
  hub = await startHub();
  ({ platform: cpo } = await hub.connect([{ role: "CPO", country_code: "NL", party_id: "CPO" }]));
  ({ token_a: tokenA } = await hub.invite([{ role: "EMSP", country_code: "DE", party_id: "EMS" }]));
});

afterAll(async () => {
  await hub?.close();
});

const urlOf = (op: Operation) => {
  const tail = pathOf(op);
  return `${hub.url}/ocpi/2.2.1/${op.module.id}/${op.iface.toLowerCase()}${tail === "" ? "" : `/${tail}`}`;
};

function expectEnvelope(answer: { headers: Headers; body: any }, requestId: string): void {
  expect(answer.body).toMatchObject({ status_code: expect.any(Number) });
  expect(answer.body.timestamp).toMatch(DATE_TIME);
  expect(answer.headers.get("x-request-id")).toBe(requestId);
  expect(answer.headers.get("x-correlation-id")).toBe(`${requestId}-c`);
}

describe.each(operations)("$name", ({ op }) => {
  const ids = (n: string) => ({
    "x-request-id": `contract-${n}`,
    "x-correlation-id": `contract-${n}-c`,
  });

  it("refuses a request without a token with 401 in the envelope", async () => {
    const answer = await cpo.hubCall(op.method, urlOf(op), { token: "", headers: ids("none") });
    expect(answer.status).toBe(401);
    expect(answer.body.status_code).toBe(2000);
    expectEnvelope(answer, "contract-none");
  });

  it("refuses Token A, which opens only versions and credentials, with 401", async () => {
    const answer = await cpo.hubCall(op.method, urlOf(op), { token: tokenA, headers: ids("a") });
    expect(answer.status).toBe(401);
    expect(answer.body.status_code).toBe(2000);
    expect(answer.body.status_message).toMatch(/only the versions and credentials modules/);
    expectEnvelope(answer, "contract-a");
  });

  it("refuses a request without OCPI-from with 2001 naming the header", async () => {
    const answer = await cpo.hubCall(op.method, urlOf(op), { headers: ids("from") });
    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(2001);
    expect(answer.body.status_message).toMatch(/OCPI-from-country-code and OCPI-from-party-id/);
    expectEnvelope(answer, "contract-from");
  });
});

describe("methods per path", () => {
  const paths = new Map<string, { op: Operation; methods: Set<Method> }>();
  for (const { op } of operations) {
    // Paths of one shape are one path: /{callback_id} and /{session_id} both match /X1.
    const shape = op.segments.map((seg) => (seg.startsWith("{") ? "{}" : seg)).join("/");
    const key = `${op.module.id} ${op.iface} /${shape}`;
    const entry = paths.get(key) ?? { op, methods: new Set<Method>() };
    entry.methods.add(op.method);
    paths.set(key, entry);
  }
  const cases = [...paths].flatMap(([key, { op, methods }]) =>
    METHODS.filter((m) => !methods.has(m)).map((method) => ({
      name: `${key}: ${method}`,
      op,
      method,
      allowed: [...methods],
    })),
  );

  it.each(cases)("$name is refused with 405 and Allow", async ({ op, method, allowed }) => {
    const answer = await cpo.hubRoute(method, urlOf(op), {});
    expect(answer.status).toBe(405);
    expect(answer.body.status_code).toBe(2000);
    expect(answer.headers.get("allow")?.split(", ").sort()).toEqual([...allowed].sort());
  });
});

describe("version details", () => {
  it("advertise a SENDER and a RECEIVER interface of every functional module, each of which answers", async () => {
    const details = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1`);
    const endpoints: { identifier: string; role: string; url: string }[] =
      details.body.data.endpoints;
    for (const module of FUNCTIONAL_MODULES) {
      for (const role of ["SENDER", "RECEIVER"]) {
        const endpoint = endpoints.find((e) => e.identifier === module.id && e.role === role);
        expect(endpoint, `${module.id} ${role}`).toBeDefined();
        const answer = await cpo.hubRoute(
          "GET",
          `${endpoint?.url}/no/such/path/has/seven/segments`,
          {},
        );
        // Mounted: the interface itself refuses the path, in the envelope.
        expect(answer.body.status_message).toMatch(
          new RegExp(`the ${module.id} ${role} interface`),
        );
      }
    }
  });
});
