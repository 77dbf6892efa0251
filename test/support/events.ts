/** CloudEvents as functions receive them, for handler tests. */
import { events, type FileUploaded } from '../../functions/lib/events.js';
import { keys } from '../../functions/lib/keys.js';
import { received } from './function-context.js';

export const TEST_TRACE = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';

/** `pipeline.file.uploaded` for the original of `id`. */
export function uploadedEvent(id: string, size: number, overrides: Partial<FileUploaded> = {}) {
  const data: FileUploaded = {
    id,
    bucket: 'files',
    key: keys.original(id),
    name: 'x',
    contentType: 'application/octet-stream',
    size,
    sha256: 'a'.repeat(64),
    kind: 'other',
    uploadedAt: new Date().toISOString(),
    ...overrides,
  };
  return received(events.fileUploaded(data, { source: '/upload', traceparent: TEST_TRACE }));
}
