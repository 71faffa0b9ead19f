import { describe, expect, it } from "vitest";
import {
  COMMAND_SCHEMAS,
  CommandResponseSchema,
  CommandResultSchema,
  CommandResultType,
} from "../../src/ocpi/schemas/commands.js";
import {
  commandResponseTo211,
  commandResponseTo221,
  commandResultTo211,
  commandResultTo221,
} from "../../src/versions/v2_1_1/command-answers.js";
import {
  commandTo211,
  commandTo221,
  reserveNowTo211,
  reserveNowTo221,
  startSessionTo211,
  startSessionTo221,
  stopSessionTo221,
  unlockConnectorTo221,
} from "../../src/versions/v2_1_1/commands.js";
import {
  COMMAND_211_SCHEMAS,
  CommandResponse211Schema,
  CommandResponseType211,
} from "../../src/versions/v2_1_1/schemas/commands.js";
import { example } from "../support/examples.js";
import {
  body211,
  exampleUnder,
  expectSameBesidesLosses,
  expectValid,
  fakeContext,
  translationRefusal,
} from "../support/v211.js";

const TNM = { countryCode: "NL", partyId: "TNM" };
const URL_211 = "https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/1";
const token211 = () => body211(exampleUnder("mod_tokens", "Example: put a new Token"));
const token221 = () => example("token_put_example.json");

/** The 2.2.1 commands (the spec has no JSON example of them), with every field set. */
const COMMANDS_221 = {
  START_SESSION: {
    response_url: URL_211,
    token: token221(),
    location_id: "LOC1",
    evse_uid: "3256",
    connector_id: "1",
    authorization_reference: "AUTH-1",
  },
  STOP_SESSION: { response_url: URL_211, session_id: "101" },
  RESERVE_NOW: {
    response_url: URL_211,
    token: token221(),
    expiry_date: "2015-06-29T23:39:09Z",
    reservation_id: "12",
    location_id: "LOC1",
    evse_uid: "3256",
    authorization_reference: "AUTH-2",
  },
  UNLOCK_CONNECTOR: {
    response_url: URL_211,
    location_id: "LOC1",
    evse_uid: "3256",
    connector_id: "1",
  },
};

/** The way back to 2.2.1 of each command; the token is the eMSP's (NL/TNM). */
const BACK = {
  START_SESSION: (c: any) => startSessionTo221(c, fakeContext(TNM)),
  STOP_SESSION: (c: any) => stopSessionTo221(c),
  RESERVE_NOW: (c: any) => reserveNowTo221(c, fakeContext(TNM)),
  UNLOCK_CONNECTOR: (c: any) => unlockConnectorTo221(c),
};

const LOST = {
  START_SESSION: ["token.group_id", "connector_id", "authorization_reference"],
  STOP_SESSION: [],
  RESERVE_NOW: ["token.group_id", "authorization_reference"],
  UNLOCK_CONNECTOR: [],
};

describe("2.2.1 commands to a 2.1.1 CPO and back", () => {
  it.each(Object.keys(COMMANDS_221) as (keyof typeof COMMANDS_221)[])("%s", (command) => {
    const original = COMMANDS_221[command];
    expectValid(COMMAND_SCHEMAS[command], original);
    const to211 = commandTo211(command, original);
    expectValid(COMMAND_211_SCHEMAS[command], to211.value);
    expect(to211.losses.map((l) => l.field)).toEqual(LOST[command]);
    const back = BACK[command](to211.value);
    expectValid(COMMAND_SCHEMAS[command], back.value);
    expectSameBesidesLosses(original, back.value, to211.losses);
  });

  it("CANCEL_RESERVATION has no 2.1.1 equivalent: 2001 naming the command", async () => {
    const err = await translationRefusal(() =>
      commandTo211("CANCEL_RESERVATION", { response_url: URL_211, reservation_id: "12" }),
    );
    expect(err.statusCode).toBe(2001);
    expect(err.message).toMatch(/: command: CANCEL_RESERVATION/);
  });

  it("a reservation_id that is not an integer: 2001 naming reservation_id", async () => {
    for (const id of ["R-12", "012", "1.5"]) {
      const err = await translationRefusal(() =>
        reserveNowTo211({ ...COMMANDS_221.RESERVE_NOW, reservation_id: id }),
      );
      expect(err.message).toMatch(/: reservation_id: /);
    }
  });

  it("a StartSession's APP_USER token travels as OTHER, reported under token", () => {
    const { value, losses } = startSessionTo211({
      ...COMMANDS_221.START_SESSION,
      token: example("token_example_1_app_user.json"),
    });
    expect(value.token.type).toBe("OTHER");
    expect(losses.map((l) => l.field)).toContain("token.type");
  });
});

describe("2.1.1 commands from a 2.1.1 eMSP to 2.2.1", () => {
  it("StartSession: the token becomes the eMSP's 2.2.1 Token", () => {
    const command = {
      response_url: URL_211,
      token: token211(),
      location_id: "LOC1",
      evse_uid: "3256",
    };
    expectValid(COMMAND_211_SCHEMAS.START_SESSION, command);
    const { value, losses } = startSessionTo221(command, fakeContext(TNM));
    expectValid(COMMAND_SCHEMAS.START_SESSION, value);
    expect(losses).toEqual([]);
    expect(value.token).toMatchObject({
      country_code: "NL",
      party_id: "TNM",
      contract_id: "DE8ACC12E46L89",
    });
  });

  it("ReserveNow: the int reservation_id becomes its decimal string", () => {
    const command = {
      response_url: URL_211,
      token: token211(),
      expiry_date: "2015-06-29T23:39:09Z",
      reservation_id: 42,
      location_id: "LOC1",
    };
    expectValid(COMMAND_211_SCHEMAS.RESERVE_NOW, command);
    const { value } = reserveNowTo221(command, fakeContext(TNM));
    expectValid(COMMAND_SCHEMAS.RESERVE_NOW, value);
    expect(value.reservation_id).toBe("42");
  });

  it("a 2.1.1 location_id over 2.2.1's 36 characters: 2001 naming location_id", async () => {
    const err = await translationRefusal(() =>
      unlockConnectorTo221({
        response_url: URL_211,
        location_id: "L".repeat(39),
        evse_uid: "1",
        connector_id: "1",
      }),
    );
    expect(err.message).toMatch(/: location_id: /);
  });

  it("commandTo221: each 2.1.1 command becomes a valid 2.2.1 body of the same command", () => {
    const bodies = {
      START_SESSION: { response_url: URL_211, token: token211(), location_id: "LOC1" },
      STOP_SESSION: { response_url: URL_211, session_id: "S1" },
      RESERVE_NOW: {
        response_url: URL_211,
        token: token211(),
        expiry_date: "2015-06-29T23:39:09Z",
        reservation_id: 7,
        location_id: "LOC1",
      },
      UNLOCK_CONNECTOR: {
        response_url: URL_211,
        location_id: "LOC1",
        evse_uid: "3256",
        connector_id: "1",
      },
    } as const;
    for (const [command, body] of Object.entries(bodies)) {
      const type = command as keyof typeof bodies;
      expectValid(COMMAND_211_SCHEMAS[type], body);
      const { value } = commandTo221(type, body as never, fakeContext(TNM));
      expectValid(COMMAND_SCHEMAS[type], value);
      expect(value.response_url).toBe(URL_211);
    }
  });
});

describe("CommandResponse and the asynchronous result", () => {
  it.each(CommandResponseType211.options)(
    "a 2.1.1 CPO's answer %s is a valid 2.2.1 CommandResponse",
    (result) => {
      const { value, losses } = commandResponseTo221({ result }, 30);
      expectValid(CommandResponseSchema, value);
      expect(value.timeout).toBe(30);
      expect(value.result).toBe(result === "TIMEOUT" ? "REJECTED" : result);
      expect(losses.map((l) => l.field)).toEqual(result === "TIMEOUT" ? ["result"] : []);
    },
  );

  it("a 2.2.1 CommandResponse to 2.1.1 loses timeout and message, reported", () => {
    const original = {
      result: "ACCEPTED" as const,
      timeout: 30,
      message: [{ language: "en", text: "ok" }],
    };
    const to211 = commandResponseTo211(original);
    expectValid(CommandResponse211Schema, to211.value);
    expect(to211.losses.map((l) => l.field)).toEqual(["timeout", "message"]);
    expectSameBesidesLosses(original, commandResponseTo221(to211.value, 99).value, to211.losses);
  });

  it.each(CommandResponseType211.options)(
    "a 2.1.1 CPO's result %s is a valid 2.2.1 CommandResult",
    (result) => {
      const { value, losses } = commandResultTo221({ result });
      expectValid(CommandResultSchema, value);
      expect(value.result).toBe(result === "UNKNOWN_SESSION" ? "REJECTED" : result);
      expect(losses.map((l) => l.field)).toEqual(result === "UNKNOWN_SESSION" ? ["result"] : []);
    },
  );

  it.each(CommandResultType.options)("a 2.2.1 result %s to 2.1.1 and back", (result) => {
    const original = { result, message: [{ language: "en", text: "why" }] };
    const to211 = commandResultTo211(original);
    expectValid(CommandResponse211Schema, to211.value);
    const kept = ["ACCEPTED", "NOT_SUPPORTED", "REJECTED", "TIMEOUT"].includes(result);
    expect(to211.value.result).toBe(kept ? result : "REJECTED");
    expect(to211.losses.map((l) => l.field)).toEqual(kept ? ["message"] : ["message", "result"]);
    expectSameBesidesLosses(original, commandResultTo221(to211.value).value, to211.losses);
  });
});
