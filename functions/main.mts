/**
 * What functions-framework is pointed at (`--source=dist/functions/main.mjs`). An `.mjs` source is
 * an ES module by its name, so the framework skips importing read-package-up (and
 * normalize-package-data) to look for `"type": "module"` — ~30 ms off every cold start.
 */
import './index.js';
