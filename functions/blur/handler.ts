import type { CloudEventHandler } from '../lib/http/function-app.js';
import { runEffectStep } from '../lib/effects/run-effect-step.js';
import { blurSigma } from './schema.js';

/** `pipeline.effect.requested` with effect=blur → Gaussian blur of the step's source. */
export const handleBlur: CloudEventHandler = (event, ctx) =>
  runEffectStep('blur', (image, request) => image.blur(blurSigma(request.options.blur?.sigma, ctx.config)), event, ctx);
