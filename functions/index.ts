/**
 * The one image's entry point: every function registers itself; functions-framework serves the
 * one named by FUNCTION_TARGET (or --target).
 */
import './upload/index.js';
import './blur/index.js';
import './grayscale/index.js';
import './classify/index.js';
import './stats/index.js';
