import type { Credentials } from "../../ocpi/schemas/credentials.js";
import type { Role } from "../../ocpi/schemas/primitives.js";
import { refusal } from "./mapping.js";
import type { Credentials211 } from "./schemas/credentials.js";
import type { Loss, Translated } from "./translation.js";

/**
 * Credentials between the versions (docs/ocpi-2.1.1/credentials.md). A
 * 2.1.1 connection is one party with one role, which 2.1.1's object does
 * not state: the operator states it when inviting the platform.
 */

/** A 2.1.1 platform's credentials as 2.2.1's, with the role the operator stated. */
export function credentialsTo221(credentials: Credentials211, role: Role): Translated<Credentials> {
  const { token, url, business_details, party_id, country_code } = credentials;
  return {
    value: { token, url, roles: [{ role, business_details, party_id, country_code }] },
    losses: [],
  };
}

/**
 * 2.2.1 credentials as 2.1.1's, for the connection of `role`: the role's
 * party. Other roles, and the role itself, have no 2.1.1 field. Refused
 * naming roles when none has that role.
 */
export function credentialsTo211(credentials: Credentials, role: Role): Translated<Credentials211> {
  const index = credentials.roles.findIndex((r) => r.role === role);
  const chosen = credentials.roles[index];
  if (chosen === undefined)
    throw refusal(
      "credentials for OCPI 2.1.1",
      "roles",
      `no role ${role}, the role of this 2.1.1 connection`,
    );
  const losses: Loss[] = [
    {
      field: `roles[${index}].role`,
      reason: "no OCPI 2.1.1 equivalent: the operator states the role at invite",
    },
  ];
  credentials.roles.forEach((_, i) => {
    if (i !== index)
      losses.push({ field: `roles[${i}]`, reason: "2.1.1 credentials carry one party and role" });
  });
  const { business_details, party_id, country_code } = chosen;
  return {
    value: {
      token: credentials.token,
      url: credentials.url,
      business_details,
      party_id,
      country_code,
    },
    losses,
  };
}
