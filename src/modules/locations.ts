import {
  ConnectorPatchSchema,
  ConnectorSchema,
  EvsePatchSchema,
  EvseSchema,
  LocationPatchSchema,
  LocationSchema,
} from "../ocpi/schemas/locations.js";
import {
  type FunctionalModuleSpec,
  fixed,
  type OperationSpec,
  type OwnedObject,
  urlOwner,
} from "./module-spec.js";

const LOCATION = "/{country_code}/{party_id}/{location_id}";
const EVSE = `${LOCATION}/{evse_uid}`;
const CONNECTOR = `${EVSE}/{connector_id}`;

/** What names each level in its URL and body (locations: Location, EVSE, Connector object). */
const byLocation: OwnedObject = { idParam: "location_id", idField: "id", codes: true };
const byEvse: OwnedObject = { idParam: "evse_uid", idField: "uid", codes: false };
const byConnector: OwnedObject = { idParam: "connector_id", idField: "id", codes: false };

/** mod_locations: a CPO's locations, EVSEs and connectors; cached and broadcast by the hub. */
export const locations: FunctionalModuleSpec = {
  kind: "functional",
  id: "locations",
  roles: { SENDER: ["CPO", "NAP"], RECEIVER: ["EMSP", "NSP", "NAP", "OTHER"] },
  operations: {
    RECEIVER: [
      ...[LOCATION, EVSE, CONNECTOR].map(
        (pattern): OperationSpec => ({ method: "GET", pattern, owned: byLocation, open: "none" }),
      ),
      {
        method: "PUT",
        pattern: LOCATION,
        body: fixed(LocationSchema),
        owned: byLocation,
        open: "none",
        hint: "location",
      },
      {
        method: "PUT",
        pattern: EVSE,
        body: fixed(EvseSchema),
        owned: byEvse,
        open: "none",
        hint: "location",
      },
      {
        method: "PUT",
        pattern: CONNECTOR,
        body: fixed(ConnectorSchema),
        owned: byConnector,
        open: "none",
        hint: "location",
      },
      ...(
        [
          [LOCATION, LocationPatchSchema, byLocation],
          [EVSE, EvsePatchSchema, byEvse],
          [CONNECTOR, ConnectorPatchSchema, byConnector],
        ] as const
      ).map(
        ([pattern, schema, owned]): OperationSpec => ({
          method: "PATCH",
          pattern,
          body: fixed(schema),
          owned,
          open: "none",
          hint: "location",
        }),
      ),
    ],
    SENDER: [
      { method: "GET", pattern: "", paginated: true, open: "none" },
      ...[
        "/{location_id}",
        "/{location_id}/{evse_uid}",
        "/{location_id}/{evse_uid}/{connector_id}",
      ].map((pattern): OperationSpec => ({ method: "GET", pattern, open: "location-owner" })),
    ],
  },
  broadcast: {
    methods: ["PUT", "PATCH"],
    recipients: ["EMSP", "NSP", "OTHER"],
    object: (params) => ({ owner: urlOwner(params), id: params.location_id ?? "" }),
  },
  cache: {
    idParam: "location_id",
    noun: "location",
    unknown: "unknown-location",
    writes: ["PUT", "PATCH"],
    schema: LocationSchema,
  },
};
