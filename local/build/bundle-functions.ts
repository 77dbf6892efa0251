/**
 * `npm run build`'s second step: one ES-module server per function
 * (dist/functions/bundles/<name>/server.mjs), made by vite (rollup) from tsc's output. Each holds
 * the function *and* functions-framework with express: a cold start then loads a few files
 * instead of ~300 small modules (ours, zod, cloudevents, ajv, express, body-parser…), ~90 ms
 * sooner ready on two cores than functions-framework's CLI over unbundled code. Native and heavy
 * packages stay external, and dynamic imports stay lazy chunks (pino, the MinIO adapter,
 * classify's models). functions/serve.mts starts the server of FUNCTION_TARGET.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Plugin } from 'vite';
import { functionsFrameworkMain, projectRoot } from '../project.js';

export const FUNCTIONS = ['upload', 'blur', 'grayscale', 'classify', 'stats'] as const;

const EXTERNAL = [/^sharp(\/|$)/, /^onnxruntime-node(\/|$)/, /^@tensorflow\//, /^nsfwjs(\/|$)/, /^pino(\/|$)/, /^node:/];
const ENTRY = 'virtual:function-server';
const SOURCE_DEFAULT = 'virtual:function-source';

export async function bundleFunctions(root = projectRoot()): Promise<void> {
  const bundles = join(root, 'dist', 'functions', 'bundles');
  await rm(bundles, { recursive: true, force: true });
  const frameworkMain = functionsFrameworkMain();
  for (const name of FUNCTIONS) {
    await build({
      configFile: false,
      logLevel: 'error',
      root,
      plugins: [serverEntry(join(root, 'dist', 'functions', name, 'index.js'), frameworkMain)],
      build: {
        ssr: ENTRY,
        outDir: join(bundles, name),
        emptyOutDir: true,
        minify: false,
        target: 'node20',
        commonjsOptions: { include: [/node_modules/], transformMixedEsModules: true },
        rollupOptions: {
          external: EXTERNAL,
          output: {
            format: 'es',
            entryFileNames: 'server.mjs',
            chunkFileNames: '[name]-[hash].mjs',
            // CommonJS code that requires by a computed name (express's view engines) keeps working.
            banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
          },
        },
      },
      ssr: { noExternal: true, target: 'node' },
    });
  }
}

/**
 * The bundle's entry: say where the function's source is (the bundle itself, so that the
 * framework's loader finds the function registered in its own, bundled registry), register the
 * function, then run functions-framework's CLI entry (it reads argv and the environment).
 * ES imports run in order, so the source default is set before the CLI reads it.
 */
function serverEntry(functionIndex: string, frameworkMain: string): Plugin {
  return {
    name: 'function-server-entry',
    enforce: 'pre',
    // vite hands the ssr entry over as a path under the root.
    resolveId: (id) => (id.endsWith(ENTRY) ? `\0${ENTRY}` : id === SOURCE_DEFAULT ? `\0${id}` : undefined),
    load(id) {
      if (id === `\0${SOURCE_DEFAULT}`) {
        return "import { fileURLToPath } from 'node:url';\nprocess.env.FUNCTION_SOURCE ??= fileURLToPath(import.meta.url);\n";
      }
      if (id === `\0${ENTRY}`) return [SOURCE_DEFAULT, functionIndex, frameworkMain].map((path) => `import ${JSON.stringify(path)};`).join('\n');
      return undefined;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  bundleFunctions().catch((error: unknown) => {
    console.error(`bundling the functions failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}
