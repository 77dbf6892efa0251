/**
 * The seam for image-content models: classify asks a labeler what an image shows. The real one
 * is model-labeler.ts (offline models); tests plug in fakes.
 */
import type { ImageLimits } from '../lib/image/open-image.js';

export interface Label {
  readonly label: string;
  readonly score: number;
}

export interface ImageLabels {
  readonly labels: readonly Label[];
  readonly safeSearch?: Readonly<Record<string, number>>;
}

/** The part of the pino logger a labeler uses. */
export interface LabelLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** What the handler knows about the call: its logger, the image limits and MODEL_DIR in force. */
export interface LabelContext {
  readonly log?: LabelLog;
  readonly limits?: ImageLimits;
  readonly modelDir?: string | undefined;
}

export interface ImageLabeler {
  /** Recorded as the classification's `classifier`: the model(s) behind the labels. */
  readonly name: string;
  label(image: Buffer, context?: LabelContext): Promise<ImageLabels>;
}

export const noLabeler: ImageLabeler = {
  name: 'none',
  label: async () => ({ labels: [] }),
};
