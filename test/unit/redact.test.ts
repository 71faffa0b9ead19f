import { Writable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.js";
import { redactText, redactUrl, serializeError } from "../../src/logging/redact.js";

describe("redactUrl", () => {
  it("masks userinfo and credential-like query values, and leaves the rest as written", () => {
    expect(redactUrl("https://user:pa55@cpo.example.com:8443/ocpi/versions")).toBe(
      "https://***@cpo.example.com:8443/ocpi/versions",
    );
    expect(
      redactUrl("https://cpo.example.com/v?token=abc&page=2&api_key=k1&X-Amz-Signature=s#top"),
    ).toBe("https://cpo.example.com/v?token=***&page=2&api_key=***&X-Amz-Signature=***#top");
    expect(redactUrl("https://cpo.example.com/path/a@b?Access_Token=t")).toBe(
      "https://cpo.example.com/path/a@b?Access_Token=***",
    );
    const plain = "http://127.0.0.1:3000/ocpi/2.2.1/locations?offset=0&limit=10";
    expect(redactUrl(plain)).toBe(plain);
  });
});

describe("redactText", () => {
  it("redacts every URL in a message and cuts a query's parameter list", () => {
    expect(redactText("the platform refused the token at http://u:p@h/x?secret=1 (HTTP 401)")).toBe(
      "the platform refused the token at http://***@h/x?secret=*** (HTTP 401)",
    );
    expect(redactText('Failed query: update "platforms" set x = $1\nparams: tok-123,abc')).toBe(
      'Failed query: update "platforms" set x = $1\nparams: [redacted]',
    );
  });
});

describe("serializeError", () => {
  it("keeps the SQLSTATE of a driver error and drops its parameters, detail and message", async () => {
    const pg = new PGlite();
    const db = drizzle(pg);
    await db.execute(sql`create table t (j jsonb, s text check (s is null))`);
    const errors: unknown[] = [];
    for (const query of [
      sql`insert into t (j) values (${JSON.stringify({ u: "a\u0000b", token: "SECRET-1" })})`,
      sql`insert into t (s) values (${"SECRET-2"})`,
    ]) {
      await db.execute(query).catch((err: unknown) => errors.push(err));
    }
    await pg.close();
    await db.execute(sql`select ${"SECRET-3"}`).catch((err: unknown) => errors.push(err));

    expect(errors).toHaveLength(3);
    const [nul, check, closed] = errors.map((e) => serializeError(e) as any);
    const text = JSON.stringify([nul, check, closed]);
    expect(text).not.toMatch(/SECRET/);
    expect(nul.message).toBe("database query failed: insert t");
    expect(nul.cause).toMatchObject({ code: "22P05", message: "database error (SQLSTATE 22P05)" });
    expect(check.cause).toMatchObject({ code: "23514", table: "t", constraint: "t_s_check" });
    expect(check.cause.message).toMatch(/violates check constraint/);
    expect(closed.cause.message).toBe("PGlite is closed");
    // The raw errors do hold the secrets: the serializer is what keeps them out.
    expect(String((errors[1] as Error).message)).toMatch(/SECRET-2/);
  });

  it("keeps a logged error's own fields and cause, redacted", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    // Secrets no file path holds: the stack names this file, under a directory of any name.
    const err = Object.assign(
      new Error("cannot call http://ann:PASS-9@h/v?token=SECRET-T1", { cause }),
      {
        httpStatus: 502,
        params: ["t2"],
      },
    );
    const out = serializeError(err) as any;
    expect(out).toMatchObject({
      type: "Error",
      message: "cannot call http://***@h/v?token=***",
      httpStatus: 502,
      cause: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" },
    });
    expect(out.params).toBeUndefined();
    expect(out.stack).not.toMatch(/SECRET-T1|ann:PASS-9/);
  });
});

describe("the logger", () => {
  it("writes no query parameter, URL secret or token field, however the error is logged", async () => {
    const lines: string[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const pg = new PGlite();
    const db = drizzle(pg);
    const err = await db.execute(sql`select ${"SECRET-4"}::int`).catch((e: unknown) => e);
    await pg.close();
    logger.error({ err }, "unhandled error");
    logger.error(err as Error);
    logger.warn({ url: "https://x:SECRET-5@h/p?token=SECRET-6", nested: { err } }, "call failed");
    logger.info({ outboundToken: "SECRET-7", data: { token: "SECRET-8" } }, "row");
    logger.info("at https://h/p?key=SECRET-9");

    const text = lines.join("");
    expect(lines).toHaveLength(5);
    expect(text).not.toMatch(/SECRET/);
    const first = JSON.parse(lines[0] as string);
    expect(first.err.cause.code).toBe("22P02");
    expect(first.err.message).toBe("database query failed: select");
  });
});
