/** One file's outcome, as the summary table and `--json` report it. */
import type { AcceptedFile, ProcessedStep } from './api.js';

export interface FileResult {
  /** The path as given on the command line. */
  readonly file: string;
  readonly ok: boolean;
  /** Why it failed, in words (HTTP error, missing file, failed effect, timeout). */
  readonly error?: string;
  readonly id?: string;
  readonly kind?: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly path?: 'form' | 'direct';
  /** A direct upload picked up from an earlier, interrupted run. */
  readonly resumed?: boolean;
  readonly partsSent?: number;
  readonly effects?: string[][];
  readonly status?: 'processing' | 'complete';
  readonly appliedEffects?: string[];
  readonly processedBy?: ProcessedStep[];
  readonly failures?: { chain: string; step: number; effect: string; reason: string }[];
  readonly derivatives?: { chain: string; step: number; effect: string; url: string; size: number }[];
  readonly viewUrl?: string;
  readonly timeMs: number;
}

export function resultOf(file: string, accepted: AcceptedFile, extra: Pick<FileResult, 'path' | 'timeMs'> & Partial<FileResult>): Omit<FileResult, 'ok'> {
  return {
    file,
    id: accepted.id,
    kind: accepted.kind,
    size: accepted.size,
    sha256: accepted.sha256,
    effects: accepted.effects,
    ...(accepted.status ? { status: accepted.status } : {}),
    ...(accepted.applied_effects ? { appliedEffects: accepted.applied_effects } : {}),
    ...(accepted.processed_by ? { processedBy: accepted.processed_by } : {}),
    ...(accepted.failures ? { failures: accepted.failures } : {}),
    ...(accepted.derivatives ? { derivatives: accepted.derivatives } : {}),
    ...(accepted.view_url ? { viewUrl: accepted.view_url } : {}),
    ...extra,
  };
}
