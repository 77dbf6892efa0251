/**
 * What every ObjectStore adapter accepts as a key and as user metadata. The rules are S3's (as
 * MinIO enforces them), checked before anything is written, so that code that works on the fs
 * adapter in the embedded mode cannot fail on MinIO in the real one.
 */
import { InvalidInputError, expected } from '../errors.js';

const MAX_KEY_BYTES = 1024;
/** HTTP token characters (RFC 9110), which is what an `x-amz-meta-<name>` header name may use. */
const METADATA_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Printable ASCII: S3 sends user metadata as HTTP header values. */
const METADATA_VALUE = /^[\x20-\x7e]*$/;

/**
 * A key is one or more non-empty segments separated by `/`. MinIO refuses `.` and `..` segments
 * (also with surrounding spaces), NUL, ill-formed UTF-16, and keys over 1024 UTF-8 bytes.
 */
export function checkKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new InvalidInputError(expected(`an object key ${problem}`, 'key', key));
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'that is not empty';
  if (key.split('/').some((segment) => segment.length === 0)) return 'with no empty segments (no leading, trailing or double "/")';
  if (key.split(/[/\\]/).some((segment) => segment.trim() === '.' || segment.trim() === '..')) return 'with no "." or ".." segments';
  if (key.includes('\0')) return 'with no NUL character';
  try {
    encodeURIComponent(key);
  } catch {
    return 'that is well-formed Unicode';
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `of at most ${MAX_KEY_BYTES} UTF-8 bytes`;
  return undefined;
}

/**
 * Returns the metadata with lower-case names. Names must be HTTP tokens; values printable ASCII
 * with no surrounding spaces (HTTP would trim them). Encode anything else (e.g. a user's file name
 * with encodeURIComponent) before storing it.
 */
export function checkMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(metadata ?? {})) {
    const name = rawName.toLowerCase();
    if (!METADATA_NAME.test(name)) throw new InvalidInputError(expected('a metadata name made of HTTP token characters', 'metadata name', rawName));
    if (typeof value !== 'string' || !METADATA_VALUE.test(value) || value.trim() !== value) {
      throw new InvalidInputError(expected('printable ASCII with no surrounding spaces (encode it first)', `metadata "${name}"`, value));
    }
    result[name] = value;
  }
  return result;
}

/** The Content-Type to store: printable ASCII (it is an HTTP header); absent or empty means octet-stream. */
export function checkContentType(contentType: string | undefined): string {
  if (contentType === undefined || contentType === '') return 'application/octet-stream';
  if (typeof contentType !== 'string' || !METADATA_VALUE.test(contentType) || contentType.trim() !== contentType) {
    throw new InvalidInputError(expected('a media type in printable ASCII', 'contentType', contentType));
  }
  return contentType;
}

/** S3 lists keys in the order of their UTF-8 bytes (not JavaScript's UTF-16 order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
