import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root: the nearest folder above this file with a package.json (works from src and dist). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the project root (no package.json above local/)');
    dir = parent;
  }
  return dir;
}

/** functions-framework's CLI entry, the same one `npx functions-framework` runs. */
export function functionsFrameworkMain(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
}
