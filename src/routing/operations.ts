import {
  type FunctionalModuleSpec,
  type Method,
  type OperationSpec,
  PARAM_TYPES,
  type Params,
  type ParamType,
  type Role,
} from "../modules/module-spec.js";
import { invalidParameters } from "../ocpi/errors.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";

/** One operation of one routed interface, compiled from its module's record. */
export interface Operation extends OperationSpec {
  module: FunctionalModuleSpec;
  iface: InterfaceRole;
  segments: readonly string[];
  /** The roles that send this request: those implementing the other interface. */
  senders: readonly Role[];
  /** The roles that receive it: those implementing this interface. */
  receivers: readonly Role[];
}

export type Match =
  | { kind: "found"; op: Operation; params: Params }
  | { kind: "method"; allowed: Method[] }
  | { kind: "none" };

const OTHER: Record<InterfaceRole, InterfaceRole> = { SENDER: "RECEIVER", RECEIVER: "SENDER" };

/** The parameter a pattern segment names (`{location_id}` → location_id), or undefined. */
const paramName = (segment: string) => (segment[0] === "{" ? segment.slice(1, -1) : undefined);

/**
 * The operations of one interface of a module, and how a request finds its
 * own. Every parameter a pattern names must have a type in PARAM_TYPES:
 * a record that names another fails here, when the module table loads.
 */
export function interfaceOperations(module: FunctionalModuleSpec, iface: InterfaceRole) {
  const ops: Operation[] = module.operations[iface].map((spec) => {
    const segments = spec.pattern.split("/").filter((s) => s !== "");
    for (const segment of segments) {
      const name = paramName(segment);
      if (name !== undefined && PARAM_TYPES[name] === undefined) {
        throw new Error(`${module.id} ${spec.pattern}: URL parameter ${name} has no type`);
      }
    }
    return {
      ...spec,
      module,
      iface,
      segments,
      senders: module.roles[OTHER[iface]],
      receivers: module.roles[iface],
    };
  });
  return {
    ops,
    /**
     * The operation for a method and the path segments after the endpoint,
     * each decoded once. A parameter that is not a value of its type is
     * refused with 2001 naming it, so that nothing but checked ids reaches
     * a receiver's URL (see outboundPath).
     */
    match(method: string, segments: readonly string[]): Match {
      const allowed: Method[] = [];
      for (const op of ops) {
        if (!fits(op.segments, segments)) continue;
        if (op.method === method) return { kind: "found", op, params: bind(op.segments, segments) };
        allowed.push(op.method);
      }
      return allowed.length > 0 ? { kind: "method", allowed } : { kind: "none" };
    },
  };
}

/**
 * The path after the receiver's endpoint for a matched request, built from
 * the operation's pattern and its checked parameters, each percent-encoded
 * again: '' or '/…'. What the sender wrote in the URL is never copied.
 */
export function outboundPath(op: Operation, params: Params): string {
  let path = "";
  for (const segment of op.segments) {
    const name = paramName(segment);
    path += `/${encodeURIComponent(name === undefined ? segment : (params[name] as string))}`;
  }
  return path;
}

function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (p[0] !== "{" && p !== segments[i]) return false;
  }
  return true;
}

function bind(pattern: readonly string[], segments: readonly string[]): Params {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const name = paramName(pattern[i] as string);
    if (name === undefined) continue;
    const value = segments[i] as string;
    const problem = problemOf(value, PARAM_TYPES[name] as ParamType);
    if (problem !== undefined) {
      throw invalidParameters(`URL parameter ${name} (${shown(value)}) ${problem}`);
    }
    params[name] = value;
  }
  return params;
}

const PRINTABLE = /^[\x20-\x7e]*$/;
/**
 * Printable, yet a path separator or an escape to a receiver that decodes
 * or normalises paths again (a Tomcat reads `..;` as `..`).
 */
const PATH_SYNTAX = /[/\\;%]/;
const HUB_ID = /^[A-Za-z0-9_-]*$/;

/** Why a decoded URL parameter is not a value of its type, or undefined when it is. */
function problemOf(value: string, type: ParamType): string | undefined {
  if (value === "") return "is empty";
  if (value.length > type.max) return `is longer than ${type.max} characters`;
  if (type.kind === "hub-id") {
    return HUB_ID.test(value) ? undefined : "is not an id this hub hands out";
  }
  if (!PRINTABLE.test(value)) return "must be printable ASCII (types: CiString)";
  if (PATH_SYNTAX.test(value)) return "may not hold '/', '\\', ';' or '%'";
  if (value === "." || value === "..") return "may not be a dot segment";
  return undefined;
}

/** A value for a message: quoted, control characters escaped, long ones cut. */
function shown(value: string): string {
  const quoted = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return quoted.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
