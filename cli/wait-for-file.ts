/**
 * `--wait` beyond what the server holds a request for (it caps `?wait`, 30s by default): poll
 * GET /files/:id until the pipeline is complete or the CLI's own deadline passes.
 */
import type { AcceptedFile, PipelineApi, ProcessedStep } from './api.js';

const POLL_MS = 250;

interface FileView {
  readonly status: 'processing' | 'complete';
  readonly appliedEffects: string[];
  readonly derivatives: { chain: string; step: number; effect: string; url: string; size: number; processedBy: Omit<ProcessedStep, 'chain' | 'step' | 'effect'> }[];
  readonly failures: { chain: string; step: number; effect: string; reason: string }[];
  readonly classification: Record<string, unknown> | null;
}

/** The wait fields of a synchronous answer, from GET /files/:id (the same shape POST /files?wait= gives). */
export function waitFieldsOf(view: FileView): Partial<AcceptedFile> {
  return {
    status: view.status,
    applied_effects: view.appliedEffects,
    processed_by: view.derivatives.map((d) => ({ chain: d.chain, step: d.step, effect: d.effect, ...d.processedBy })),
    derivatives: view.derivatives.map(({ chain, step, effect, url, size }) => ({ chain, step, effect, url, size })),
    failures: view.failures,
    classification: view.classification,
  };
}

export async function waitForFile(api: PipelineApi, accepted: AcceptedFile, deadline: number): Promise<AcceptedFile> {
  let current = accepted;
  while (current.status !== 'complete' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
    const view = (await api.fileView(accepted.id)) as unknown as FileView;
    current = { ...current, ...waitFieldsOf(view) };
  }
  return current;
}
