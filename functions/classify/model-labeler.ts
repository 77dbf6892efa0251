/**
 * The real labeler: two offline models, each loaded lazily and once per instance (a memoized
 * promise; a concurrent first call waits on the same load), never at import time, so a function
 * starts and answers /healthz before any model is read.
 *
 * - Labels: an ImageNet-1k classifier in ONNX (EfficientNet-Lite2 by default) from MODEL_DIR, run
 *   with onnxruntime-node; the top k classes with their softmax probabilities.
 * - Safe search: nsfwjs' bundled MobileNetV2 (its weights ship inside the npm package) on
 *   TensorFlow.js' wasm backend; the probabilities of drawing / hentai / neutral / porn / sexy.
 *
 * A model that is not there (MODEL_DIR unset, empty or without a model) or fails to load is
 * reported once in the log and left out: classify keeps working with fewer fields. Nothing is ever
 * downloaded here. An image that the models cannot read gets no labels rather than failing the
 * event; the handler has already judged it decodable.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { ImageLabeler, ImageLabels, Label, LabelContext, LabelLog } from './labeler.js';
import { readImageModelFiles, type ImageModelFiles } from './model-files.js';
import { centreCrop, decodeForModels, squeezed, type DecodedImage } from './model-preprocess.js';

export const SAFE_SEARCH_MODEL = 'nsfwjs-mobilenetv2';
const SAFE_SEARCH_SIZE = 224;
const DEFAULT_MAX_PIXELS = 50_000_000;

export interface ModelLabelerOptions {
  /**
   * The directory `ensureModels()` filled. A function is asked once, at the first load, with that
   * call's context (the handler passes its config's MODEL_DIR there).
   */
  readonly modelDir?: string | undefined | ((context: LabelContext) => string | undefined);
  /** How many labels to return (default 5). */
  readonly topK?: number;
  /** Run the safe-search model too (default true). */
  readonly safeSearch?: boolean;
  /** onnxruntime intra-op threads per inference (default 1: instances take requests in parallel). */
  readonly threads?: number;
  /** Where "model missing / failed" goes when the call brings no logger. */
  readonly log?: LabelLog;
}

export interface ModelLabelerStatus {
  readonly imageModel: { readonly id: string; readonly loadMs: number } | { readonly unavailable: string };
  readonly safeSearch: { readonly id: string; readonly loadMs: number } | { readonly unavailable: string };
  /** How many times each model was actually loaded (at most once per labeler). */
  readonly loads: { readonly imageModel: number; readonly safeSearch: number };
}

export interface ModelLabeler extends ImageLabeler {
  /** Loads both models (if not yet) and says what is available. */
  ready(context?: LabelContext): Promise<ModelLabelerStatus>;
}

interface ImageModel {
  readonly files: ImageModelFiles;
  run(pixels: Float32Array): Promise<Float32Array>;
}

interface SafeSearchModel {
  run(pixels: Uint8Array): Promise<Record<string, number>>;
}

type Loaded<T> = { readonly model: T; readonly id: string; readonly loadMs: number } | { readonly unavailable: string };

export function createModelLabeler(options: ModelLabelerOptions = {}): ModelLabeler {
  const topK = options.topK ?? 5;
  const threads = options.threads ?? 1;
  const loads = { imageModel: 0, safeSearch: 0 };
  let imageModel: Promise<Loaded<ImageModel>> | undefined;
  let safeModel: Promise<Loaded<SafeSearchModel>> | undefined;
  let name = 'none';
  const reported = new Set<string>();

  const logOnce = (log: LabelLog | undefined, key: string, level: 'info' | 'warn', fields: object, message: string) => {
    if (reported.has(key)) return;
    reported.add(key);
    (log ?? options.log)?.[level](fields, message);
  };

  const loadImage = (context: LabelContext): Promise<Loaded<ImageModel>> => {
    const log = context.log;
    imageModel ??= (async (): Promise<Loaded<ImageModel>> => {
      const dir = typeof options.modelDir === 'function' ? options.modelDir(context) : options.modelDir;
      if (!dir) {
        logOnce(log, 'image-unset', 'info', {}, 'MODEL_DIR is not set: images are classified without labels');
        return { unavailable: 'MODEL_DIR is not set' };
      }
      const started = performance.now();
      try {
        loads.imageModel++;
        const files = await readImageModelFiles(dir);
        const model = await loadOnnxModel(files, threads);
        const loadMs = performance.now() - started;
        logOnce(log, 'image-loaded', 'info', { model: files.manifest.id, modelDir: dir, loadMs: Math.round(loadMs) }, 'image model loaded');
        return { model, id: files.manifest.id, loadMs };
      } catch (error) {
        const reason = (error as Error).message;
        logOnce(log, 'image-failed', 'warn', { modelDir: dir, reason }, 'image model unavailable: images are classified without labels');
        return { unavailable: reason };
      }
    })();
    return imageModel;
  };

  const loadSafe = (log: LabelContext['log']): Promise<Loaded<SafeSearchModel>> => {
    safeModel ??= (async (): Promise<Loaded<SafeSearchModel>> => {
      if (options.safeSearch === false) return { unavailable: 'disabled' };
      const started = performance.now();
      try {
        loads.safeSearch++;
        const model = await loadNsfwModel();
        const loadMs = performance.now() - started;
        logOnce(log, 'safe-loaded', 'info', { model: SAFE_SEARCH_MODEL, loadMs: Math.round(loadMs) }, 'safe-search model loaded');
        return { model, id: SAFE_SEARCH_MODEL, loadMs };
      } catch (error) {
        const reason = (error as Error).message;
        logOnce(log, 'safe-failed', 'warn', { reason }, 'safe-search model unavailable: images are classified without safe-search scores');
        return { unavailable: reason };
      }
    })();
    return safeModel;
  };

  const settle = async (context: LabelContext) => {
    const [image, safe] = await Promise.all([loadImage(context), loadSafe(context.log)]);
    name = [image, safe].flatMap((m) => ('id' in m ? [m.id] : [])).join('+') || 'none';
    return { image, safe };
  };

  return {
    get name() {
      return name;
    },

    async ready(context: LabelContext = {}) {
      const { image, safe } = await settle(context);
      const describe = (m: Loaded<unknown>) => ('id' in m ? { id: m.id, loadMs: Math.round(m.loadMs) } : { unavailable: m.unavailable });
      return { imageModel: describe(image), safeSearch: describe(safe), loads: { ...loads } };
    },

    async label(bytes: Buffer, context: LabelContext = {}): Promise<ImageLabels> {
      const { image, safe } = await settle(context);
      if (!('model' in image) && !('model' in safe)) return { labels: [] };
      let decoded: DecodedImage;
      try {
        decoded = await decodeForModels(bytes, { maxPixels: context.limits?.maxPixels ?? DEFAULT_MAX_PIXELS });
      } catch (error) {
        (context.log ?? options.log)?.warn({ reason: (error as Error).message }, 'image could not be prepared for the models; no labels');
        return { labels: [] };
      }
      const log = context.log ?? options.log;
      const failed = (model: string) => (error: unknown) => {
        log?.warn({ model, reason: (error as Error).message }, 'model inference failed; result left out');
        return undefined;
      };
      const [labels, safeSearch] = await Promise.all([
        'model' in image ? topLabels(image.model, decoded, topK).catch(failed(image.id)) : undefined,
        'model' in safe ? squeezed(decoded, SAFE_SEARCH_SIZE).then((pixels) => safe.model.run(pixels)).catch(failed(safe.id)) : undefined,
      ]);
      return safeSearch ? { labels: labels ?? [], safeSearch } : { labels: labels ?? [] };
    },
  };
}

async function topLabels(model: ImageModel, image: DecodedImage, k: number): Promise<Label[]> {
  const { size, cropPadding } = model.files.manifest;
  const probabilities = await model.run(await centreCrop(image, size, cropPadding));
  return topK(probabilities, k).map(({ index, score }) => ({ label: model.files.labels[index]!, score: round(score) }));
}

/** Indices of the k largest values, largest first. */
export function topK(values: Float32Array, k: number): { index: number; score: number }[] {
  const best: { index: number; score: number }[] = [];
  for (let index = 0; index < values.length; index++) {
    const score = values[index]!;
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < score) at--;
    best.splice(at, 0, { index, score });
    if (best.length > k) best.pop();
  }
  return best;
}

function round(score: number): number {
  return Math.min(1, Math.max(0, Math.round(score * 10_000) / 10_000));
}

async function loadOnnxModel(files: ImageModelFiles, threads: number): Promise<ImageModel> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(files.modelPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const { input, output, size, classes } = files.manifest;
  if (!session.inputNames.includes(input) || !session.outputNames.includes(output)) {
    throw new Error(`${files.modelPath} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}], expected ${input} → ${output}`);
  }
  return {
    files,
    async run(pixels) {
      const result = await session.run({ [input]: new ort.Tensor('float32', pixels, [1, size, size, 3]) });
      const data = result[output]?.data;
      if (!(data instanceof Float32Array) || data.length !== classes) throw new Error(`model output ${output} is not ${classes} floats`);
      return data;
    },
  };
}

async function loadNsfwModel(): Promise<SafeSearchModel> {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const nsfwjs = await import('nsfwjs');
  // The .wasm files sit next to the backend's entry point; say so rather than rely on a guess.
  wasm.setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  const model = await quietly(async () => {
    if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
    await tf.ready();
    tf.enableProdMode();
    return nsfwjs.load('MobileNetV2');
  });
  return {
    async run(pixels) {
      const tensor = tf.tensor3d(Int32Array.from(pixels), [SAFE_SEARCH_SIZE, SAFE_SEARCH_SIZE, 3], 'int32');
      try {
        const predictions = await model.classify(tensor, 5);
        return Object.fromEntries(predictions.map((p) => [p.className.toLowerCase(), round(p.probability)]));
      } finally {
        tensor.dispose();
      }
    },
  };
}

/** tfjs and nsfwjs greet on the console while loading; our stdout is JSON log lines. */
async function quietly<T>(action: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = () => undefined;
  try {
    return await action();
  } finally {
    Object.assign(console, saved);
  }
}
