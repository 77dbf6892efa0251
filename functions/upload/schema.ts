/** What an upload request may ask for, validated before anything is emitted. */
import { z } from 'zod';
import type { Config } from '../lib/config.js';
import { parseDuration } from '../lib/config.js';
import { InvalidInputError, expected } from '../lib/errors.js';
import { EFFECTS, effectName, type EffectName, type EffectOptions } from '../lib/events.js';

/** With no `effects`, every image gets a blurred and a grayscale derivative of the original. */
export const DEFAULT_CHAINS: EffectName[][] = [['blur'], ['grayscale']];
export const MAX_CHAINS = 8;
export const MAX_NAME_LENGTH = 255;

/**
 * Each `effects` value is one ordered chain (`grayscale,blur`); repeat the parameter for several
 * chains; `none` asks for no derivatives.
 */
export function parseChains(values: readonly string[]): EffectName[][] {
  const present = values.map((v) => v.trim()).filter((v) => v.length > 0);
  if (present.length === 0) return DEFAULT_CHAINS.map((c) => [...c]);
  if (present.length === 1 && present[0] === 'none') return [];
  if (present.length > MAX_CHAINS) throw new InvalidInputError(`At most ${MAX_CHAINS} effect chains per upload, got ${present.length}`);
  return present.map((value) => {
    const names = value.split(',').map((n) => n.trim().toLowerCase());
    if (names.length > 8) throw new InvalidInputError(`At most 8 effects in one chain, got ${names.length} in "${value}"`);
    return names.map((name) => {
      const parsed = effectName.safeParse(name);
      if (!parsed.success) {
        throw new InvalidInputError(`Unknown effect "${name}"; known effects: ${EFFECTS.join(', ')}`);
      }
      return parsed.data;
    });
  });
}

export function parseEffectOptions(sigmaText: string | undefined, config: Config): EffectOptions {
  if (sigmaText === undefined || sigmaText.trim() === '') return {};
  const sigma = Number(sigmaText);
  if (!Number.isFinite(sigma) || sigma < config.BLUR_SIGMA_MIN || sigma > config.BLUR_SIGMA_MAX) {
    throw new InvalidInputError(expected(`a number between ${config.BLUR_SIGMA_MIN} and ${config.BLUR_SIGMA_MAX}`, 'sigma', sigmaText));
  }
  return { blur: { sigma } };
}

/** `?wait=5s`: how long the request may wait for the pipeline; bounded by UPLOAD_WAIT_MAX. */
export function parseWait(text: string | undefined, config: Config): number {
  if (text === undefined) return 0;
  const ms = text === '' || text === 'true' ? config.UPLOAD_WAIT_MAX : parseDuration(text);
  if (ms === undefined) throw new InvalidInputError(expected('a duration such as 5s or 500ms', 'wait', text));
  return Math.min(ms, config.UPLOAD_WAIT_MAX);
}

/** A user's file name is metadata only: control characters removed, length bounded. */
export function cleanFileName(name: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const base = cleaned.split(/[\\/]/).pop() ?? '';
  return (base || 'unnamed').slice(0, MAX_NAME_LENGTH);
}

export const fileIdParam = z.uuid();

export function parseFileId(text: string): string {
  const parsed = fileIdParam.safeParse(text);
  if (!parsed.success) throw new InvalidInputError(expected('a file id (UUID)', 'id', text));
  return parsed.data;
}

export const uploadRecord = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['image', 'document', 'other']),
  format: z.string(),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string(),
  chains: z.array(z.array(effectName)),
  options: z.object({ blur: z.object({ sigma: z.number() }).optional() }),
  uploadedAt: z.string(),
  traceId: z.string(),
  uploadedBy: z.object({ function: z.string(), revision: z.string(), instance: z.string() }),
});
export type UploadRecord = z.infer<typeof uploadRecord>;
