/** Failures of a BrokerBackend, one class per failure kind. */
export class BrokerBackendError extends Error {
  /** Whether trying again later can succeed (the ingress maps this to 503 vs 4xx/500). */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable;
  }
}

export class TopicNotFoundError extends BrokerBackendError {
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist (create it with ensureTopic)`, { retriable: false });
  }
}

/** The event cannot be stored as a binary-mode Kafka record (e.g. a required attribute is missing). */
export class InvalidEventError extends BrokerBackendError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/** A stored record is not a binary-mode CloudEvent. */
export class RecordDecodeError extends BrokerBackendError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

export class InvalidSubscribeOptionsError extends BrokerBackendError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

export class InvalidNameError extends BrokerBackendError {
  constructor(kind: string, name: string, reason: string) {
    super(`invalid ${kind} name ${JSON.stringify(name)}: ${reason}`, { retriable: false });
  }
}

/** The memory backend serves one subscription per consumer group at a time. */
export class GroupBusyError extends BrokerBackendError {
  constructor(readonly topic: string, readonly group: string) {
    super(`consumer group ${group} already has an open subscription on ${topic}`, { retriable: true });
  }
}

export class BackendClosedError extends BrokerBackendError {
  constructor(backend: string) {
    super(`the ${backend} broker backend is closed`, { retriable: false });
  }
}

/** The broker did not take the record (Kafka unreachable, not enough replicas, ...). */
export class PublishFailedError extends BrokerBackendError {
  constructor(readonly topic: string, cause: unknown) {
    super(`could not store the event in ${topic}: ${messageOf(cause)}`, { retriable: true, cause });
  }
}

export class SubscribeFailedError extends BrokerBackendError {
  constructor(readonly topic: string, readonly group: string, reason: string, cause?: unknown) {
    super(`consumer group ${group} could not start on ${topic}: ${reason}`, { retriable: true, cause });
  }
}

export class ReadAllFailedError extends BrokerBackendError {
  constructor(readonly topic: string, reason: string, cause?: unknown) {
    super(`could not read ${topic}: ${reason}`, { retriable: true, cause });
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
