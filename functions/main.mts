/**
 * What functions-framework is pointed at (`--source=dist/functions/main.mjs`). An `.mjs` source is
 * an ES module by its name, so the framework skips importing read-package-up (and
 * normalize-package-data) to look for `"type": "module"`. With FUNCTION_TARGET set (Knative and
 * the local runtime set it) it loads that function's bundle (`npm run build` makes them, see
 * local/build/bundle-functions.ts): a few files instead of ~150 modules, for shorter cold starts.
 * Without a bundle, or without a target, it loads the unbundled entry; config is validated there.
 */
import { existsSync } from 'node:fs';

const target = process.env['FUNCTION_TARGET'];
const bundle = target && /^[a-z]+$/.test(target) ? new URL(`./bundles/${target}/index.mjs`, import.meta.url) : undefined;
await (bundle && existsSync(bundle) ? import(bundle.href) : import('./index.js'));
