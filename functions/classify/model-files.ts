/**
 * What a model directory (MODEL_DIR) holds and how classify reads it. `local/infra/models.ts`
 * writes it (fetching the weights from their registry package, cached); the deployed image
 * copies it in at build time. Nothing here downloads anything.
 *
 *   MODEL_DIR/manifest.json          this file's schema
 *   MODEL_DIR/<imageModel.file>      ONNX: float32 RGB 0…255 NHWC in, softmax probabilities out
 *   MODEL_DIR/<imageModel.labels>    JSON array of class names, one per output, in output order
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';

export const modelManifest = z.object({
  format: z.literal(1),
  imageModel: z.object({
    /** e.g. "efficientnet-lite2"; recorded as the classifier of what it labels. */
    id: z.string().min(1),
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    labels: z.string().min(1),
    input: z.string().min(1),
    output: z.string().min(1),
    /** Square input side in pixels. */
    size: z.number().int().positive(),
    /** The evaluation crop: the centre `size / (size + cropPadding)` of the shorter side. */
    cropPadding: z.number().int().nonnegative(),
    classes: z.number().int().positive(),
    /** Where the weights came from (registry, package, version, licence). */
    source: z.string(),
  }),
});
export type ModelManifest = z.infer<typeof modelManifest>;

export interface ImageModelFiles {
  readonly manifest: ModelManifest['imageModel'];
  readonly modelPath: string;
  /** Display names, one per model output. */
  readonly labels: readonly string[];
}

/** Reads and checks MODEL_DIR's manifest and labels; throws with a reason when they are unusable. */
export async function readImageModelFiles(modelDir: string): Promise<ImageModelFiles> {
  const manifestPath = join(modelDir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch (error) {
    throw new Error(`no model manifest at ${manifestPath} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  const parsed = modelManifest.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`model manifest ${manifestPath} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const manifest = parsed.data.imageModel;
  const names = z.array(z.string()).parse(JSON.parse(await readFile(join(modelDir, manifest.labels), 'utf8')));
  if (names.length !== manifest.classes) throw new Error(`${manifest.labels} has ${names.length} names for ${manifest.classes} classes`);
  return { manifest, modelPath: join(modelDir, manifest.file), labels: names.map(displayName) };
}

/**
 * A readable name from a WordNet synonym list: the first synonym, or a later one that extends it
 * ("tabby, tabby cat" → "tabby cat"; "tench, Tinca tinca" → "tench"; "espresso" → "espresso").
 */
export function displayName(synonyms: string): string {
  const names = synonyms.split(',').map((name) => name.trim()).filter(Boolean);
  const first = names[0] ?? synonyms.trim();
  return names.find((name) => name.toLowerCase().startsWith(`${first.toLowerCase()} `)) ?? first;
}
