/**
 * What must never leave the hub in a log line, an answer or the admin's
 * last_error: the userinfo and credential-like query values of URLs, and
 * the parameters of database queries (they carry the tokens platforms give
 * the hub). Drivers put those parameters in error messages and fields.
 */

const MASK = "***";

/** Query parameter names whose values are credentials. */
const SECRET_PARAM = /token|key|secret|passw|pwd|signature|^sig$|credential|auth|session/i;

/** An absolute URL inside free text, up to the first character no URL holds unescaped. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** Drizzle's "Failed query: …\nparams: …": everything from the parameter list on goes. */
const QUERY_PARAMS = /\n\s*params:[\s\S]*$/;

/** A URL with its userinfo and the values of credential-like query parameters masked. */
export function redactUrl(url: string): string {
  const scheme = url.indexOf("://");
  if (scheme === -1) return url;
  let out = url;
  const authorityEnd = firstOf(out, ["/", "?", "#"], scheme + 3);
  const at = out.lastIndexOf("@", authorityEnd);
  if (at > scheme) out = `${out.slice(0, scheme + 3)}${MASK}${out.slice(at)}`;
  const query = out.indexOf("?");
  if (query === -1) return out;
  const hash = out.indexOf("#", query);
  const end = hash === -1 ? out.length : hash;
  const pairs = out
    .slice(query + 1, end)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      return SECRET_PARAM.test(safeDecode(pair.slice(0, eq)))
        ? `${pair.slice(0, eq)}=${MASK}`
        : pair;
    });
  return `${out.slice(0, query + 1)}${pairs.join("&")}${out.slice(end)}`;
}

/** Free text with every URL in it redacted and any query parameter list cut off. */
export function redactText(text: string): string {
  let out = text;
  if (out.includes("params:")) out = out.replace(QUERY_PARAMS, "\nparams: [redacted]");
  if (out.includes("://")) out = out.replace(URL_IN_TEXT, redactUrl);
  return out;
}

function firstOf(text: string, chars: string[], from: number): number {
  let first = text.length;
  for (const c of chars) {
    const i = text.indexOf(c, from);
    if (i !== -1 && i < first) first = i;
  }
  return first;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Fields of driver errors that hold query text, parameters or row values. */
const DROPPED_FIELDS = new Set([
  "params",
  "parameters",
  "query",
  "queryOptions",
  "args",
  "types",
  "detail",
  "hint",
  "where",
  "internalQuery",
  "raw",
]);

/**
 * Fields of a PostgreSQL error that name schema objects, never values, under
 * one name whichever driver reported them (PGlite: `table`; postgres-js: `table_name`).
 */
const DATABASE_FIELDS: Record<string, readonly string[]> = {
  code: ["code"],
  severity: ["severity"],
  schema: ["schema", "schema_name"],
  table: ["table", "table_name"],
  column: ["column", "column_name"],
  constraint: ["constraint", "constraint_name"],
  routine: ["routine"],
};

/**
 * SQLSTATE classes whose messages name schema objects only (the values of a
 * constraint violation are in its detail). Other classes, 22 (data
 * exception) above all, may quote the offending input, so their messages go.
 */
const SAFE_CLASSES = new Set(["08", "23", "25", "28", "40", "42", "53", "54", "55", "57", "58"]);

const MAX_DEPTH = 4;

/** Marks an error already serialized here, so a second pass (pino's `err` serializer) keeps it. */
const SERIALIZED = Symbol("serialized");

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
  [key: string]: unknown;
}

const isErrorLike = (value: unknown): value is ErrorLike =>
  value instanceof Error ||
  (typeof value === "object" &&
    value !== null &&
    typeof (value as ErrorLike).message === "string" &&
    typeof (value as ErrorLike).stack === "string");

/** A PostgreSQL error, from postgres-js or PGlite: a SQLSTATE code and a severity. */
const isDatabaseError = (err: ErrorLike): boolean =>
  typeof err.code === "string" &&
  /^[0-9A-Z]{5}$/.test(err.code) &&
  typeof err.severity === "string";

/** Drizzle's wrapper around any failed query: the SQL and its parameters. */
const isQueryError = (err: ErrorLike): boolean =>
  typeof err.query === "string" && ("params" in err || "parameters" in err);

/** Only the frames of a stack: its first lines repeat the message. */
function framesOf(stack: unknown): string | undefined {
  if (typeof stack !== "string") return undefined;
  return stack
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
}

/** "update platforms": what a statement did to which table, without its text. */
function statementOf(query: string): string {
  const verb = /^\s*(\w+)/.exec(query)?.[1]?.toLowerCase() ?? "statement";
  const table = /\b(?:from|into|update)\s+"?([\w.]+)"?/i.exec(query)?.[1];
  return table === undefined ? verb : `${verb} ${table}`;
}

/**
 * pino's `err` serializer: type, message, stack and fields, except what a
 * database driver attaches (query text, parameters, row values) and the
 * secrets of URLs. A database error keeps its SQLSTATE and the names of the
 * schema objects involved.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (typeof err === "object" && err !== null && SERIALIZED in err) return err;
  if (!isErrorLike(err)) return redactValue(err, depth);
  // Bundled drivers minify their class names ("O"); their `name` says more then.
  const named = typeof err.constructor === "function" ? err.constructor.name : "";
  const type = named.length > 2 && named !== "Object" ? named : String(err.name ?? "Error");
  const out: Record<string | symbol, unknown> = { type, [SERIALIZED]: true };
  if (isDatabaseError(err)) {
    const code = err.code as string;
    out.message = SAFE_CLASSES.has(code.slice(0, 2))
      ? redactText(String(err.message))
      : `database error (SQLSTATE ${code})`;
    out.stack = framesOf(err.stack);
    for (const [field, names] of Object.entries(DATABASE_FIELDS)) {
      const value = names.map((name) => err[name]).find((v) => typeof v === "string");
      if (value !== undefined) out[field] = value;
    }
  } else if (isQueryError(err)) {
    out.message = `database query failed: ${statementOf(err.query as string)}`;
    out.stack = framesOf(err.stack);
  } else {
    out.message = redactText(String(err.message));
    if (typeof err.stack === "string") out.stack = redactText(err.stack);
    for (const key of Object.keys(err)) {
      if (key === "cause" || key in out || DROPPED_FIELDS.has(key)) continue;
      out[key] = depth < MAX_DEPTH ? serializeError(err[key], depth + 1) : "[…]";
    }
  }
  if (err.cause !== undefined && depth < MAX_DEPTH)
    out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/**
 * A logged value with its strings redacted and any error in it serialized
 * safely; the same reference when nothing needed to change.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value !== "object" || value === null) return value;
  if (SERIALIZED in value) return value;
  if (isErrorLike(value)) return serializeError(value, depth);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const redacted = redactValue(item, depth + 1);
      if (redacted !== item) changed = true;
      return redacted;
    });
    return changed ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key === "params" || key === "parameters") {
      copy ??= { ...value };
      delete copy[key];
      continue;
    }
    const redacted = redactValue(item, depth + 1);
    if (redacted !== item) {
      copy ??= { ...value };
      copy[key] = redacted;
    }
  }
  return copy ?? value;
}
