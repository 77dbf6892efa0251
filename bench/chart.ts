/** A small SVG line chart of latency percentiles over load, with no dependencies. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { x: string; y: number }[];
}

export function latencyChart(title: string, series: readonly Series[]): string {
  const width = 640;
  const height = 360;
  const pad = { left: 60, right: 120, top: 40, bottom: 50 };
  const labels = series[0]?.points.map((p) => p.x) ?? [];
  const maxY = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.y))) * 1.1;
  const x = (i: number) => pad.left + (labels.length <= 1 ? 0 : (i / (labels.length - 1)) * (width - pad.left - pad.right));
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const ticks = Array.from({ length: 5 }, (_, i) => (maxY / 4) * i);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    ...ticks.map((t) => `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${pad.left - 8}" y="${y(t) + 4}" text-anchor="end">${Math.round(t)} ms</text>`),
    ...labels.map((label, i) => `<text x="${x(i)}" y="${height - pad.bottom + 20}" text-anchor="middle">${label}</text>`),
    ...series.map((s, n) => {
      const path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
      const dots = s.points.map((p, i) => `<circle cx="${x(i)}" cy="${y(p.y)}" r="3" fill="${s.color}"/>`).join('');
      return `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}<text x="${width - pad.right + 10}" y="${pad.top + 16 * n + 10}" fill="${s.color}">${s.name}</text>`;
    }),
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle">concurrent uploads in the background</text>`,
    '</svg>',
  ];
  return parts.join('\n');
}
