import type { CloudEventHandler } from '../lib/http/function-app.js';
import { runEffectStep } from '../lib/effects/run-effect-step.js';

/** `pipeline.effect.requested` with effect=grayscale → luminance-only image. */
export const handleGrayscale: CloudEventHandler = (event, ctx) => runEffectStep('grayscale', (image) => image.grayscale(), event, ctx);
