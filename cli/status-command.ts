/** `status <id>`: GET /files/:id as a short summary, or the server's JSON with --json. */
import { PipelineApi } from './api.js';
import type { StatusOptions } from './args.js';
import { formatBytes } from './format.js';
import { renderTable } from './summary-table.js';
import { describeError } from './upload-command.js';
import { waitFieldsOf } from './wait-for-file.js';

export interface StatusDeps {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

interface Classification {
  readonly labels?: readonly { readonly label: string; readonly score: number }[];
  readonly safeSearch?: Readonly<Record<string, number>>;
}

/** What classify saw: its top labels and the strongest safe-search class. */
function classificationLines(classification: Classification | null | undefined): string[] {
  if (!classification) return [];
  const lines: string[] = [];
  const labels = (classification.labels ?? []).slice(0, 3).map((l) => `${l.label} ${Math.round(l.score * 100)} %`);
  if (labels.length > 0) lines.push(`shows:    ${labels.join(', ')}`);
  const safe = Object.entries(classification.safeSearch ?? {}).sort((a, b) => b[1] - a[1])[0];
  if (safe) lines.push(`safety:   ${safe[0]} ${Math.round(safe[1] * 100)} %`);
  return lines;
}

export function renderStatus(view: Record<string, any>): string {
  const fields = waitFieldsOf(view as Parameters<typeof waitFieldsOf>[0]);
  const lines = [
    `id:       ${view['id']}`,
    `name:     ${view['name']}`,
    `kind:     ${view['kind']} (${view['contentType']}, ${formatBytes(Number(view['size']))})`,
    `sha256:   ${view['sha256']}`,
    `uploaded: ${view['uploadedAt']}`,
    `effects:  ${((view['chains'] ?? []) as string[][]).map((chain) => chain.join('+')).join(', ') || 'none'}`,
    `status:   ${view['status']}`,
    ...classificationLines(view['classification'] as Classification | null | undefined),
  ];
  const steps = (fields.processed_by ?? []).map((p, index) => [p.chain, String(p.step), p.effect, `${p.function} ${p.revision}`, p.instance, fields.derivatives?.[index]?.url ?? '']);
  if (steps.length > 0) lines.push('', renderTable(['chain', 'step', 'effect', 'function', 'instance', 'derivative'], steps));
  for (const failure of fields.failures ?? []) lines.push(`failed: ${failure.chain} step ${failure.step} ${failure.effect}: ${failure.reason}`);
  return `${lines.join('\n')}\n`;
}

export async function runStatus(options: StatusOptions, deps: StatusDeps): Promise<number> {
  const api = new PipelineApi(options.url, options.token);
  try {
    const view = await api.fileView(options.id);
    deps.stdout.write(options.json ? `${JSON.stringify(view, null, 2)}\n` : renderStatus(view));
    return 0;
  } catch (error) {
    deps.stderr.write(`${options.id}: ${describeError(error, options.url)}\n`);
    return 1;
  }
}
