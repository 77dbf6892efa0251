/**
 * Drives a running local pipeline the way a user does (HTTP uploads) and timestamps, from the
 * runtime's own delivery reports, the moment each upload's derivatives are all stored.
 */
import type { DeliveryReport } from '../local/eventing/dispatcher.js';
import type { LocalPipeline } from '../local/runtime.js';

export interface Tracked {
  readonly id: string;
  readonly started: number;
  /** When the last chain's `image.transformed` reply was stored in the broker. */
  readonly derivativesReady: Promise<number>;
}

export class Harness {
  private readonly pending = new Map<string, { chains: Set<string>; resolve: (at: number) => void }>();
  private readonly early = new Map<string, Set<string>>();
  readonly classifyMs: number[] = [];
  /** Event ids stats has taken in, and who waits for which. */
  private readonly counted = new Set<string>();
  private readonly countWaiters = new Map<string, () => void>();

  constructor(readonly pipeline: LocalPipeline) {
    pipeline.onReport((report) => this.onReport(report));
  }

  /** Resolves once stats has counted the file's classification and every chain's output: all its work is done. */
  settled(tracked: Tracked, chains: readonly string[]): Promise<void> {
    const ids = [`${tracked.id}:classified`, ...chains.map((chain) => `${tracked.id}:${chain}:transformed`)];
    return Promise.all(
      ids.map((id) => (this.counted.has(id) ? Promise.resolve() : new Promise<void>((resolve) => this.countWaiters.set(id, resolve)))),
    ).then(() => undefined);
  }

  private onReport(report: DeliveryReport): void {
    if (report.trigger === 'stats' && report.outcome === 'delivered') {
      this.counted.add(report.event.id);
      this.countWaiters.get(report.event.id)?.();
      this.countWaiters.delete(report.event.id);
    }
    if (report.trigger === 'classify' && report.outcome === 'delivered') this.classifyMs.push(report.ms);
    if (report.reply !== 'pipeline.image.transformed') return;
    const [id, chain] = report.event.id.split(':');
    const waiting = this.pending.get(id!);
    if (!waiting) {
      this.early.set(id!, new Set([...(this.early.get(id!) ?? []), chain!]));
      return;
    }
    waiting.chains.delete(chain!);
    if (waiting.chains.size === 0) {
      this.pending.delete(id!);
      waiting.resolve(performance.now());
    }
  }

  /** Uploads with the default effects (blur and grayscale of the original). */
  async upload(file: Buffer, name: string): Promise<Tracked> {
    const started = performance.now();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), name);
    const response = await fetch(`${this.pipeline.urls.upload}/files`, { method: 'POST', body: form });
    const body = (await response.json()) as { id: string; effects: string[][]; message?: string };
    if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${body.message}`);
    const chains = new Set(body.effects.map((chain) => chain.join('+')));
    for (const done of this.early.get(body.id) ?? []) chains.delete(done);
    this.early.delete(body.id);
    const derivativesReady = chains.size === 0 ? Promise.resolve(performance.now()) : new Promise<number>((resolve) => this.pending.set(body.id, { chains, resolve }));
    return { id: body.id, started, derivativesReady };
  }

  /** Uploads with no effects and returns once classify's answer is stored (one request in flight). */
  async uploadAndClassify(file: Buffer, name: string): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), name);
    const response = await fetch(`${this.pipeline.urls.upload}/files?effects=none&wait=30s`, { method: 'POST', body: form });
    await response.arrayBuffer();
  }

  async uploadAndWait(file: Buffer, name: string): Promise<number> {
    const tracked = await this.upload(file, name);
    return (await tracked.derivativesReady) - tracked.started;
  }
}

/** Runs `task` for each item with at most `concurrency` at once. */
export async function pool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}
