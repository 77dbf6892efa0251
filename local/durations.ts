/** Durations as Knative writes them: Go style in annotations (`30s`, `1m30s`), ISO-8601 in delivery specs (`PT0.2S`). */

const GO_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseKnativeDuration(text: string): number | undefined {
  if (/^P/i.test(text)) return parseIsoDuration(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * GO_UNIT_MS[p[2]!]!, 0));
}

/** ISO-8601 durations with days and time parts (`P1D`, `PT2M`, `PT0.5S`). */
export function parseIsoDuration(text: string): number | undefined {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (!match || text.toUpperCase() === 'P' || text.toUpperCase().endsWith('T')) return undefined;
  const [, d, h, m, s] = match;
  return Math.round((Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000);
}
