/**
 * Issue "large files": a 1 GiB non-image through the direct-upload path (parts straight to the
 * store, then complete, which reads it back once for its SHA-256) with the upload service's RSS
 * sampled throughout, beside a plain single PUT of the same bytes to MinIO (the baseline); and a
 * 40 MP photo through the pipeline with the peak RSS of every instance.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { LocalPipeline } from '../local/runtime.js';
import { peakRssDuring, warmRss } from './memory.js';
import { makePhoto } from './photos.js';
import { round } from './stats.js';

const MiB = 1024 * 1024;
const PARALLEL_PARTS = 4;

interface Signed {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}
interface Part extends Signed {
  readonly partNumber: number;
  readonly size: number;
}

async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += 4 * MiB) await file.write(randomBytes(Math.min(4 * MiB, size - written)));
  } finally {
    await file.close();
  }
}

function putFromFile(base: string, signed: Signed, path: string, start: number, size: number): Promise<Response> {
  const body = size === 0 ? Buffer.alloc(0) : (Readable.toWeb(createReadStream(path, { start, end: start + size - 1 })) as ReadableStream);
  return fetch(new URL(signed.url, base), { method: signed.method, headers: { ...signed.headers, 'Content-Length': String(size) }, body, duplex: 'half' } as RequestInit);
}

/** POST /uploads, the parts from disk (4 at once), complete; resolves with the complete answer. */
export async function directUpload(base: string, path: string, size: number, name: string, wait = ''): Promise<Record<string, any>> {
  const createdResponse = await fetch(`${base}/uploads`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, size }) });
  const created = (await createdResponse.json()) as { id: string; upload?: Signed; parts?: Part[]; partSize: number; message?: string };
  if (createdResponse.status !== 201) throw new Error(`POST /uploads answered ${createdResponse.status}: ${created.message}`);
  const parts: Part[] = created.upload ? [{ ...created.upload, partNumber: 1, size }] : created.parts!;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_PARTS, parts.length) }, async () => {
      while (next < parts.length) {
        const part = parts[next++]!;
        const response = await putFromFile(base, part, path, (part.partNumber - 1) * created.partSize, part.size);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`part ${part.partNumber} answered ${response.status}`);
      }
    }),
  );
  const completed = await fetch(`${base}/uploads/${created.id}/complete${wait}`, { method: 'POST' });
  const body = (await completed.json()) as Record<string, any>;
  if (completed.status !== 201) throw new Error(`complete answered ${completed.status}: ${body['message']}`);
  return body;
}

export interface LargeFileResult {
  readonly gibDirect: { seconds: number; mibPerSecond: number; uploadRssBeforeMiB: number; uploadRssPeakMiB: number; baselinePlainPutSeconds: number | undefined; ratioToPlainPut: number | undefined };
  readonly photo40Mp: { megapixels: number; bytes: number; seconds: number; peakRssMiB: Record<string, number> };
}

export async function largeFiles(pipeline: LocalPipeline, plainPut: ((path: string, size: number) => Promise<void>) | undefined, log: (line: string) => void, gib = 1): Promise<LargeFileResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-large-'));
  try {
    const size = gib * 1024 * MiB;
    const path = join(dir, 'big.bin');
    log(`large files: writing ${gib} GiB of random bytes`);
    await writeRandomFile(path, size);
    const base = pipeline.urls.upload;
    await fetch(`${base}/uploads`); // the upload service warm
    const before = (await warmRss(pipeline))['upload'] ?? 0;
    log(`large files: ${gib} GiB through the direct-upload path`);
    let seconds = 0;
    const peak = await peakRssDuring(pipeline, async () => {
      const started = performance.now();
      await directUpload(base, path, size, 'big.bin');
      seconds = (performance.now() - started) / 1000;
    });
    let baseline: number | undefined;
    if (plainPut) {
      log(`large files: ${gib} GiB as one plain PUT to MinIO (baseline)`);
      const started = performance.now();
      await plainPut(path, size);
      baseline = (performance.now() - started) / 1000;
    }
    await rm(path);

    log('large files: a 40 MP photo through the pipeline');
    const photo = await makePhoto(7746, 5164, 11);
    const photoPath = join(dir, '40mp.jpg');
    const handle = await open(photoPath, 'w');
    await handle.write(photo);
    await handle.close();
    let photoSeconds = 0;
    const photoPeak = await peakRssDuring(pipeline, async () => {
      const started = performance.now();
      const answer = await directUpload(base, photoPath, photo.length, '40mp.jpg', '?wait=120s');
      if (answer['status'] !== 'complete' || (answer['failures'] as unknown[]).length > 0) throw new Error(`40 MP photo: ${JSON.stringify(answer['failures'])}`);
      photoSeconds = (performance.now() - started) / 1000;
    });
    return {
      gibDirect: {
        seconds: round(seconds, 2),
        mibPerSecond: round(size / MiB / seconds),
        uploadRssBeforeMiB: before,
        uploadRssPeakMiB: peak['upload'] ?? 0,
        baselinePlainPutSeconds: baseline === undefined ? undefined : round(baseline, 2),
        ratioToPlainPut: baseline === undefined ? undefined : round(seconds / baseline, 2),
      },
      photo40Mp: { megapixels: 40, bytes: photo.length, seconds: round(photoSeconds, 2), peakRssMiB: photoPeak },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
