/** A message as handlers see it, whichever transport carried it. */
export interface BusMessage {
  subject: string;
  data: Uint8Array;
  json<T>(): T;
}

export type BusHandler = (message: BusMessage) => void | Promise<void>;

/**
 * Publish/subscribe between hub instances. NATS when NATS_URL is set; an
 * in-process bus otherwise, with the same interface and no durability.
 */
export interface Bus {
  readonly kind: "nats" | "in-process";
  publish(subject: string, payload: unknown): Promise<void>;
  /** Returns a function that ends the subscription. */
  subscribe(subject: string, handler: BusHandler): () => void;
  /** True when the transport answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(payload: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(payload));
}

export function message(subject: string, data: Uint8Array): BusMessage {
  return { subject, data, json: <T>() => JSON.parse(decoder.decode(data)) as T };
}
