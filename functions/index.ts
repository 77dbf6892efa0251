/**
 * The one image's entry point. With FUNCTION_TARGET set (Knative and the local runtime set it),
 * only that function's module is loaded, which keeps cold starts short; without it every
 * function registers and functions-framework serves the one named by --target.
 */
import { getConfig } from './lib/config.js';

const target = getConfig().FUNCTION_TARGET;
const all = ['upload', 'blur', 'grayscale', 'classify', 'stats'] as const;
await Promise.all((target ? [target] : all).map((name) => import(`./${name}/index.js`)));
