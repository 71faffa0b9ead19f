import type {
  FunctionalModuleSpec,
  Method,
  OperationSpec,
  Params,
  Role,
} from "../modules/module-spec.js";
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

/** The operations of one interface of a module, and how a request finds its own. */
export function interfaceOperations(module: FunctionalModuleSpec, iface: InterfaceRole) {
  const ops: Operation[] = module.operations[iface].map((spec) => ({
    ...spec,
    module,
    iface,
    segments: spec.pattern.split("/").filter((s) => s !== ""),
    senders: module.roles[OTHER[iface]],
    receivers: module.roles[iface],
  }));
  return {
    ops,
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
    const p = pattern[i] as string;
    if (p[0] === "{") params[p.slice(1, -1)] = segments[i] as string;
  }
  return params;
}
