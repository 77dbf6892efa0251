/** Function logs (pino JSON) as one readable line each in the runtime's output. */
export function formatInstanceLine(line: string, instance: string, verbose = false): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `[${instance}] ${line}`;
  }
  const level = Number(entry['level'] ?? 30);
  if (!verbose && level < 30) return undefined;
  const name = level >= 50 ? 'ERROR' : level >= 40 ? 'WARN ' : level >= 30 ? 'INFO ' : 'DEBUG';
  const fields = ['type', 'id', 'outcome', 'reply', 'ms', 'reason']
    .filter((key) => entry[key] !== undefined)
    .map((key) => `${key}=${String(entry[key])}`)
    .join(' ');
  return `[${instance}] ${name} ${String(entry['msg'] ?? '')} ${fields}`.trimEnd();
}
