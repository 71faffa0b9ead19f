/**
 * What the log records of an OCPI path: the module, the interface and the
 * object the request is about, from `/ocpi/{version}/{module}/{sender|receiver}/…`.
 * Receiver paths name `{cc}/{pid}/{id}…`; sender paths `{id}…`; a command's
 * path names its command type.
 */
export interface PathFacts {
  module: string | null;
  interface: string | null;
  objectId: string | null;
}

const NOTHING: PathFacts = { module: null, interface: null, objectId: null };

export function describePath(path: string): PathFacts {
  // "", "ocpi", version, module, interface, rest…, found in place: split("/") made a string of each.
  const n = segments(path);
  if (!(n > 1 && segmentIs(path, 1, "ocpi"))) return NOTHING;
  if (n < 4 || segmentIs(path, 2, "versions")) {
    return { module: "versions", interface: null, objectId: null };
  }
  const module = segment(path, 3) || null;
  const role = n > 4 ? segment(path, 4) : "";
  if (role !== "sender" && role !== "receiver") {
    return { module, interface: null, objectId: role || null };
  }
  // A receiver path names {cc}/{pid}/{id}, a sender path {id}.
  const at = role === "receiver" ? (n >= 8 ? 7 : n >= 6 ? 5 : 0) : n >= 6 ? 5 : 0;
  const objectId = at === 0 ? null : segment(path, at) || null;
  return { module, interface: role, objectId: objectId === null ? null : decode(objectId) };
}

/** The most segments describePath reads: "", "ocpi", version, module, interface and three more. */
const SEGMENTS = 8;
/** Where each of the first SEGMENTS segments of the path segments() read last ends. */
const ends = new Int32Array(SEGMENTS);

/** Finds where the path's first segments end; answers how many it has, SEGMENTS for that many or more. */
function segments(path: string): number {
  let from = 0;
  for (let n = 0; n < SEGMENTS; n++) {
    const slash = path.indexOf("/", from);
    ends[n] = slash === -1 ? path.length : slash;
    if (slash === -1) return n + 1;
    from = slash + 1;
  }
  return SEGMENTS;
}

/** Segment `i` of the path segments() read last. */
function segment(path: string, i: number): string {
  return path.slice(i === 0 ? 0 : (ends[i - 1] as number) + 1, ends[i]);
}

/** Whether segment `i` of the path segments() read last is `value`, without slicing it. */
function segmentIs(path: string, i: number, value: string): boolean {
  const start = i === 0 ? 0 : (ends[i - 1] as number) + 1;
  return (ends[i] as number) - start === value.length && path.startsWith(value, start);
}

function decode(segment: string): string {
  // Most ids have no escapes: decoding them is a copy the log pays per request.
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Bodies are kept up to this many characters (16 KiB); longer ones are cut and marked. */
export const BODY_LIMIT = 16_384;

const TOKEN_FIELD = /("token"\s*:\s*")(?:[^"\\]|\\.)*(")/g;
const AUTHORIZATION = /(authorization"?\s*[:=]\s*"?)(?:Token\s+)?[^",}\s]+/gi;

/**
 * A body as stored: credentials tokens (every string-valued "token" field)
 * and anything shaped like an Authorization value replaced by
 * "[redacted]", then cut at BODY_LIMIT characters.
 */
export function storedBody(text: string | undefined): string | null {
  if (text === undefined || text === "") return null;
  const redacted = text
    .replace(TOKEN_FIELD, "$1[redacted]$2")
    .replace(AUTHORIZATION, "$1[redacted]");
  return redacted.length > BODY_LIMIT ? `${redacted.slice(0, BODY_LIMIT)}…[truncated]` : redacted;
}

/** The outcome of an answer: by its OCPI status_code, or its HTTP status when it has none. */
export function outcomeOf(httpStatus: number, statusCode: number | null | undefined): string {
  if (statusCode !== null && statusCode !== undefined) {
    if (statusCode >= 1000 && statusCode < 2000) return httpStatus < 300 ? "success" : "error";
    if (statusCode >= 2000 && statusCode < 3000) return "client-error";
    if (statusCode >= 3000 && statusCode < 4000) return "server-error";
    if (statusCode >= 4000 && statusCode < 5000) return "hub-error";
  }
  if (httpStatus < 300) return "success";
  return httpStatus < 500 ? "client-error" : "server-error";
}

/**
 * The OCPI status_code of the responses the hub writes, so that the log
 * can name it without reading the body again (set by reply() and relay()).
 */
const answeredCodes = new WeakMap<Response, number>();

export function noteStatusCode(res: Response, code: number): Response {
  answeredCodes.set(res, code);
  return res;
}

export function statusCodeOf(res: Response): number | null {
  return answeredCodes.get(res) ?? null;
}
