import { envelope, jsonBody, type OcpiObject, OcpiParty, type PartyCode } from "./ocpi-party.js";

/**
 * An example CPO: the OCPI side a charge point operator offers the hub.
 *
 * - locations SENDER: its locations, paginated (the hub pulls them when the
 *   CPO connects, and eMSPs may ask for one);
 * - commands RECEIVER: START_SESSION and friends; it answers at once with a
 *   CommandResponse and reports the outcome later, as a CommandResult POSTed
 *   to the `response_url` it was given (a hub URL, which the hub relays to
 *   the eMSP).
 *
 * And what it sends: location pushes to the hub's locations RECEIVER.
 */
export class ExampleCpo extends OcpiParty {
  readonly locations = new Map<string, OcpiObject>();
  /** Commands received, newest last. */
  readonly commands: { command: string; body: OcpiObject; from: PartyCode }[] = [];

  constructor(role: PartyCode & { name: string }) {
    super({ ...role, role: "CPO" }, [
      { identifier: "locations", role: "SENDER" },
      { identifier: "commands", role: "RECEIVER" },
    ]);
    this.app.get("/ocpi/2.2.1/locations/sender", (c) => {
      const all = [...this.locations.values()];
      const offset = Number(c.req.query("offset") ?? 0);
      const limit = Math.min(Number(c.req.query("limit") ?? 100), 100);
      c.header("X-Total-Count", String(all.length));
      c.header("X-Limit", String(limit));
      return c.json(envelope(all.slice(offset, offset + limit)));
    });
    this.app.get("/ocpi/2.2.1/locations/sender/:id", (c) => {
      const location = this.locations.get(c.req.param("id"));
      if (location === undefined) return c.json(envelope(undefined, 2003, "unknown location"), 404);
      return c.json(envelope(location));
    });
    this.app.post("/ocpi/2.2.1/commands/receiver/:command", async (c) => {
      const command = c.req.param("command");
      const body = await jsonBody(c);
      const from = {
        country_code: c.req.header("OCPI-from-country-code") ?? "",
        party_id: c.req.header("OCPI-from-party-id") ?? "",
      };
      if (command !== "START_SESSION")
        return c.json(envelope({ result: "NOT_SUPPORTED", timeout: 0 }));
      const responseUrl = body?.response_url;
      if (typeof responseUrl !== "string" || !this.locations.has(String(body?.location_id))) {
        return c.json(envelope({ result: "REJECTED", timeout: 0 }));
      }
      this.commands.push({ command, body: body as OcpiObject, from });
      // The charger is asked in the background; the answer only says "request taken".
      setTimeout(() => void this.reportResult(responseUrl, from), 50);
      return c.json(envelope({ result: "ACCEPTED", timeout: 30 }));
    });
  }

  /** PUTs a location to the hub with OCPI-to = the hub: a broadcast to every eMSP allowed to see it. */
  async pushLocation(location: OcpiObject, hub: PartyCode) {
    this.locations.set(String(location.id), location);
    const url = `${this.hubEndpoint("locations", "RECEIVER")}/${location.country_code}/${location.party_id}/${location.id}`;
    return this.send("PUT", url, hub, location);
  }

  /** The charger started: the CommandResult goes to the response_url, through the hub. */
  private async reportResult(responseUrl: string, to: PartyCode) {
    await this.send("POST", responseUrl, to, { result: "ACCEPTED" }).catch(() => undefined);
  }
}
