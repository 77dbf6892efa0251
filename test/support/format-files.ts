/**
 * Images in every format the effects take, made from the real Debian sample photos (photos.ts).
 * sharp encodes all of them except HEIC: its prebuilt libheif has no HEVC encoder, so HEIC is
 * made with libheif's own `heif-enc` (Debian's libheif-examples and the libraries it needs,
 * fetched with `apt-get download`, unpacked with `dpkg-deb -x` into the infra cache dir, never
 * installed) and cached there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { withLock } from '../../local/infra/lock.js';
import { defaultCacheDir } from '../../local/infra/paths.js';
import { handleBlur } from '../../functions/blur/handler.js';
import { handleGrayscale } from '../../functions/grayscale/handler.js';
import { events, type EffectRequested } from '../../functions/lib/events.js';
import { keys } from '../../functions/lib/keys.js';
import { readAll } from '../../functions/lib/store/port.js';
import { TEST_TRACE } from './events.js';
import { received, type TestContext } from './function-context.js';
import { ensurePhotos, type PhotoName } from './photos.js';

type EffectOptions = EffectRequested['options'];

const cacheDir = () => defaultCacheDir(process.env, process.env['PIPELINE_CACHE_DIR'] || undefined);

export async function photo(name: PhotoName): Promise<Buffer> {
  return readFileSync((await ensurePhotos())[name]);
}

/** Runs one effect on `bytes` through its real handler, with an fs store; returns the reply and the derivative. */
export async function runEffect(ctx: TestContext, effect: 'blur' | 'grayscale', bytes: Buffer, options: EffectOptions = {}) {
  const id = '0190a7d2-3c4e-7a00-8000-0000000000f0';
  await ctx.store.put(keys.original(id), bytes);
  const handler = effect === 'blur' ? handleBlur : handleGrayscale;
  const event = events.effectRequested({ id, sourceKey: keys.original(id), chain: [effect], step: 0, options }, { source: '/upload', traceparent: TEST_TRACE });
  const reply = await handler(received(event), ctx);
  const data = reply?.data as { key?: string; reason?: string; width?: number; height?: number; format?: string };
  const output = data.key ? (await readAll(ctx.store, data.key)).bytes : undefined;
  return { reply, data, output };
}

export interface AnimationSpec {
  readonly delay: number[];
  readonly loop: number;
}

export const ANIMATION: AnimationSpec = { delay: [120, 200, 80, 300], loop: 3 };

/** Frames panning across the cat photo, 160×120 each, with distinct delays. */
export async function animatedPhoto(format: 'gif' | 'webp', spec = ANIMATION): Promise<Buffer> {
  const cat = await photo('chelsea.png');
  const frames = await Promise.all(
    spec.delay.map((_, i) => sharp(cat).extract({ left: 20 + i * 55, top: 20, width: 240, height: 180 }).resize(160, 120).png().toBuffer()),
  );
  return sharp(frames, { join: { animated: true } }).toFormat(format, { delay: spec.delay, loop: spec.loop }).toBuffer();
}

/** Solid frames, black and white in turn: any bleed across a frame boundary shows as gray rows. */
export async function alternatingFrames(format: 'gif' | 'webp', frames = 4, width = 64, height = 48): Promise<Buffer> {
  const solid = (white: boolean) => sharp({ create: { width, height, channels: 3, background: white ? '#ffffff' : '#000000' } }).png().toBuffer();
  const images = await Promise.all(Array.from({ length: frames }, (_, i) => solid(i % 2 === 1)));
  return sharp(images, { join: { animated: true } }).toFormat(format, { delay: images.map(() => 100), loop: 0, ...(format === 'webp' ? { lossless: true } : {}) }).toBuffer();
}

/** The sRGB red a patch at (20,20)–(84,84) shows; see `displayP3Jpeg`. */
export const RED_PATCH = { left: 20, top: 20, width: 64, height: 64 } as const;

/**
 * The astronaut photo with a pure red patch, stored in Display P3 (pixels converted to P3, the
 * profile embedded) with EXIF camera fields, GPS, XMP and a comment-like description.
 */
export async function displayP3Jpeg(): Promise<Buffer> {
  const red = await sharp({ create: { width: RED_PATCH.width, height: RED_PATCH.height, channels: 3, background: '#ff0000' } }).png().toBuffer();
  return sharp(await photo('astronaut.png'))
    .composite([{ input: red, left: RED_PATCH.left, top: RED_PATCH.top }])
    .withIccProfile('p3')
    .withExif({
      IFD0: { Make: 'PipelineTestCam', Model: 'P3', ImageDescription: 'a private comment' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="someone private"/></rdf:RDF></x:xmpmeta>')
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** The cat photo stored sideways with EXIF orientation 6 ("rotate 90° clockwise to view"). */
export async function orientation6Jpeg(): Promise<{ bytes: Buffer; upright: Buffer }> {
  const upright = await sharp(await photo('chelsea.png')).jpeg({ quality: 95 }).toBuffer();
  const sideways = await sharp(upright).rotate(-90).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  return { bytes: sideways, upright };
}

/** A three-page TIFF: cat, coffee, astronaut, each 200×150. */
export async function multiPageTiff(): Promise<Buffer> {
  const pages = await Promise.all((['chelsea.png', 'coffee.png', 'astronaut.png'] as const).map(async (name) => sharp(await photo(name)).resize(200, 150, { fit: 'fill' }).png().toBuffer()));
  return sharp(pages, { join: { animated: true } }).tiff({ compression: 'lzw' }).toBuffer();
}

export async function avifPhoto(): Promise<Buffer> {
  return sharp(await photo('coffee.png')).avif({ quality: 60 }).toBuffer();
}

const HEIF_PACKAGES = ['libheif-examples', 'libheif1', 'libde265-0', 'libx265-199', 'libaom3', 'libdav1d6'];

/** The cat photo as HEVC-coded HEIC, made once by heif-enc and cached. */
export async function heicPhoto(): Promise<Buffer> {
  const dir = join(cacheDir(), 'formats');
  const heic = join(dir, 'chelsea.heic');
  if (existsSync(heic)) return readFileSync(heic);
  mkdirSync(dir, { recursive: true });
  const cat = (await ensurePhotos())['chelsea.png'];
  await withLock(
    join(dir, 'formats.lock'),
    async () => {
      if (existsSync(heic)) return;
      const root = ensureHeifEnc(dir);
      const libs = join(root, 'usr/lib/x86_64-linux-gnu');
      const partial = `${heic}.partial`;
      run(join(root, 'usr/bin/heif-enc'), ['-q', '70', '-o', partial, cat], dir, { LD_LIBRARY_PATH: libs });
      renameSync(partial, heic);
    },
    { timeoutMs: 10 * 60_000 },
  );
  return readFileSync(heic);
}

function ensureHeifEnc(dir: string): string {
  const root = join(dir, 'libheif-examples');
  if (existsSync(join(root, 'usr/bin/heif-enc'))) return root;
  const work = mkdtempSync(join(dir, '.tmp-heif-'));
  try {
    const download = spawnSync('apt-get', ['download', ...HEIF_PACKAGES], { cwd: work, encoding: 'utf8' });
    if (download.status !== 0) {
      // A fresh machine has no package lists yet; fetch them once and try again.
      run('apt-get', ['update', '-qq'], work);
      run('apt-get', ['download', ...HEIF_PACKAGES], work);
    }
    for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb'))) run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], work);
    renameSync(join(work, 'root'), root);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return root;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim().split('\n').at(-1)}`);
  }
}
