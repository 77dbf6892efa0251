/**
 * Typed failures. Each class says whether trying again can help (`retriable`) and which HTTP
 * status answers it; the status mapping lives here and nowhere else.
 */
export type ErrorCode =
  | 'E_INVALID_INPUT'
  | 'E_INVALID_EVENT'
  | 'E_UNAUTHORIZED'
  | 'E_FORBIDDEN'
  | 'E_CONFLICT'
  | 'E_TIMEOUT'
  | 'E_NOT_FOUND'
  | 'E_TOO_LARGE'
  | 'E_UNSUPPORTED_MEDIA'
  | 'E_BAD_IMAGE'
  | 'E_PRECONDITION_FAILED'
  | 'E_STORAGE_UNAVAILABLE'
  | 'E_BROKER_UNAVAILABLE'
  | 'E_CONFIG';

export abstract class PipelineError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly retriable: boolean;
  abstract readonly status: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export class InvalidInputError extends PipelineError {
  readonly code = 'E_INVALID_INPUT';
  readonly retriable = false;
  readonly status = 400;
}

/** A CloudEvent that is malformed or whose data breaks its contract: 400, straight to dead letters. */
export class InvalidEventError extends PipelineError {
  readonly code = 'E_INVALID_EVENT';
  readonly retriable = false;
  readonly status = 400;
}

/** A write without the API token (API_TOKEN); answered with `WWW-Authenticate: Bearer`. */
export class UnauthorizedError extends PipelineError {
  readonly code = 'E_UNAUTHORIZED';
  readonly retriable = false;
  readonly status = 401;
}

/** A signed upload URL that is forged or expired (as S3 answers a bad presigned URL: 403). */
export class ForbiddenError extends PipelineError {
  readonly code = 'E_FORBIDDEN';
  readonly retriable = false;
  readonly status = 403;
}

/** The request does not fit the state of what it names (e.g. completing an upload with parts missing). */
export class ConflictError extends PipelineError {
  readonly code = 'E_CONFLICT';
  readonly retriable = false;
  readonly status = 409;
}

/** The client stopped sending its request body (UPLOAD_IDLE_TIMEOUT). */
export class RequestTimeoutError extends PipelineError {
  readonly code = 'E_TIMEOUT';
  readonly retriable = false;
  readonly status = 408;
}

export class NotFoundError extends PipelineError {
  readonly code = 'E_NOT_FOUND';
  readonly retriable = false;
  readonly status = 404;
}

export class PayloadTooLargeError extends PipelineError {
  readonly code = 'E_TOO_LARGE';
  readonly retriable = false;
  readonly status = 413;
}

export class UnsupportedMediaError extends PipelineError {
  readonly code = 'E_UNSUPPORTED_MEDIA';
  readonly retriable = false;
  readonly status = 415;
}

/** The bytes claim to be an image but cannot be decoded, or break the pixel/frame limits. */
export class BadImageError extends PipelineError {
  readonly code = 'E_BAD_IMAGE';
  readonly retriable = false;
  readonly status = 422;
}

/** A conditional write lost its race (If-Match / If-None-Match). */
export class PreconditionFailedError extends PipelineError {
  readonly code = 'E_PRECONDITION_FAILED';
  readonly retriable = true;
  readonly status = 412;
}

export class StorageUnavailableError extends PipelineError {
  readonly code = 'E_STORAGE_UNAVAILABLE';
  readonly retriable = true;
  readonly status = 503;
}

export class BrokerUnavailableError extends PipelineError {
  readonly code = 'E_BROKER_UNAVAILABLE';
  readonly retriable = true;
  readonly status = 503;
}

export class ConfigError extends PipelineError {
  readonly code = 'E_CONFIG';
  readonly retriable = false;
  readonly status = 500;
}

/** The one place that turns any thrown value into an HTTP status and a JSON body. */
export function toHttpError(error: unknown): { status: number; body: { code: string; message: string }; retriable: boolean } {
  if (error instanceof PipelineError) {
    return { status: error.status, body: error.toJSON(), retriable: error.retriable };
  }
  // Unknown failures are treated as transient: Knative retries 5xx, and a bug that keeps
  // failing still ends in the dead-letter sink once retries run out.
  return { status: 500, body: { code: 'E_INTERNAL', message: 'internal error' }, retriable: true };
}

/** sharp's message template: "Expected <what> for <name> but received <value>". */
export function expected(what: string, name: string, received: unknown): string {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  return `Expected ${what} for ${name} but received ${shown}`;
}
