/**
 * The unbundled source for functions-framework's own CLI (`--source=dist/functions/main.mjs`),
 * used when no server bundle exists (see functions/serve.mts). An `.mjs` source is an ES module
 * by its name, so the framework skips importing read-package-up to look for `"type": "module"`.
 */
await import('./index.js');
