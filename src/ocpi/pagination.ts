import { invalidParameters } from "./errors.js";
import { OutHeader } from "./headers.js";
import { DATE_TIME } from "./schemas/primitives.js";

/** A list request's window (transport_and_format: Paginated Request). */
export interface Page {
  offset: number;
  limit: number;
  dateFrom: string | undefined;
  dateTo: string | undefined;
}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw invalidParameters(`${name} must be a whole number ≥ 0, got "${value}"`);
  return Number(value);
}

function dateTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!DATE_TIME.test(value))
    throw invalidParameters(`${name} must be an RFC 3339 UTC date-time, got "${value}"`);
  return value;
}

/**
 * Reads offset, limit, date_from (inclusive) and date_to (exclusive). A
 * missing or larger limit becomes the server maximum (transport_and_format:
 * Paginated Response, X-Limit).
 */
export function parsePage(query: Record<string, string | undefined>, maxLimit: number): Page {
  const offset = wholeNumber("offset", query.offset) ?? 0;
  const requested = wholeNumber("limit", query.limit);
  return {
    offset,
    limit: requested === undefined ? maxLimit : Math.min(requested, maxLimit),
    dateFrom: dateTime("date_from", query.date_from),
    dateTo: dateTime("date_to", query.date_to),
  };
}

/**
 * The hub's keyset cursor of a list (`after`, set in the Link it gives):
 * the key of the last object of the previous page.
 */
export function parseCursor(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw invalidParameters(`after must be the cursor of a Link the hub gave, got "${value}"`);
  return Number(value);
}

/**
 * X-Total-Count, X-Limit and, unless this is the last page, a Link to the
 * next page that repeats every other query parameter. With `cursor` (the
 * page's last key), the Link carries it as `after` besides the offset, so
 * the next page starts right there instead of skipping `offset` objects;
 * a page read after a cursor says itself whether more follow (`more`).
 */
export function pageHeaders(
  requestUrl: string,
  publicBase: string,
  page: Page,
  maxLimit: number,
  total: number,
  cursor?: { last: number | undefined; more: boolean | undefined },
): Record<string, string> {
  const headers: Record<string, string> = {
    [OutHeader.totalCount]: String(total),
    [OutHeader.limit]: String(maxLimit),
  };
  const nextOffset = page.offset + page.limit;
  const more = cursor?.more ?? nextOffset < total;
  if (page.limit > 0 && more) {
    const incoming = new URL(requestUrl);
    const next = new URL(incoming.pathname + incoming.search, `${publicBase}/`);
    next.searchParams.set("offset", String(nextOffset));
    next.searchParams.set("limit", String(page.limit));
    if (cursor?.last === undefined) next.searchParams.delete("after");
    else next.searchParams.set("after", String(cursor.last));
    headers[OutHeader.link] = `<${next.toString()}>; rel="next"`;
  }
  return headers;
}

const NEXT = /<([^>]*)>\s*;\s*rel="?next"?/i;

/** The URL of a `Link: <…>; rel="next"` header, if it has one. */
export function nextLinkUrl(link: string | undefined): string | undefined {
  const next = link === undefined ? undefined : NEXT.exec(link)?.[1];
  return next === "" ? undefined : next;
}

/**
 * A receiver's `Link: <…>; rel="next"` pointing at the hub instead, with
 * every query parameter kept, so paging continues through the hub
 * (transport_and_format: Pagination).
 */
export function rewriteLink(
  link: string | undefined,
  receiverEndpoint: string,
  hubEndpoint: string,
): string | undefined {
  const next = nextLinkUrl(link);
  if (next === undefined || !URL.canParse(next)) return undefined;
  const theirs = new URL(next);
  const base = new URL(receiverEndpoint);
  const basePath = base.pathname.replace(/\/+$/, "");
  const rest =
    theirs.pathname.startsWith(`${basePath}/`) && theirs.origin === base.origin
      ? theirs.pathname.slice(basePath.length).replace(/\/+$/, "")
      : "";
  return `<${hubEndpoint}${rest}${theirs.search}>; rel="next"`;
}
