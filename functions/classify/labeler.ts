/**
 * The seam for image-content models: classify asks a labeler what an image shows. The model
 * issue plugs a real offline model in here; until then no labels are claimed.
 */
export interface Label {
  readonly label: string;
  readonly score: number;
}

export interface ImageLabels {
  readonly labels: readonly Label[];
  readonly safeSearch?: Readonly<Record<string, number>>;
}

export interface ImageLabeler {
  readonly name: string;
  label(image: Buffer): Promise<ImageLabels>;
}

export const noLabeler: ImageLabeler = {
  name: 'none',
  label: async () => ({ labels: [] }),
};
