import { readFileSync } from "node:fs";
import { ExampleCpo } from "./cpo.js";
import { ExampleEmsp } from "./emsp.js";
import type { OcpiObject } from "./ocpi-party.js";

/**
 * The onboarding walkthrough against a running hub: invite a CPO and an eMSP,
 * let each register itself, agree on roaming, push a location, read it back
 * through the hub and start a session. Each step prints the curl commands
 * that do the same by hand, then one line starting "ok " with its outcome.
 * The README's "Onboarding" section is this walkthrough, step by step.
 */

export const HUB_PARTY = { country_code: "NL", party_id: "HUB" };
export const CPO = { country_code: "NL", party_id: "CPO", name: "Example CPO" };
export const EMSP = { country_code: "DE", party_id: "EMS", name: "Example eMSP" };

/** The outcome line of every step, in order: the demo's test looks for each. */
export const OUTCOMES = [
  "ok 1. the hub is up",
  "ok 2. the CPO NL/CPO is invited: PENDING",
  "ok 3. the eMSP DE/EMS is invited: PENDING",
  "ok 4. the CPO NL/CPO registered itself: CONNECTED",
  "ok 5. the eMSP DE/EMS registered itself: CONNECTED",
  "ok 6. the roaming agreement NL/CPO - DE/EMS is ACTIVE",
  "ok 7. the CPO pushed location LOC1 and the hub delivered it to the eMSP",
  "ok 8. the eMSP read location LOC1 from the hub",
  "ok 9. START_SESSION at LOC1/3256: the CPO accepted it and its result ACCEPTED reached the eMSP",
] as const;

const LOCATION = JSON.parse(
  readFileSync(new URL("./location.json", import.meta.url), "utf8"),
) as OcpiObject;

const TOKEN = {
  country_code: EMSP.country_code,
  party_id: EMSP.party_id,
  uid: "DE-EMS-0001",
  type: "APP_USER",
  contract_id: "DE-EMS-C00001-1",
  issuer: "Example eMSP",
  valid: true,
  whitelist: "ALLOWED",
  last_updated: "2026-01-05T09:00:00Z",
};

type Print = (line: string) => void;

/** The fields of the admin API's answers that the walkthrough reads. */
interface AdminAnswer {
  id: string;
  status: string;
  token_a: string;
  versions_url: string;
  version?: string;
  modules?: string[];
  sync?: { status: string } | null;
}

/** The Authorization header of a curl command, Base64 as OCPI 2.2.1 wants. */
const tokenHeader = (variable: string) =>
  `-H "Authorization: Token $(printf %s "$${variable}" | base64)"`;
const admin = `-H "Authorization: Bearer $ADMIN_TOKEN"`;
const json = `-H 'Content-Type: application/json'`;
const routing = (from: { country_code: string; party_id: string }, to: typeof from) =>
  `-H 'OCPI-from-country-code: ${from.country_code}' -H 'OCPI-from-party-id: ${from.party_id}' \\\n` +
  `  -H 'OCPI-to-country-code: ${to.country_code}' -H 'OCPI-to-party-id: ${to.party_id}'`;

/** Polls `check` until it returns something, for at most `ms`. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The admin API, as the operator's curl calls it. */
function adminClient(hubUrl: string, adminToken: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hubUrl}/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await res.json()) as AdminAnswer;
    if (!res.ok)
      throw new Error(`${method} /admin${path}: ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  };
}

export async function walkthrough(hubUrl: string, adminToken: string, print: Print): Promise<void> {
  const step = (title: string) => print(`\n== ${title}\n`);
  const adminCall = adminClient(hubUrl, adminToken);
  const cpo = await new ExampleCpo(CPO).start();
  const emsp = await new ExampleEmsp(EMSP, TOKEN).start();
  try {
    step("1. The hub, an example CPO and an example eMSP are running");
    print(`export HUB=${hubUrl} ADMIN_TOKEN=${adminToken}`);
    print(`export CPO_URL=${cpo.url} EMSP_URL=${emsp.url}   # the example platforms (examples/)`);
    print(`curl -s $HUB/healthz`);
    const health = await fetch(`${hubUrl}/healthz`);
    if (!health.ok) throw new Error(`GET /healthz answered ${health.status}`);
    print(OUTCOMES[0]);

    const cpoInvite = await invite(2, "CPO", CPO, "CPO", adminCall, print);
    print(OUTCOMES[1]);
    const emspInvite = await invite(3, "EMSP", EMSP, "EMSP", adminCall, print);
    print(OUTCOMES[2]);

    await register(4, "CPO", cpo, cpoInvite, adminCall, print);
    // The hub pulls a CPO's locations when it connects; let that finish first.
    await waitFor("the CPO's first sync", async () => {
      const p = await adminCall("GET", `/platforms/${cpoInvite.id}`);
      return p.sync?.status === "SUCCEEDED" ? p : undefined;
    });
    print(OUTCOMES[3]);
    await register(5, "EMSP", emsp, emspInvite, adminCall, print);
    print(OUTCOMES[4]);

    await agree(adminCall, print, step);
    await pushLocation(cpo, emsp, print, step);
    await readLocations(emsp, print, step);
    await startSession(cpo, emsp, print, step);
  } finally {
    await Promise.all([cpo.stop(), emsp.stop()]);
  }
}

async function invite(
  n: number,
  variable: "CPO" | "EMSP",
  party: { country_code: string; party_id: string; name: string },
  role: string,
  adminCall: ReturnType<typeof adminClient>,
  print: Print,
) {
  const roles = [{ role, country_code: party.country_code, party_id: party.party_id }];
  const body = { name: party.name, roles };
  print(
    `\n== ${n}. The operator invites the ${role === "CPO" ? "CPO" : "eMSP"} ${party.country_code}/${party.party_id}\n`,
  );
  print(`curl -s -X POST $HUB/admin/platforms ${admin} ${json} \\\n  -d '${JSON.stringify(body)}'`);
  const answer = await adminCall("POST", "/platforms", body);
  print(
    `# ${JSON.stringify({ id: answer.id, status: answer.status, token_a: answer.token_a, versions_url: answer.versions_url })}`,
  );
  print(
    `export ${variable}_ID=${answer.id} ${variable}_TOKEN_A=${answer.token_a}   # handed to the platform off-line`,
  );
  if (answer.status !== "PENDING") throw new Error(`invited ${variable} is ${answer.status}`);
  return answer as { id: string; token_a: string; versions_url: string };
}

async function register(
  n: number,
  variable: "CPO" | "EMSP",
  party: ExampleCpo | ExampleEmsp,
  invited: { id: string; token_a: string; versions_url: string },
  adminCall: ReturnType<typeof adminClient>,
  print: Print,
) {
  const { role, country_code, party_id } = party.role;
  const url = variable === "CPO" ? "$CPO_URL" : "$EMSP_URL";
  print(
    `\n== ${n}. The ${role === "CPO" ? "CPO" : "eMSP"} registers itself with Token A (credentials handshake)\n`,
  );
  print(`export ${variable}_TOKEN_FOR_HUB=${party.tokenForHub}   # the token it issues to the hub`);
  print(`curl -s $HUB/ocpi/versions ${tokenHeader(`${variable}_TOKEN_A`)}`);
  print(`curl -s $HUB/ocpi/2.2.1 ${tokenHeader(`${variable}_TOKEN_A`)}`);
  const roles = `[{\\"role\\":\\"${role}\\",\\"country_code\\":\\"${country_code}\\",\\"party_id\\":\\"${party_id}\\",\\"business_details\\":{\\"name\\":\\"${party.role.name}\\"}}]`;
  print(
    `curl -s -X POST $HUB/ocpi/2.2.1/credentials ${tokenHeader(`${variable}_TOKEN_A`)} ${json} \\\n` +
      `  -d "{\\"token\\":\\"$${variable}_TOKEN_FOR_HUB\\",\\"url\\":\\"${url}/ocpi/versions\\",\\"roles\\":${roles}}"`,
  );
  const answer = await party.register(invited.versions_url, invited.token_a);
  print(
    `# the hub called ${url}/ocpi/versions back with that token, then answered its own credentials:`,
  );
  print(
    `export ${variable}_TOKEN=${answer.body?.data?.token}   # from now on, the token for the hub`,
  );
  print(`curl -s $HUB/admin/platforms/$${variable}_ID ${admin}`);
  const platform = await adminCall("GET", `/platforms/${invited.id}`);
  print(`# ${JSON.stringify({ status: platform.status, version: platform.version })}`);
  if (platform.status !== "CONNECTED") throw new Error(`${variable} is ${platform.status}`);
}

async function agree(
  adminCall: ReturnType<typeof adminClient>,
  print: Print,
  step: (t: string) => void,
) {
  step("6. The operator records the roaming agreement (ROAMING_POLICY=agreements)");
  const body = {
    cpo: { country_code: CPO.country_code, party_id: CPO.party_id },
    emsp: { country_code: EMSP.country_code, party_id: EMSP.party_id },
  };
  print(
    `curl -s -X POST $HUB/admin/agreements ${admin} ${json} \\\n  -d '${JSON.stringify(body)}'`,
  );
  const agreement = await adminCall("POST", "/agreements", body);
  print(
    `# ${JSON.stringify({ id: agreement.id, status: agreement.status, modules: agreement.modules })}`,
  );
  if (agreement.status !== "ACTIVE") throw new Error(`the agreement is ${agreement.status}`);
  print(OUTCOMES[5]);
}

async function pushLocation(
  cpo: ExampleCpo,
  emsp: ExampleEmsp,
  print: Print,
  step: (t: string) => void,
) {
  step("7. The CPO pushes a location to the hub, which delivers it to every eMSP in agreement");
  print(
    `curl -s -X PUT $HUB/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1 ${tokenHeader("CPO_TOKEN")} ${json} \\\n` +
      `  ${routing(CPO, HUB_PARTY)} \\\n  -d @examples/location.json`,
  );
  const answer = await cpo.pushLocation(LOCATION, HUB_PARTY);
  print(`# ${JSON.stringify(answer.body)}`);
  if (answer.body?.status_code !== 1000) throw new Error("the hub refused the location");
  await waitFor("the eMSP to get LOC1", () => emsp.locations.get("NL/CPO/LOC1"));
  print(
    `# the eMSP's locations receiver got PUT $EMSP_URL/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`,
  );
  print(OUTCOMES[6]);
}

async function readLocations(emsp: ExampleEmsp, print: Print, step: (t: string) => void) {
  step("8. The eMSP reads every CPO's locations from the hub (GET All via the hub)");
  print(
    `curl -s "$HUB/ocpi/2.2.1/locations/sender?offset=0&limit=10" ${tokenHeader("EMSP_TOKEN")} \\\n` +
      `  ${routing(EMSP, HUB_PARTY)}`,
  );
  const answer = await emsp.readLocations(HUB_PARTY);
  const ids = (answer.body?.data ?? []).map((l) => `${l.country_code}/${l.party_id}/${l.id}`);
  print(`# ${JSON.stringify({ status_code: answer.body?.status_code, locations: ids })}`);
  if (!ids.includes("NL/CPO/LOC1")) throw new Error("LOC1 is not in the hub's answer");
  print(OUTCOMES[7]);
}

async function startSession(
  cpo: ExampleCpo,
  emsp: ExampleEmsp,
  print: Print,
  step: (t: string) => void,
) {
  step("9. The eMSP starts a session at the CPO's EVSE: a command with an asynchronous result");
  const body = `{\\"response_url\\":\\"$EMSP_URL/ocpi/2.2.1/commands/sender/START_SESSION/1\\",\\"token\\":${JSON.stringify(TOKEN).replaceAll('"', '\\"')},\\"location_id\\":\\"LOC1\\",\\"evse_uid\\":\\"3256\\"}`;
  print(
    `curl -s -X POST $HUB/ocpi/2.2.1/commands/receiver/START_SESSION ${tokenHeader("EMSP_TOKEN")} ${json} \\\n` +
      `  ${routing(EMSP, CPO)} \\\n  -d "${body}"`,
  );
  const sent = await emsp.startSession(CPO, { location_id: "LOC1", evse_uid: "3256" });
  print(`# ${JSON.stringify(sent.answer.body)}`);
  if (sent.answer.body?.data?.result !== "ACCEPTED")
    throw new Error("the CPO did not accept START_SESSION");
  const received = await waitFor("the CPO to get START_SESSION", () => cpo.commands.at(-1));
  print(`# the CPO got it with the hub's callback URL as response_url; once the charger started:`);
  print(`export CALLBACK=${String(received.body.response_url)}`);
  print(
    `curl -s -X POST $CALLBACK ${tokenHeader("CPO_TOKEN")} ${json} \\\n` +
      `  ${routing(CPO, EMSP)} \\\n  -d '{"result":"ACCEPTED"}'`,
  );
  const result = await waitFor("the CommandResult at the eMSP", () => emsp.results.get(sent.id));
  print(`# the eMSP's commands sender got ${JSON.stringify(result)} at its own response_url`);
  if (result?.result !== "ACCEPTED") throw new Error(`START_SESSION ended ${result.result}`);
  print(OUTCOMES[8]);
}
