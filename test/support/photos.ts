/**
 * Real photos for the classify model tests and bench, taken from Debian packages (fetched with
 * `apt-get download`, unpacked with `dpkg-deb -x`) and cached in the infra cache dir:
 * scikit-image's sample images (python3-skimage), darknet's demo photos (darknet) and
 * matplotlib's sample photo (python-matplotlib-data).
 *
 * LABELLED_PHOTOS says which ImageNet classes count as right for each; ImageNet has no
 * "giraffe", "horse" (only "sorrel") or "motorcycle" (only "moped"/"motor scooter"), so the
 * accepted answers are the nearest ImageNet classes.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { displayName } from '../../functions/classify/model-files.js';
import { withLock } from '../../local/infra/lock.js';
import { IMAGENET_CLASSES } from '../../local/infra/models/imagenet-classes.js';
import { defaultCacheDir } from '../../local/infra/paths.js';

interface Source {
  readonly pkg: string;
  readonly dir: string;
  readonly files: readonly string[];
}

const SOURCES: readonly Source[] = [
  {
    pkg: 'python3-skimage',
    dir: 'usr/lib/python3/dist-packages/skimage/data',
    files: ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'hubble_deep_field.jpg', 'motorcycle_left.png', 'retina.jpg', 'rocket.jpg'],
  },
  { pkg: 'darknet', dir: 'usr/share/darknet/data', files: ['dog.jpg', 'eagle.jpg', 'giraffe.jpg', 'horses.jpg', 'kite.jpg', 'person.jpg', 'scream.jpg'] },
  { pkg: 'python-matplotlib-data', dir: 'usr/share/matplotlib/mpl-data/sample_data', files: ['grace_hopper.jpg'] },
];

export type PhotoName = 'astronaut.png' | 'camera.png' | 'chelsea.png' | 'coffee.png' | 'hubble_deep_field.jpg' | 'motorcycle_left.png' | 'retina.jpg' | 'rocket.jpg' | 'dog.jpg' | 'eagle.jpg' | 'giraffe.jpg' | 'horses.jpg' | 'kite.jpg' | 'person.jpg' | 'scream.jpg' | 'grace_hopper.jpg';

/** Display names (as the labeler returns them) of ImageNet classes first…last, inclusive. */
export function imagenetRange(first: number, last: number): string[] {
  return IMAGENET_CLASSES.slice(first, last + 1).map(displayName);
}

export const DOGS = imagenetRange(151, 268);
/** Domestic cats (tabby … Egyptian cat) and the wild ones (cougar … cheetah). */
export const CATS = imagenetRange(281, 293);

export interface LabelledPhoto {
  readonly name: PhotoName;
  readonly what: string;
  /** Labels that count as a correct answer. */
  readonly accept: readonly string[];
}

export const LABELLED_PHOTOS: readonly LabelledPhoto[] = [
  { name: 'chelsea.png', what: 'tabby cat', accept: CATS },
  { name: 'coffee.png', what: 'cup of coffee', accept: ['espresso', 'cup', 'coffee mug', 'coffeepot', 'espresso maker'] },
  { name: 'rocket.jpg', what: 'rocket on its launch pad', accept: ['missile', 'projectile', 'space shuttle'] },
  { name: 'camera.png', what: 'cameraman with a camera on a tripod', accept: ['tripod', 'reflex camera', 'Polaroid camera'] },
  { name: 'motorcycle_left.png', what: 'motorcycle', accept: ['moped', 'motor scooter'] },
  { name: 'eagle.jpg', what: 'eagle', accept: ['bald eagle', 'kite', 'vulture'] },
  { name: 'dog.jpg', what: 'dog, bicycle and truck', accept: [...DOGS, 'mountain bike', 'bicycle-built-for-two', 'pickup truck'] },
  { name: 'giraffe.jpg', what: 'giraffe and zebra', accept: ['zebra'] },
  { name: 'horses.jpg', what: 'horses in a field', accept: ['sorrel'] },
  { name: 'kite.jpg', what: 'people flying kites on a beach', accept: ['seashore', 'sandbar', 'parachute'] },
  { name: 'person.jpg', what: 'woman with a dog and a horse', accept: [...DOGS, 'sorrel'] },
  { name: 'grace_hopper.jpg', what: 'portrait in naval uniform', accept: ['military uniform', 'bow tie', 'suit of clothes', 'Windsor tie', 'academic gown'] },
];

/** Photos with no ImageNet answer; measured and reported, not scored. */
export const UNLABELLED_PHOTOS: readonly PhotoName[] = ['astronaut.png', 'hubble_deep_field.jpg', 'retina.jpg', 'scream.jpg'];

/** Paths of every photo above, fetching the Debian packages the first time. */
export async function ensurePhotos(cacheDir = defaultCacheDir(process.env, process.env['PIPELINE_CACHE_DIR'] || undefined)): Promise<Record<PhotoName, string>> {
  const dir = join(cacheDir, 'photos');
  const paths = Object.fromEntries(SOURCES.flatMap((s) => s.files.map((f) => [f, join(dir, f)]))) as Record<PhotoName, string>;
  const complete = () => Object.values(paths).every((path) => existsSync(path));
  if (complete()) return paths;
  mkdirSync(dir, { recursive: true });
  await withLock(
    join(dir, 'photos.lock'),
    async () => {
      for (const source of SOURCES) {
        if (source.files.every((f) => existsSync(join(dir, f)))) continue;
        const work = mkdtempSync(join(dir, `.tmp-${source.pkg}-`));
        try {
          download(source.pkg, work);
          const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
          if (!deb) throw new Error(`apt-get download ${source.pkg} left no .deb in ${work}`);
          run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], work);
          for (const file of source.files) copyFileSync(join(work, 'root', source.dir, file), join(dir, file));
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      }
    },
    { timeoutMs: 10 * 60_000 },
  );
  if (!complete()) throw new Error(`photos missing in ${dir} after fetching`);
  return paths;
}

function download(pkg: string, cwd: string): void {
  const first = spawnSync('apt-get', ['download', pkg], { cwd, encoding: 'utf8' });
  if (first.status === 0) return;
  // A fresh machine has no package lists yet; fetch them once and try again.
  run('apt-get', ['update', '-qq'], cwd);
  run('apt-get', ['download', pkg], cwd);
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim().split('\n').at(-1)}`);
  }
}
