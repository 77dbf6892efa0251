/** The end-of-run summary: one row per file, then who processed each step and why anything failed. */
import { formatBytes, formatDuration } from './format.js';
import type { FileResult } from './file-result.js';

/** Columns padded to their widest cell; numbers right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (rightAligned.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function effectsCell(result: FileResult, waited: boolean): string {
  const requested = (result.effects ?? []).map((chain) => chain.join('+'));
  if (!waited || !result.appliedEffects) return requested.join(' ') || '-';
  const failed = new Set((result.failures ?? []).map((failure) => failure.chain));
  return (
    requested
      .map((chain) => (result.appliedEffects!.includes(chain) ? `${chain} ok` : failed.has(chain) ? `${chain} FAILED` : `${chain} pending`))
      .join(', ') || '-'
  );
}

export function renderSummary(results: readonly FileResult[], waited: boolean): string {
  const rows = results.map((result) => [
    result.file,
    result.id ?? '-',
    result.kind ?? '-',
    effectsCell(result, waited),
    result.size === undefined ? '-' : formatBytes(result.size),
    formatDuration(result.timeMs),
    result.ok ? 'ok' : 'FAILED',
  ]);
  const table = renderTable(['file', 'id', 'kind', 'effects', 'size', 'time', 'status'], rows, [4, 5]);
  const details: string[] = [];
  for (const result of results) {
    const lines = [
      ...(waited ? (result.processedBy ?? []).map((p) => `  ${p.chain} step ${p.step} ${p.effect}: ${p.function} ${p.revision} on ${p.instance}`) : []),
      ...(result.failures ?? []).map((f) => `  ${f.chain} step ${f.step} ${f.effect} failed: ${f.reason}`),
      ...(result.error ? [`  error: ${result.error}`] : []),
    ];
    if (lines.length > 0) details.push(`${result.file}:`, ...lines);
  }
  const okCount = results.filter((result) => result.ok).length;
  const footer = `${okCount} of ${results.length} file(s) ok`;
  return [table, ...(details.length > 0 ? ['', ...details] : []), '', footer, ''].join('\n');
}
