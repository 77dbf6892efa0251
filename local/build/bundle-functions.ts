/**
 * `npm run build`'s second step: one ES-module bundle per function (dist/functions/bundles/<name>/),
 * made by vite (rollup) from tsc's output. A cold start then loads a few files instead of ~150
 * small modules (zod, cloudevents, ajv, our lib), ~65 ms sooner ready on two cores. Native and
 * heavy packages stay external, and dynamic imports stay lazy chunks (pino, the MinIO adapter,
 * classify's models). functions/main.mts loads the bundle of FUNCTION_TARGET when it exists.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'vite';
import { projectRoot } from '../project.js';

export const FUNCTIONS = ['upload', 'blur', 'grayscale', 'classify', 'stats'] as const;

const EXTERNAL = [/^sharp(\/|$)/, /^@google-cloud\/functions-framework(\/|$)/, /^onnxruntime-node(\/|$)/, /^@tensorflow\//, /^nsfwjs(\/|$)/, /^pino(\/|$)/, /^node:/];

export async function bundleFunctions(root = projectRoot()): Promise<void> {
  const bundles = join(root, 'dist', 'functions', 'bundles');
  await rm(bundles, { recursive: true, force: true });
  for (const name of FUNCTIONS) {
    await build({
      configFile: false,
      logLevel: 'error',
      root,
      build: {
        ssr: join(root, 'dist', 'functions', name, 'index.js'),
        outDir: join(bundles, name),
        emptyOutDir: true,
        minify: false,
        target: 'node20',
        rollupOptions: {
          external: EXTERNAL,
          output: { format: 'es', entryFileNames: 'index.mjs', chunkFileNames: '[name]-[hash].mjs' },
        },
      },
      ssr: { noExternal: true, target: 'node' },
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  bundleFunctions().catch((error: unknown) => {
    console.error(`bundling the functions failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}
