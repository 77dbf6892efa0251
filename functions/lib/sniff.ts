/**
 * What a file is, from its first bytes (magic numbers via file-type), never from its name.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { FileKind } from './events.js';

const TIFF_MAGIC = [Buffer.from('II*\0', 'latin1'), Buffer.from('MM\0*', 'latin1')];

/** file-type reads at most this many bytes to decide. */
export const SNIFF_BYTES = 4100;

/** Formats our image effects can decode with sharp's bundled libvips. */
const IMAGE_MIMES = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
  'image/heic',
  'image/heif',
]);

const DOCUMENT_MIMES = new Set([
  'application/pdf',
  'application/postscript',
  'application/rtf',
  'application/epub+zip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/x-cfb',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);

export interface Sniffed {
  readonly kind: FileKind;
  readonly contentType: string;
  /** Short format name: jpeg, png, pdf, text, … */
  readonly format: string;
}

export async function sniff(head: Uint8Array): Promise<Sniffed> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) {
    const kind: FileKind = IMAGE_MIMES.has(detected.mime) ? 'image' : DOCUMENT_MIMES.has(detected.mime) ? 'document' : 'other';
    // file-type names formats by file extension; sharp and our events say jpeg and tiff.
    const format = detected.mime === 'image/jpeg' ? 'jpeg' : detected.ext === 'tif' ? 'tiff' : detected.ext;
    return { kind, contentType: detected.mime, format };
  }
  // file-type confirms a TIFF by reading its first IFD, which libtiff writes after the pixels,
  // far past the head we read; the magic number alone is what every TIFF reader trusts.
  if (TIFF_MAGIC.some((magic) => magic.equals(Buffer.from(head.subarray(0, 4))))) {
    return { kind: 'image', contentType: 'image/tiff', format: 'tiff' };
  }
  if (looksLikeText(head)) return { kind: 'other', contentType: 'text/plain; charset=utf-8', format: 'text' };
  return { kind: 'other', contentType: 'application/octet-stream', format: 'binary' };
}

/** Valid UTF-8 with no control bytes other than whitespace (a cut multi-byte tail is allowed). */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b)) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(head));
    return true;
  } catch {
    return false;
  }
}

function trimPartialUtf8(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0) end = i;
    break;
  }
  return bytes.subarray(0, end);
}
