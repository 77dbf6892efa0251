/**
 * How a function instance starts (`node dist/functions/serve.mjs`, with FUNCTION_TARGET and PORT
 * in the environment as Knative gives them; functions-framework's flags such as --target also
 * work). It runs the target's server bundle, functions-framework included (`npm run build` makes
 * them, see local/build/bundle-functions.ts). Without a bundle it runs functions-framework's CLI
 * over the unbundled code (functions/main.mts).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const target = process.argv.find((arg) => arg.startsWith('--target='))?.slice('--target='.length) ?? process.env['FUNCTION_TARGET'];
const server = target && /^[a-z]+$/.test(target) ? new URL(`./bundles/${target}/server.mjs`, import.meta.url) : undefined;
if (server && existsSync(server)) {
  await import(server.href);
} else {
  process.env['FUNCTION_SOURCE'] ??= fileURLToPath(new URL('./main.mjs', import.meta.url));
  const frameworkMain = join(dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')), 'main.js');
  await import(pathToFileURL(frameworkMain).href);
}
