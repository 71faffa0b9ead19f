// Who may be shown a location: everyone, or the owners of the tokens its publish_allowed_to lists.
import { type SQL, sql } from "drizzle-orm";
import { cachedTokens } from "../db/schema/index.js";
import type { Json } from "./apply.js";

/**
 * A location's audience besides its own CPO (locations: Location Object,
 * `publish` and `publish_allowed_to`): everyone when it is published;
 * otherwise only the eMSPs owning a token one of `allowedTo` matches, and
 * nobody when the list is empty.
 */
export type Audience = { everyone: true } | { everyone: false; allowedTo: readonly Json[] };

export const EVERYONE: Audience = { everyone: true };

/** The audience a location document declares; anything but `publish: false` is published. */
export function audienceOf(doc: Json): Audience {
  if (doc.publish !== false) return EVERYONE;
  const list = Array.isArray(doc.publish_allowed_to) ? (doc.publish_allowed_to as unknown[]) : [];
  return {
    everyone: false,
    allowedTo: list.filter((p): p is Json => typeof p === "object" && p !== null),
  };
}

const setField = (p: Json, field: string): string | undefined => {
  const v = p[field];
  return typeof v === "string" ? v : undefined;
};

/**
 * Whether a PublishTokenType matches a token. locations: Location Object:
 * "Only owners of Tokens that match all the set fields of one PublishToken
 * in the list are allowed to be shown this location"; a field set to null
 * or left out is not set. uid and group_id are CiStrings and compare
 * case-insensitively, type, visual_number and issuer exactly (types:
 * CiString, string). locations: PublishTokenType class: "At least one of
 * the following fields SHALL be set: uid, visual_number, or group_id", so
 * an entry with none of them names no token and matches nothing (it would
 * otherwise match every token of a type or an issuer). The SQL of
 * tokenMatchSql() applies the same rule.
 */
export function publishTokenMatches(p: Json, token: Json): boolean {
  const uid = setField(p, "uid");
  const visual = setField(p, "visual_number");
  const group = setField(p, "group_id");
  if (uid === undefined && visual === undefined && group === undefined) return false;
  const ci = (a: unknown, b: string) =>
    typeof a === "string" && a.toUpperCase() === b.toUpperCase();
  const exact = (field: string) => {
    const want = setField(p, field);
    return want === undefined || token[field] === want;
  };
  return (
    (uid === undefined || ci(token.uid, uid)) &&
    (group === undefined || ci(token.group_id, group)) &&
    exact("type") &&
    exact("visual_number") &&
    exact("issuer")
  );
}

/**
 * True when a token of the platform `platformId` (an SQL value) matches
 * the PublishTokenType `p` (an SQL jsonb value); see publishTokenMatches().
 * One branch per identifying field, each served by its own index of
 * cached_tokens and each checking every set field.
 */
function tokenMatchSql(p: SQL, platformId: SQL): SQL {
  const t = cachedTokens;
  const allSet = sql`(${p}->>'uid' is null or ${t.uid} = upper(${p}->>'uid'))
    and (${p}->>'type' is null or ${t.type} = ${p}->>'type')
    and (${p}->>'visual_number' is null or ${t.data}->>'visual_number' = ${p}->>'visual_number')
    and (${p}->>'issuer' is null or ${t.data}->>'issuer' = ${p}->>'issuer')
    and (${p}->>'group_id' is null or upper(${t.data}->>'group_id') = upper(${p}->>'group_id'))`;
  const branch = (key: SQL) =>
    sql`exists (select 1 from ${t} where ${t.platformId} = ${platformId} and ${key} and ${allSet})`;
  return sql`(
    (${p}->>'uid' is not null and ${branch(sql`${t.uid} = upper(${p}->>'uid')`)})
    or (${p}->>'visual_number' is not null and ${branch(sql`${t.data}->>'visual_number' = ${p}->>'visual_number'`)})
    or (${p}->>'group_id' is not null and ${branch(sql`upper(${t.data}->>'group_id') = upper(${p}->>'group_id')`)})
  )`;
}

/** The entries of a publish_allowed_to (jsonb), none when it is no list. */
const entriesOf = (allowedTo: SQL) =>
  sql`jsonb_array_elements(case when jsonb_typeof(${allowedTo}) = 'array' then ${allowedTo} else '[]'::jsonb end)`;

/**
 * True when the platform `platformId` owns a token that one entry of the
 * location document `doc`'s publish_allowed_to matches.
 */
export function allowedToSql(doc: SQL, platformId: string): SQL {
  return sql`exists (select 1 from ${entriesOf(sql`(${doc}->'publish_allowed_to')`)} p
    where ${tokenMatchSql(sql`p.value`, sql`${platformId}`)})`;
}

/**
 * The platforms among `platformIds` owning a token one of `allowedTo`
 * matches, as a query selecting `platform_id`.
 */
export function platformsAllowedSql(
  allowedTo: readonly Json[],
  platformIds: readonly string[],
): SQL {
  const list = sql`${JSON.stringify(allowedTo)}::jsonb`;
  const ids = sql`${JSON.stringify(platformIds)}::jsonb`;
  return sql`select r.id as platform_id from jsonb_array_elements_text(${ids}) r(id)
    where exists (select 1 from ${entriesOf(list)} p where ${tokenMatchSql(sql`p.value`, sql`r.id`)})`;
}
