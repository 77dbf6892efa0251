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
