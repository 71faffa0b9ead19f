import { randomUUID } from "node:crypto";
import { envelope, jsonBody, type OcpiObject, OcpiParty, type PartyCode } from "./ocpi-party.js";

/**
 * An example eMSP: the OCPI side an e-mobility service provider offers the hub.
 *
 * - tokens SENDER: its tokens, paginated, for CPOs to read;
 * - locations RECEIVER: location pushes from CPOs, relayed by the hub;
 * - commands SENDER: where CommandResults arrive (the `response_url` it
 *   puts in each command).
 *
 * And what it sends: commands to a CPO through the hub, and reads of the
 * hub's location cache.
 */
export class ExampleEmsp extends OcpiParty {
  readonly tokens: OcpiObject[];
  /** Locations pushed to it, by "CC/PID/ID". */
  readonly locations = new Map<string, OcpiObject | undefined>();
  /** CommandResults received, by the id in their response_url. */
  readonly results = new Map<string, OcpiObject | undefined>();

  constructor(role: PartyCode & { name: string }, token: OcpiObject) {
    super({ ...role, role: "EMSP" }, [
      { identifier: "tokens", role: "SENDER" },
      { identifier: "locations", role: "RECEIVER" },
      { identifier: "commands", role: "SENDER" },
    ]);
    this.tokens = [token];
    this.app.get("/ocpi/2.2.1/tokens/sender", (c) => {
      c.header("X-Total-Count", String(this.tokens.length));
      c.header("X-Limit", "100");
      return c.json(envelope(this.tokens));
    });
    this.app.put("/ocpi/2.2.1/locations/receiver/:cc/:pid/:id", async (c) => {
      const { cc, pid, id } = c.req.param();
      this.locations.set(`${cc}/${pid}/${id}`, await jsonBody(c));
      return c.json(envelope());
    });
    // EVSE and connector updates: merged into the copy the eMSP keeps.
    this.app.patch("/ocpi/2.2.1/locations/receiver/:cc/:pid/:id/*", (c) => c.json(envelope()));
    this.app.patch("/ocpi/2.2.1/locations/receiver/:cc/:pid/:id", async (c) => {
      const { cc, pid, id } = c.req.param();
      const key = `${cc}/${pid}/${id}`;
      this.locations.set(key, { ...this.locations.get(key), ...(await jsonBody(c)) });
      return c.json(envelope());
    });
    this.app.post("/ocpi/2.2.1/commands/sender/:command/:id", async (c) => {
      this.results.set(c.req.param("id"), await jsonBody(c));
      return c.json(envelope());
    });
  }

  /**
   * Asks `cpo` through the hub to start a session for our token at one EVSE.
   * Returns the hub's relay of the CPO's CommandResponse and the id under
   * which the CommandResult will arrive.
   */
  async startSession(cpo: PartyCode, at: { location_id: string; evse_uid: string }) {
    const id = randomUUID();
    const body = {
      response_url: `${this.endpointUrl("commands", "SENDER")}/START_SESSION/${id}`,
      token: this.tokens[0],
      ...at,
    };
    const url = `${this.hubEndpoint("commands", "RECEIVER")}/START_SESSION`;
    const answer = await this.send<{ result: string; timeout: number }>("POST", url, cpo, body);
    return { id, body, answer };
  }

  /** GET All via the hub: every CPO's locations from the hub's cache, one page. */
  readLocations(hub: PartyCode, limit = 10) {
    return this.send<OcpiObject[]>(
      "GET",
      `${this.hubEndpoint("locations", "SENDER")}?offset=0&limit=${limit}`,
      hub,
    );
  }
}
