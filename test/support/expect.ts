import { expect } from "vitest";
import { OcpiError } from "../../src/ocpi/errors.js";
import { type ValidationMode, validate } from "../../src/ocpi/validate.js";
import type { FakePlatform, HubAnswer, ModuleRequest } from "./fake-platform.js";
import { code } from "./parties.js";

/**
 * types: DateTime as the hub writes it (`Date.prototype.toISOString`):
 * RFC 3339 in UTC, with the Z.
 */
export const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;

/** Stack frames or error class names, which no answer may show. */
const INTERNALS = [/\bat [\w.<>]+ \(|\bat \S+:\d+:\d+|Error:/, /\s+at\s+\S+\s+\(/];

/** An OCPI answer with HTTP 200 and status_code 1000. */
export function expectOk(answer: HubAnswer, context = ""): void {
  expect(answer.status, context).toBe(200);
  expect(answer.body.status_code, context).toBe(1000);
}

export interface RefusalOptions {
  /** A pattern the status_message matches, or texts it contains, each of them. */
  message?: RegExp | readonly string[];
  /** Says which case failed, in every failure message. */
  context?: string;
}

export interface UnforwardedRefusal extends RefusalOptions {
  /** Platforms that must not receive any module request while the call runs. */
  unforwarded: readonly FakePlatform[];
}

/**
 * An OCPI error answer the hub wrote itself: the HTTP status and
 * status_code, a JSON envelope with a DateTime timestamp, a status_message
 * (matching `message` when given), no data, and nothing of the hub's
 * internals.
 *
 * Given the call rather than its answer, it also checks that none of the
 * `unforwarded` platforms received a module request meanwhile.
 */
export function expectRefused(
  answer: HubAnswer,
  httpStatus: number,
  statusCode: number,
  options?: RefusalOptions,
): HubAnswer;
export function expectRefused(
  call: () => Promise<HubAnswer>,
  httpStatus: number,
  statusCode: number,
  options: UnforwardedRefusal,
): Promise<HubAnswer>;
export function expectRefused(
  answer: HubAnswer | (() => Promise<HubAnswer>),
  httpStatus: number,
  statusCode: number,
  options: RefusalOptions | UnforwardedRefusal = {},
): HubAnswer | Promise<HubAnswer> {
  if (typeof answer !== "function") {
    expectRefusal(answer, httpStatus, statusCode, options);
    return answer;
  }
  const platforms = "unforwarded" in options ? options.unforwarded : [];
  const forwarded = watchModuleRequests(platforms);
  return answer().then((got) => {
    expect(
      forwarded().map(({ req }) => `${req.method} ${req.path}`),
      `${options.context ?? ""} module requests received by the platforms`,
    ).toEqual([]);
    expectRefusal(got, httpStatus, statusCode, options);
    return got;
  });
}

function expectRefusal(
  answer: HubAnswer,
  httpStatus: number,
  statusCode: number,
  { message, context = "" }: RefusalOptions,
): void {
  const body = answer.body;
  expect(answer.status, `${context} HTTP status (${JSON.stringify(body)})`).toBe(httpStatus);
  expect(answer.headers.get("content-type"), context).toMatch(/^application\/json/);
  expect(body.status_code, `${context} (${body.status_message})`).toBe(statusCode);
  expect(body.timestamp, context).toMatch(DATE_TIME);
  expect(typeof body.status_message, context).toBe("string");
  expect(body.status_message.length, context).toBeGreaterThan(0);
  if (message instanceof RegExp) expect(body.status_message, context).toMatch(message);
  else for (const text of message ?? []) expect(body.status_message, context).toContain(text);
  expect(body.data ?? undefined, context).toBeUndefined();
  const text = JSON.stringify(body);
  for (const internals of INTERNALS) expect(text, context).not.toMatch(internals);
}

/**
 * Starts counting the module requests `platforms` receive; the function it
 * returns lists those received since, with the platform that got each.
 */
export function watchModuleRequests(
  platforms: readonly FakePlatform[],
): () => { platform: FakePlatform; req: ModuleRequest }[] {
  const before = platforms.map((p) => p.moduleRequests().length);
  return () =>
    platforms.flatMap((platform, i) =>
      platform
        .moduleRequests()
        .slice(before[i])
        .map((req) => ({ platform, req })),
    );
}

type PartyRef = string | { country_code: string; party_id: string };

/**
 * The routing headers of an answer (Headers) or of a request a platform got
 * (its header record): OCPI-to = `to`, OCPI-from = `from`, each a party or
 * "NL/CPO".
 */
export function expectRouting(
  headers: Headers | Record<string, string>,
  to: PartyRef,
  from: PartyRef,
  context = "",
): void {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : (headers[name] ?? null);
  const parts = (p: PartyRef) => (typeof p === "string" ? p : code(p)).split("/");
  expect(
    [
      get("ocpi-to-country-code"),
      get("ocpi-to-party-id"),
      get("ocpi-from-country-code"),
      get("ocpi-from-party-id"),
    ],
    `${context} routing headers`.trim(),
  ).toEqual([...parts(to), ...parts(from)]);
}

/** The OcpiError `validate` throws for `value` (tolerant unless `mode` says); fails when it accepts it. */
export function refusalOf(
  schema: Parameters<typeof validate>[0],
  value: unknown,
  what = "body",
  mode: ValidationMode = "tolerant",
): OcpiError {
  try {
    validate(schema, value, what, mode);
  } catch (err) {
    if (err instanceof OcpiError) return err;
    throw err;
  }
  throw new Error(`${what} was accepted`);
}
