/**
 * Every NATS stream, subject and durable name the hub uses is built here
 * (architecture.md: Delivery). The names are part of the contract: other
 * instances, and servers that outlive a release, rely on them.
 */

/** The first token of every subject; the stream's name derives from it. */
export const NATS_PREFIX = "ocpi";

/** The names under one prefix. */
export interface NatsNames {
  /** A platform or party was added, changed or removed; every instance reloads its registry snapshot. */
  readonly registryChanged: string;
  /** The one stream that holds every undelivered delivery. */
  readonly deliveryStream: string;
  /** The subjects of that stream. */
  readonly deliveryStreamSubjects: string;
  /** `<prefix>.deliver.<recipient-platform-id>.<module>.<object-key>` (architecture.md: Delivery). */
  deliverySubject(d: { recipient: string; module: string; key: string }): string;
  /** Every delivery waiting for one recipient: its consumer's filter, and what a purge removes. */
  recipientSubjects(recipient: string): string;
  /** The durable consumer of one recipient on the delivery stream. */
  recipientDurable(recipient: string): string;
}

/**
 * The names under `prefix`. The hub runs under NATS_PREFIX; a test may run
 * under a prefix of its own, so that its stream is its own and can be
 * deleted with everything in it.
 */
export function natsNames(prefix: string = NATS_PREFIX): NatsNames {
  const deliver = `${prefix}.deliver`;
  return {
    registryChanged: `${prefix}.registry.changed`,
    deliveryStream: `${prefix.toUpperCase()}_DELIVER`,
    deliveryStreamSubjects: `${deliver}.>`,
    deliverySubject: (d) => `${deliver}.${d.recipient}.${d.module}.${d.key}`,
    recipientSubjects: (recipient) => `${deliver}.${recipient}.>`,
    recipientDurable: (recipient) => `deliver_${recipient}`,
  };
}

/** The names the hub uses. */
export const NATS_NAMES: NatsNames = natsNames();

/** `ocpi.deliver.<recipient-platform-id>.<module>.<object-key>`. */
export const deliverySubject = NATS_NAMES.deliverySubject;
