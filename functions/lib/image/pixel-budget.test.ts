import { describe, expect, it } from 'vitest';
import { PixelBudget } from './pixel-budget.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PixelBudget', () => {
  it('should run work side by side while it fits, and hold the rest in arrival order', async () => {
    const budget = new PixelBudget(50);
    const running = new Set<string>();
    const peaks: number[] = [];
    const gates = { a: deferred(), b: deferred(), c: deferred() };
    const job = (name: keyof typeof gates, pixels: number) =>
      budget.run(pixels, async () => {
        running.add(name);
        peaks.push(running.size);
        await gates[name].promise;
        running.delete(name);
        return name;
      });
    const a = job('a', 24);
    const b = job('b', 24);
    const c = job('c', 24);
    await new Promise((resolve) => setImmediate(resolve));
    expect([...running]).toEqual(['a', 'b']);
    gates.a.resolve();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    expect([...running]).toEqual(['b', 'c']);
    gates.b.resolve();
    gates.c.resolve();
    expect(await Promise.all([b, c])).toEqual(['b', 'c']);
    expect(Math.max(...peaks)).toBe(2);
  });

  it('should still run one image larger than the whole budget, alone', async () => {
    const budget = new PixelBudget(10);
    expect(await budget.run(40, async () => 'big')).toBe('big');
  });

  it('should release its share when the work fails', async () => {
    const budget = new PixelBudget(10);
    await expect(budget.run(10, async () => Promise.reject(new Error('bad image')))).rejects.toThrow('bad image');
    expect(await budget.run(10, async () => 'next')).toBe('next');
  });
});
