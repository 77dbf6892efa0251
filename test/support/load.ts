/**
 * A stream of uploads for fault tests, and the checks that follow: every accepted upload has
 * exactly its derivatives and its classification, stats are exact, no dead letters.
 */
import { expect } from 'vitest';
import { makeImage } from './images.js';
import { waitFor } from './wait.js';

export interface Endpoints {
  readonly upload: string;
  readonly stats: string;
}

export interface Accepted {
  readonly id: string;
  readonly size: number;
}

/** Distinct photo-like JPEGs, made once per test file (640×480: a blur takes long enough to be caught mid-work). */
export async function makeImages(count: number): Promise<Buffer[]> {
  const images: Buffer[] = [];
  for (let i = 0; i < count; i++) images.push(await makeImage({ width: 560 + (i % 80), height: 420 + Math.floor(i / 80) }));
  return images;
}

export async function uploadOnce(upload: string, image: Buffer, name: string): Promise<{ status: number; body: Record<string, any> }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(image)]), name);
  const response = await fetch(`${upload}/files`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/**
 * Sends every image with `concurrency` clients. `onAccepted` sees each 201 as it comes. When
 * `retry` is set, a client retries 5xx answers and dropped connections (a client with a retry
 * policy); otherwise a failure is recorded and the image skipped.
 */
export async function streamUploads(
  endpoint: () => string,
  images: readonly Buffer[],
  options: { concurrency: number; retry: boolean; onAccepted?: (count: number) => void },
): Promise<{ accepted: Accepted[]; refused: string[] }> {
  const accepted: Accepted[] = [];
  const refused: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const index = next++;
      const image = images[index]!;
      for (let attempt = 1; ; attempt++) {
        let outcome: string;
        try {
          const { status, body } = await uploadOnce(endpoint(), image, `photo-${index}.jpg`);
          if (status === 201) {
            accepted.push({ id: body['id'] as string, size: image.length });
            options.onAccepted?.(accepted.length);
            break;
          }
          outcome = `HTTP ${status}: ${JSON.stringify(body)}`;
          if (status < 500) throw new Error(`upload ${index} answered ${outcome}`);
        } catch (error) {
          if (!(error instanceof TypeError) && !(error instanceof SyntaxError)) throw error;
          outcome = `connection: ${error.message}`;
        }
        if (!options.retry || attempt > 240) {
          refused.push(`photo-${index}: ${outcome}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { accepted, refused };
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** Waits until each accepted upload is complete, then checks it was made exactly once. */
export async function expectAllProcessedOnce(endpoints: () => Endpoints, accepted: readonly Accepted[], timeoutMs: number): Promise<void> {
  const views = new Map<string, any>();
  await waitFor(
    async () => {
      for (const { id } of accepted) {
        if (views.has(id)) continue;
        const view = await getJson(`${endpoints().upload}/files/${id}`);
        if (view.status !== 'complete') return false;
        views.set(id, view);
      }
      return true;
    },
    timeoutMs,
    `all ${accepted.length} accepted uploads to complete`,
    1000,
  );
  for (const { id } of accepted) {
    const view = await getJson(`${endpoints().upload}/files/${id}`);
    // Exactly two derivatives (default effects: blur and grayscale of the original), none twice.
    expect(view.derivatives.map((d: { chain: string }) => d.chain).sort(), id).toEqual(['blur', 'grayscale']);
    expect(view.failures, id).toEqual([]);
    expect(view.classification?.kind, id).toBe('image');
  }
}

export async function expectExactStats(endpoints: () => Endpoints, accepted: readonly Accepted[], timeoutMs: number): Promise<void> {
  const bytes = accepted.reduce((sum, a) => sum + a.size, 0);
  const expected = {
    files: { total: accepted.length, image: accepted.length, document: 0, other: 0 },
    bytes,
    derivatives: accepted.length * 2,
    classifications: accepted.length,
    failures: 0,
    deleted: 0,
  };
  await waitFor(
    async () => JSON.stringify(await getJson(`${endpoints().stats}/stats`)) === JSON.stringify(expected),
    timeoutMs,
    'stats to count every file, derivative and classification exactly once',
    500,
  ).catch(async (error: Error) => {
    expect(await getJson(`${endpoints().stats}/stats`), error.message).toEqual(expected);
  });
}
