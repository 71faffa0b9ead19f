/**
 * Every NATS stream, subject and durable name the hub uses is built here
 * (architecture.md: Delivery). The names are part of the contract: other
 * instances, and servers that outlive a release, rely on them.
 */

/** The first token of every subject unless NATS_PREFIX says otherwise; the stream's name derives from it. */
export const NATS_PREFIX = "ocpi";

/**
 * What a prefix may be: one subject token that also makes a valid stream
 * name once upper-cased (letters, digits, `_` and `-`; no `.`, wildcards or
 * spaces), short enough to leave room for the rest of each name.
 */
export const NATS_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

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
  /** The stream that holds each broadcast push once, until every recipient's consumer has read it. */
  readonly pushStream: string;
  readonly pushStreamSubjects: string;
  /** `<prefix>.push.<module>.<object-key>`: one subject per object, so its pushes keep their order. */
  pushSubject(p: { module: string; key: string }): string;
  /** The durable consumer of one recipient on the push stream: its cursor. */
  pushDurable(recipient: string): string;
}

/**
 * The names under `prefix`. The hub runs under its NATS_PREFIX setting, so
 * that deployments sharing one NATS cluster (staging and production) keep
 * apart: each has its own stream and subjects. Durable consumers live inside
 * the stream, so their names need no prefix of their own to stay apart, and
 * keeping them as they were spares running deployments a consumer rename
 * (a work-queue stream refuses two consumers on the same subjects).
 */
export function natsNames(prefix: string = NATS_PREFIX): NatsNames {
  if (!NATS_PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `NATS prefix "${prefix}" is not a single subject token of letters, digits, _ or -`,
    );
  }
  const deliver = `${prefix}.deliver`;
  const push = `${prefix}.push`;
  return {
    registryChanged: `${prefix}.registry.changed`,
    deliveryStream: `${prefix.toUpperCase()}_DELIVER`,
    deliveryStreamSubjects: `${deliver}.>`,
    deliverySubject: (d) => `${deliver}.${d.recipient}.${d.module}.${d.key}`,
    recipientSubjects: (recipient) => `${deliver}.${recipient}.>`,
    recipientDurable: (recipient) => `deliver_${recipient}`,
    pushStream: `${prefix.toUpperCase()}_PUSH`,
    pushStreamSubjects: `${push}.>`,
    pushSubject: (p) => `${push}.${p.module}.${p.key}`,
    pushDurable: (recipient) => `push_${recipient}`,
  };
}

/** The names under the default prefix. */
export const NATS_NAMES: NatsNames = natsNames();

/** `ocpi.deliver.<recipient-platform-id>.<module>.<object-key>` under the default prefix. */
export const deliverySubject = NATS_NAMES.deliverySubject;
