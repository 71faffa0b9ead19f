import { TariffSchema } from "../ocpi/schemas/tariffs.js";
import { type FunctionalModuleSpec, fixed, type OperationSpec, urlOwner } from "./module-spec.js";

const TARIFF = "/{country_code}/{party_id}/{tariff_id}";
const byTariff = { idParam: "tariff_id", idField: "id", codes: true } as const;

/** mod_tariffs: a CPO's tariffs; cached and broadcast by the hub. */
export const tariffs: FunctionalModuleSpec = {
  kind: "functional",
  id: "tariffs",
  roles: { SENDER: ["CPO", "NAP"], RECEIVER: ["EMSP", "NSP", "NAP", "OTHER"] },
  operations: {
    RECEIVER: (["GET", "PUT", "DELETE"] as const).map(
      (method): OperationSpec => ({
        method,
        pattern: TARIFF,
        ...(method === "PUT" ? { body: fixed(TariffSchema) } : {}),
        owned: byTariff,
        open: "none",
      }),
    ),
    SENDER: [
      { method: "GET", pattern: "", paginated: true, open: "none" },
      { method: "GET", pattern: "/{tariff_id}", open: "none", hubOnly: true },
    ],
  },
  broadcast: {
    methods: ["PUT", "DELETE"],
    recipients: ["EMSP", "NSP", "OTHER"],
    object: (params) => ({ owner: urlOwner(params), id: params.tariff_id ?? "" }),
  },
  cache: {
    idParam: "tariff_id",
    noun: "tariff",
    unknown: "not-found",
    writes: ["PUT", "DELETE"],
    schema: TariffSchema,
  },
};
