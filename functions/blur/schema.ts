import { InvalidEventError, expected } from '../lib/errors.js';
import type { Config } from '../lib/config.js';

/** The sigma a request asks for, or the configured default; out-of-bounds values break the contract. */
export function blurSigma(requested: number | undefined, config: Config): number {
  const sigma = requested ?? config.BLUR_SIGMA_DEFAULT;
  if (!(sigma >= config.BLUR_SIGMA_MIN && sigma <= config.BLUR_SIGMA_MAX)) {
    throw new InvalidEventError(expected(`a number between ${config.BLUR_SIGMA_MIN} and ${config.BLUR_SIGMA_MAX}`, 'blur sigma', sigma));
  }
  return sigma;
}
