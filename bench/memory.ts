/** Peak RSS of the pipeline's function instances while a task runs (sampled every 20 ms from /proc). */
import type { LocalPipeline } from '../local/runtime.js';
import { round, rssMiB } from './stats.js';

export async function peakRssDuring(pipeline: LocalPipeline, task: () => Promise<void>): Promise<Record<string, number>> {
  const peak: Record<string, number> = {};
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const [name, runner] of pipeline.services) {
        for (const instance of runner.status().instances) {
          const rss = await rssMiB(instance.pid!);
          if (rss !== undefined) peak[name] = round(Math.max(peak[name] ?? 0, rss));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await task();
  } finally {
    sampling = false;
    await sampler;
  }
  return peak;
}

/** RSS of each service's busiest warm instance now. */
export async function warmRss(pipeline: LocalPipeline): Promise<Record<string, number>> {
  const warm: Record<string, number> = {};
  for (const [name, runner] of pipeline.services) {
    const sizes = await Promise.all(runner.status().instances.map((i) => rssMiB(i.pid!)));
    const known = sizes.filter((s): s is number => s !== undefined);
    if (known.length) warm[name] = round(Math.max(...known));
  }
  return warm;
}
