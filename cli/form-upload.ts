/** Small files: one POST /files, a multipart body streamed from disk. */
import { errorFrom, type AcceptedFile, type PipelineApi } from './api.js';
import { multipartFileBody } from './file-body.js';
import type { FileProgress } from './progress.js';
import { uploadQuery, type LocalFile, type UploadRequest } from './upload-request.js';

export async function formUpload(api: PipelineApi, file: LocalFile, request: UploadRequest, progress: FileProgress): Promise<AcceptedFile> {
  const { body, contentType, contentLength } = multipartFileBody(file.path, file.size, (count) => progress.sent(count));
  // Not retried: a POST that reached the server may have created the file already.
  const response = await fetch(api.resolve(`files${uploadQuery(request, true)}`), {
    method: 'POST',
    headers: { ...api.authHeaders(), 'Content-Type': contentType, 'Content-Length': String(contentLength) },
    body,
    duplex: 'half',
  } as RequestInit);
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as AcceptedFile;
}
