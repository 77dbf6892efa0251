/**
 * Measures classify's model labeler on real photos: model load time, per-image latency and
 * accuracy on a small labelled set (test/support/photos.ts), plus the process RSS after loading.
 * Fetches the model (PyPI) and photos (Debian) into the cache the first time.
 *
 *   const m = await measureLabeler();  describeMeasurement(m).forEach((line) => console.log(line));
 */
import { readFile } from 'node:fs/promises';
import { createModelLabeler } from '../functions/classify/model-labeler.js';
import { ensureModels } from '../local/infra/models.js';
import { LABELLED_PHOTOS, UNLABELLED_PHOTOS, ensurePhotos, type PhotoName } from '../test/support/photos.js';

export interface MeasureOptions {
  /** Timed runs per photo, after one warm-up (default 5). */
  readonly runs?: number;
  /** onnxruntime intra-op threads (default 1, as deployed). */
  readonly threads?: number;
  readonly cacheDir?: string;
}

export interface PhotoResult {
  readonly name: PhotoName;
  readonly what?: string;
  readonly labels: readonly string[];
  readonly top1?: boolean;
  readonly top5?: boolean;
  /** Median of the timed runs, both models. */
  readonly ms: number;
}

export interface LabelerMeasurement {
  readonly classifier: string;
  readonly modelDir: string;
  /** ensureModels() + ensurePhotos(): the download and conversion the first time, a cache check after. */
  readonly fetchMs: number;
  /** A fresh labeler's ready(): both models read and initialised. */
  readonly loadMs: { readonly total: number; readonly imageModel: number | undefined; readonly safeSearch: number | undefined };
  readonly rssMiB: { readonly beforeLoad: number; readonly afterLoad: number; readonly afterRuns: number };
  /** label() per photo (decode + both models), median over the photos of each photo's median. */
  readonly latencyMs: { readonly median: number; readonly min: number; readonly max: number; readonly imageModelOnlyMedian: number };
  readonly accuracy: { readonly photos: number; readonly top1: number; readonly top5: number };
  readonly photos: readonly PhotoResult[];
}

export async function measureLabeler(options: MeasureOptions = {}): Promise<LabelerMeasurement> {
  const runs = options.runs ?? 5;
  const threads = options.threads ?? 1;
  const fetchStarted = performance.now();
  const [modelDir, paths] = await Promise.all([ensureModels(options.cacheDir ? { cacheDir: options.cacheDir } : {}), ensurePhotos(options.cacheDir)]);
  const fetchMs = performance.now() - fetchStarted;

  const rssBefore = mib(process.memoryUsage.rss());
  const labeler = createModelLabeler({ modelDir, threads });
  const loadStarted = performance.now();
  const status = await labeler.ready();
  const loadTotal = performance.now() - loadStarted;
  const rssAfterLoad = mib(process.memoryUsage.rss());

  const imageOnly = createModelLabeler({ modelDir, threads, safeSearch: false });
  await imageOnly.ready();

  const photos: PhotoResult[] = [];
  const imageOnlyMs: number[] = [];
  const names: PhotoName[] = [...LABELLED_PHOTOS.map((p) => p.name), ...UNLABELLED_PHOTOS];
  for (const name of names) {
    const bytes = await readFile(paths[name]);
    const first = await labeler.label(bytes);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await labeler.label(bytes);
      times.push(performance.now() - started);
    }
    await imageOnly.label(bytes);
    const imageTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await imageOnly.label(bytes);
      imageTimes.push(performance.now() - started);
    }
    imageOnlyMs.push(median(imageTimes));
    const labels = first.labels.map((l) => l.label);
    const expected = LABELLED_PHOTOS.find((p) => p.name === name);
    photos.push({
      name,
      labels,
      ms: round(median(times)),
      ...(expected ? { what: expected.what, top1: expected.accept.includes(labels[0] ?? ''), top5: labels.some((l) => expected.accept.includes(l)) } : {}),
    });
  }
  const scored = photos.filter((p) => p.top5 !== undefined);
  const perPhoto = photos.map((p) => p.ms);
  return {
    classifier: labeler.name,
    modelDir,
    fetchMs: round(fetchMs),
    loadMs: {
      total: round(loadTotal),
      imageModel: 'loadMs' in status.imageModel ? status.imageModel.loadMs : undefined,
      safeSearch: 'loadMs' in status.safeSearch ? status.safeSearch.loadMs : undefined,
    },
    rssMiB: { beforeLoad: rssBefore, afterLoad: rssAfterLoad, afterRuns: mib(process.memoryUsage.rss()) },
    latencyMs: { median: round(median(perPhoto)), min: round(Math.min(...perPhoto)), max: round(Math.max(...perPhoto)), imageModelOnlyMedian: round(median(imageOnlyMs)) },
    accuracy: { photos: scored.length, top1: scored.filter((p) => p.top1).length / scored.length, top5: scored.filter((p) => p.top5).length / scored.length },
    photos,
  };
}

/** Human-readable lines for a bench report. */
export function describeMeasurement(m: LabelerMeasurement): string[] {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return [
    `classifier ${m.classifier} (models in ${m.modelDir}; fetch/check ${m.fetchMs} ms)`,
    `load ${m.loadMs.total} ms (image model ${m.loadMs.imageModel ?? '-'} ms, safe search ${m.loadMs.safeSearch ?? '-'} ms); RSS ${m.rssMiB.beforeLoad} → ${m.rssMiB.afterLoad} MiB after load, ${m.rssMiB.afterRuns} MiB after the runs`,
    `latency per image: median ${m.latencyMs.median} ms (min ${m.latencyMs.min}, max ${m.latencyMs.max}); image model alone ${m.latencyMs.imageModelOnlyMedian} ms`,
    `accuracy on ${m.accuracy.photos} labelled photos: top-1 ${pct(m.accuracy.top1)}, top-5 ${pct(m.accuracy.top5)}`,
    ...m.photos.map((p) => `  ${p.name.padEnd(22)} ${String(p.ms).padStart(6)} ms  ${p.top5 === undefined ? '  (unscored)' : `${p.top1 ? '✓' : '✗'}1 ${p.top5 ? '✓' : '✗'}5`}  ${p.labels.join(' | ')}`),
  ];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
