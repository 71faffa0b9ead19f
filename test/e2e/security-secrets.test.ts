import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { FakePlatform } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPA" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "MSP" };

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

/** The form of every token the hub generates (src/ocpi/tokens.ts: generateToken). */
const HUB_TOKEN = /\b[0-9a-f]{8}(?:-[0-9a-f]{8}){4}\b/;
/** A SHA-256 digest, as the hub stores tokens it issued. */
const DIGEST = /\b[0-9a-f]{64}\b/;

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** Neither the tokens, nor their hashes, nor any token or digest the hub made, in `text`. */
function expectNoSecret(text: string, secrets: readonly string[], what: string): void {
  for (const secret of secrets) {
    expect(text.includes(secret), `${what} shows a token`).toBe(false);
    expect(text.includes(sha256(secret)), `${what} shows a token's hash`).toBe(false);
  }
  expect(text, `${what} shows a token the hub generated`).not.toMatch(HUB_TOKEN);
  expect(text, `${what} shows a token hash`).not.toMatch(DIGEST);
}

/** An endpoint whose URL holds a NUL: valid to the URL parser, refused by PostgreSQL's jsonb. */
function listNulEndpoint(platform: FakePlatform): void {
  platform.extraEndpoints = [
    { identifier: "locations", role: "SENDER", url: `${platform.url}/ocpi/2.2.1/loc\u0000ations` },
  ];
}

/** The hub wrote the driver's failure down: the test did reach a failed database write. */
function expectLoggedDatabaseFailure(hub: TestHub): void {
  const line = hub.logs.find((l) => l.msg === "unhandled error") as any;
  expect(line, "an unhandled error was logged").toBeDefined();
  expect(line.err.message).toMatch(/^database query failed: update platforms/);
}

describe("a failed database write during registration", () => {
  it("logs and answers no token when a party-initiated registration cannot be stored (NUL in an endpoint URL)", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    listNulEndpoint(cpo);
    const invited = await hub.invite([cpoRole]);

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expect(answer.status).toBe(500);
    expect(answer.body.status_code).toBe(3000);
    const secrets = [cpo.tokenForHub, invited.token_a];
    expectNoSecret(hub.logText(), secrets, "the log");
    expectLoggedDatabaseFailure(hub);
    expectNoSecret(JSON.stringify(answer.body), secrets, "the answer");
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("PENDING");
    expectNoSecret(JSON.stringify(shown.body), secrets, "the admin view");

    // Nothing was kept: with a URL PostgreSQL accepts, the same Token A registers.
    cpo.extraEndpoints = [];
    const again = await cpo.register(invited.versions_url, invited.token_a);
    expect(again.body.status_code).toBe(1000);
  });

  it("logs and answers no token when a hub-initiated registration cannot be stored, and frees the platform for another try", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole] });
    listNulEndpoint(emsp);
    const invited = await hub.invite([emspRole]);
    const body = { versions_url: emsp.versionsUrl, token: emsp.tokenA };

    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, body);

    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL");
    // The hub's token reached the platform in its credentials, so it is known here.
    const hubToken: string = emsp.hubCredentials.token;
    const secrets = [emsp.tokenA, emsp.tokenForHub, hubToken, invited.token_a];
    expectNoSecret(hub.logText(), secrets, "the log");
    expectLoggedDatabaseFailure(hub);
    expectNoSecret(JSON.stringify(res.body), secrets, "the answer");
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.status).toBe("PENDING");
    expectNoSecret(JSON.stringify(shown.body), secrets, "the admin view");

    emsp.extraEndpoints = [];
    const again = await hub.admin("POST", `/platforms/${invited.id}/register`, body);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("CONNECTED");
  });

  it("logs no token when the database refuses the row and says why with the row's values", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    // PostgreSQL's detail of a check violation quotes the whole row: "Failing row contains (…)".
    await hub.deps.db.db.execute(
      sql.raw("alter table platforms add constraint no_tokens check (outbound_token is null)"),
    );

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expect(answer.status).toBe(500);
    expectNoSecret(hub.logText(), [cpo.tokenForHub, invited.token_a], "the log");
    expectLoggedDatabaseFailure(hub);
    const line = hub.logs.find((l) => l.msg === "unhandled error") as any;
    expect(line.err.cause).toMatchObject({ code: "23514", constraint: "no_tokens" });
  });

  it("logs no token when the database fails in the middle of storing a registration (disk full)", async () => {
    hub = await startHub();
    const cpo = await hub.fake({ roles: [cpoRole] });
    const invited = await hub.invite([cpoRole]);
    // An outage as the driver reports it: the write itself fails, its parameters still attached.
    await hub.deps.db.db.execute(
      sql.raw(`create function fail_write() returns trigger language plpgsql as $$ begin
        raise exception using errcode = '53100', message = 'could not extend file: No space left on device';
      end $$`),
    );
    await hub.deps.db.db.execute(
      sql.raw(
        "create trigger fail_write before update on platforms for each row execute function fail_write()",
      ),
    );

    const answer = await cpo.register(invited.versions_url, invited.token_a);

    expect(answer.status).toBe(500);
    expect(answer.body.status_code).toBe(3000);
    expectNoSecret(hub.logText(), [cpo.tokenForHub, invited.token_a], "the log");
    expectLoggedDatabaseFailure(hub);
    const line = hub.logs.find((l) => l.msg === "unhandled error") as any;
    expect(line.err.cause).toMatchObject({
      code: "53100",
      message: "could not extend file: No space left on device",
    });
  });
});

describe("URLs with credentials in them", () => {
  it("never shows a URL's userinfo or token query value in the answer, last_error or the log", async () => {
    hub = await startHub();
    const emsp = await hub.fake({ roles: [emspRole], versions: "http-500" });
    const invited = await hub.invite([emspRole]);
    const port = new URL(emsp.url).port;
    const versionsUrl = `http://operator:pw-in-url-42@127.0.0.1:${port}/ocpi/versions?token=query-token-42&page=1`;

    const res = await hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: versionsUrl,
      token: emsp.tokenA,
    });

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("REGISTRATION_FAILED");
    expect(res.body.error.message).toContain("127.0.0.1");
    const shown = await hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.last_error).toContain("token=***");
    for (const [what, text] of [
      ["the answer", JSON.stringify(res.body)],
      ["last_error", shown.body.last_error],
      ["the log", hub.logText()],
    ] as const) {
      expect(text, what).not.toContain("pw-in-url-42");
      expect(text, what).not.toContain("query-token-42");
      expect(text, what).not.toContain(emsp.tokenA);
    }
  });
});
