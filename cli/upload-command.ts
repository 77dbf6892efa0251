/**
 * `upload <files…>`: each file through POST /files or the direct-upload API (by the server's
 * threshold, or as forced), a few files at once, optionally waiting for the derivatives; then
 * a summary (or one JSON document) on stdout and each failure in words on stderr.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PipelineApi, type AcceptedFile, type Limits } from './api.js';
import type { UploadOptions } from './args.js';
import { directUpload } from './direct-upload.js';
import { resultOf, type FileResult } from './file-result.js';
import { formatDuration } from './format.js';
import { formUpload } from './form-upload.js';
import { ProgressReporter, type FileProgress } from './progress.js';
import { ResumeStore } from './resume-state.js';
import { mapLimit } from './retry.js';
import { renderSummary } from './summary-table.js';
import type { LocalFile, UploadRequest } from './upload-request.js';
import { waitForFile } from './wait-for-file.js';

export interface UploadDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
}

/** An error as a person should read it; a refused connection names the server. */
export function describeError(error: unknown, url: string): string {
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return `cannot reach ${url}: ${cause?.code ?? cause?.message ?? 'network error'}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Why a file whose pipeline we waited for is not ok, or undefined when it is. */
function waitProblem(accepted: AcceptedFile, waitMs: number): string | undefined {
  const failure = accepted.failures?.[0];
  if (failure) return `effect ${failure.effect} failed: ${failure.reason}`;
  if (accepted.status !== 'complete') return `pipeline not complete within ${formatDuration(waitMs)} (status ${accepted.status ?? 'unknown'})`;
  return undefined;
}

async function localFile(path: string): Promise<LocalFile> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message);
  }
  if (!info.isFile()) throw new Error('not a regular file');
  return { path, name: basename(path), size: info.size, mtimeMs: info.mtimeMs };
}

export async function runUpload(options: UploadOptions, deps: UploadDeps): Promise<number> {
  const api = new PipelineApi(options.url, options.token);
  const resume = new ResumeStore(deps.env);
  const stopAfter = deps.env['KNATIVE_FILE_PIPELINE_TEST_STOP_AFTER_PARTS'];
  const progress = new ProgressReporter(deps.stderr);
  let limits: Promise<Limits> | undefined;
  const request: UploadRequest = { effects: options.effects, sigma: options.sigma, serverWaitMs: options.waitMs };

  async function uploadOne(path: string): Promise<FileResult> {
    const started = Date.now();
    try {
      const file = await localFile(path);
      const direct = options.direct ?? file.size > (await (limits ??= api.limits())).directThreshold;
      const bar = progress.start(path, file.size, direct ? 'direct' : 'form');
      // The wait is for the pipeline: it starts once the last byte has gone out.
      let waitFrom = Date.now();
      let sent = 0;
      const counting: FileProgress = {
        ...bar,
        sent(delta) {
          bar.sent(delta);
          sent += delta;
          if (delta > 0 && sent >= file.size) waitFrom = Date.now();
        },
      };
      try {
        let accepted: AcceptedFile;
        let extra: Partial<FileResult> = {};
        if (direct) {
          const outcome = await directUpload({ api, resume, stopAfterParts: stopAfter === undefined ? undefined : Number(stopAfter) }, file, request, counting);
          accepted = outcome.accepted;
          extra = { resumed: outcome.resumed, partsSent: outcome.partsSent };
        } else {
          accepted = await formUpload(api, file, request, counting);
        }
        if (options.waitMs !== undefined) {
          bar.note('waiting for the pipeline');
          accepted = await waitForFile(api, accepted, waitFrom + options.waitMs);
        }
        const problem = options.waitMs === undefined ? undefined : waitProblem(accepted, options.waitMs);
        bar.finish(problem ? 'failed' : 'done');
        return { ...resultOf(path, accepted, { path: direct ? 'direct' : 'form', timeMs: Date.now() - started, ...extra }), ok: !problem, ...(problem ? { error: problem } : {}) };
      } catch (error) {
        bar.finish('failed');
        throw error;
      }
    } catch (error) {
      return { file: path, ok: false, error: describeError(error, options.url), timeMs: Date.now() - started };
    }
  }

  const results = await mapLimit(options.files, options.concurrency, uploadOne);
  progress.close();
  for (const result of results) if (!result.ok) deps.stderr.write(`${result.file}: ${result.error}\n`);
  const ok = results.every((result) => result.ok);
  deps.stdout.write(options.json ? `${JSON.stringify({ ok, files: results }, null, 2)}\n` : renderSummary(results, options.waitMs !== undefined));
  return ok ? 0 : 1;
}
