/**
 * classify's view of what a file is: lib/sniff.ts, plus two corrections for image formats.
 */
import { sniff, type Sniffed } from '../lib/sniff.js';

const TIFF_MAGIC = [Buffer.from('II*\0', 'latin1'), Buffer.from('MM\0*', 'latin1')];

export async function sniffFormat(head: Uint8Array): Promise<Sniffed> {
  const sniffed = await sniff(head);
  // file-type confirms a TIFF by reading its first IFD, which libtiff writes after the pixels,
  // far past the head we read; the magic number alone is what every TIFF reader trusts.
  if (sniffed.format === 'binary' && TIFF_MAGIC.some((magic) => magic.equals(Buffer.from(head.subarray(0, 4))))) {
    return { kind: 'image', contentType: 'image/tiff', format: 'tiff' };
  }
  // file-type names TIFF by its file extension; sharp and our events call it tiff.
  return sniffed.format === 'tif' ? { ...sniffed, format: 'tiff' } : sniffed;
}
