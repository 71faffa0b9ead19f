/** A (country_code, party_id) pair, as routing headers and client-owned URLs carry it. */
export interface PartyRef {
  countryCode: string;
  partyId: string;
}

/** CiStrings compare case-insensitively (types: CiString). */
export const sameParty = (a: PartyRef, b: PartyRef): boolean =>
  a.countryCode.toUpperCase() === b.countryCode.toUpperCase() &&
  a.partyId.toUpperCase() === b.partyId.toUpperCase();

/** The key of a (country_code, party_id) pair in the hub's maps; CiStrings compare case-insensitively. */
export function pairKey(countryCode: string, partyId: string): string {
  return `${countryCode}*${partyId}`.toUpperCase();
}

/** `NL/CPO`, as the hub names a party in messages and logs. */
export const partyName = (p: PartyRef): string => `${p.countryCode}/${p.partyId}`;

/** The party's codes in upper case, as the hub's tables key them. */
export const upperParty = (p: PartyRef): PartyRef => ({
  countryCode: p.countryCode.toUpperCase(),
  partyId: p.partyId.toUpperCase(),
});

/** The hub's own OCPI identity (HUB_COUNTRY_CODE / HUB_PARTY_ID). */
export const hubParty = (config: { hubCountryCode: string; hubPartyId: string }): PartyRef => ({
  countryCode: config.hubCountryCode,
  partyId: config.hubPartyId,
});
