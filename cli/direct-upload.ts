/**
 * Large files: the direct-upload API. POST /uploads signs one PUT or a set of parts; each part
 * is streamed from its range of the file (a few at once, each retried), then complete announces
 * the file. The upload's id is kept on disk until then, so a re-run sends only missing parts.
 */
import { ApiError, errorFrom, type AcceptedFile, type DirectUpload, type PipelineApi, type SignedPart, type SignedRequest } from './api.js';
import { fileRange } from './file-body.js';
import type { FileProgress } from './progress.js';
import type { ResumeStore } from './resume-state.js';
import { mapLimit, withRetry } from './retry.js';
import { uploadQuery, type LocalFile, type UploadRequest } from './upload-request.js';

const PARTS_AT_ONCE = 3;

export interface DirectUploadDeps {
  readonly api: PipelineApi;
  readonly resume: ResumeStore;
  /** Test hook: send only this many parts, then stop as if interrupted. */
  readonly stopAfterParts?: number | undefined;
  readonly retryDelayMs?: number;
}

export interface DirectUploadResult {
  readonly accepted: AcceptedFile;
  readonly resumed: boolean;
  /** Parts (or single PUTs) this run sent. */
  readonly partsSent: number;
}

export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

async function putRange(deps: DirectUploadDeps, file: LocalFile, signed: SignedRequest, start: number, size: number, progress: FileProgress): Promise<void> {
  await withRetry(
    async () => {
      let counted = 0;
      const body = fileRange(file.path, start, start + size, (count) => {
        counted += count;
        progress.sent(count);
      });
      // Exactly the signed headers (they may be part of the signature), and exactly `size` bytes.
      const headers = new Headers(signed.headers);
      headers.set('Content-Length', String(size));
      try {
        const response = await fetch(deps.api.resolve(signed.url), { method: signed.method, headers, body, duplex: 'half' } as RequestInit);
        if (!response.ok) throw await errorFrom(response);
        await response.body?.cancel();
      } catch (error) {
        progress.sent(-counted);
        throw error;
      }
    },
    {
      ...(deps.retryDelayMs === undefined ? {} : { baseDelayMs: deps.retryDelayMs }),
      onRetry: (error, attempt) => progress.note(`retrying bytes ${start}-${start + size - 1} after try ${attempt}: ${(error as Error).message}`),
    },
  );
}

/** The saved upload if it can still be resumed with these options; otherwise undefined (and the state dropped). */
async function resumable(deps: DirectUploadDeps, file: LocalFile, requestKey: string): Promise<DirectUpload | undefined> {
  const saved = await deps.resume.load(file);
  if (!saved) return undefined;
  if (saved.url === deps.api.base && saved.request === requestKey) {
    try {
      const state = await deps.api.request<DirectUpload>('GET', `/uploads/${saved.id}`);
      if (state.state !== 'aborted') return state;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  } else if (saved.url === deps.api.base) {
    await deps.api.request('DELETE', `/uploads/${saved.id}`).catch(() => undefined);
  }
  await deps.resume.remove(file);
  return undefined;
}

async function sendParts(deps: DirectUploadDeps, file: LocalFile, upload: DirectUpload, progress: FileProgress): Promise<number> {
  if (upload.state === 'uploaded' || upload.state === 'complete') return 0;
  if (upload.mode === 'single') {
    if (!upload.upload) throw new Error(`direct upload ${upload.id} gave no upload URL`);
    if (deps.stopAfterParts === 0) throw new InterruptedError('stopped before the upload (test hook)');
    await putRange(deps, file, upload.upload, 0, file.size, progress);
    return 1;
  }
  const missing: SignedPart[] = upload.parts ?? [];
  const planned = deps.stopAfterParts === undefined ? missing : missing.slice(0, deps.stopAfterParts);
  await mapLimit(planned, PARTS_AT_ONCE, (part) => putRange(deps, file, part, (part.partNumber - 1) * upload.partSize, part.size, progress));
  if (planned.length < missing.length) throw new InterruptedError(`stopped after ${planned.length} of ${missing.length} parts (test hook)`);
  return planned.length;
}

export async function directUpload(deps: DirectUploadDeps, file: LocalFile, request: UploadRequest, progress: FileProgress): Promise<DirectUploadResult> {
  const requestKey = JSON.stringify({ effects: request.effects, sigma: request.sigma ?? null });
  let upload = await resumable(deps, file, requestKey);
  const resumed = upload !== undefined;
  if (upload) {
    const missingBytes = (upload.parts ?? []).reduce((sum, part) => sum + part.size, 0);
    const done = upload.state === 'pending' ? (upload.mode === 'single' ? 0 : file.size - missingBytes) : file.size;
    progress.sent(done);
    progress.note(`resuming upload ${upload.id}: ${upload.mode === 'multipart' ? `${upload.parts?.length ?? 0} part(s) left` : upload.state}`);
  } else {
    upload = await deps.api.request<DirectUpload>('POST', '/uploads', {
      name: file.name,
      size: file.size,
      ...(request.effects.length > 0 ? { effects: [...request.effects] } : {}),
      ...(request.sigma !== undefined ? { sigma: request.sigma } : {}),
    });
    await deps.resume.save(file, { id: upload.id, url: deps.api.base, request: requestKey });
  }
  const partsSent = await sendParts(deps, file, upload, progress);
  progress.note('completing');
  const accepted = await withRetry(() => deps.api.request<AcceptedFile>('POST', `/uploads/${upload.id}/complete${uploadQuery(request, false)}`), {
    ...(deps.retryDelayMs === undefined ? {} : { baseDelayMs: deps.retryDelayMs }),
  });
  await deps.resume.remove(file);
  return { accepted, resumed, partsSent };
}
