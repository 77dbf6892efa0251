import { z } from 'zod';
import { fileClassifiedData } from '../lib/events.js';

/** classification.json: the `file.classified` data plus which labeler made it and when. */
export const classificationDocument = fileClassifiedData.extend({
  classifier: z.string(),
  classifiedAt: z.iso.datetime(),
});
export type ClassificationDocument = z.infer<typeof classificationDocument>;

/** PDFs up to this size are scanned for their page count; bigger ones keep it unknown. */
export const PDF_PAGE_SCAN_LIMIT = 20 * 1024 * 1024;
