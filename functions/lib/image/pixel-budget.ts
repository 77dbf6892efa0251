/**
 * Bounds how many pixels one instance decodes at once, so containerConcurrency large images do
 * not multiply its memory: four 24 MP JPEGs at once took a blur instance to ~840 MiB. Work is
 * admitted in arrival order while it fits the budget; one image larger than the whole budget
 * still runs, alone.
 */
export class PixelBudget {
  private inUse = 0;
  private readonly waiting: { pixels: number; admit: () => void }[] = [];

  constructor(readonly capacity: number) {}

  async run<T>(pixels: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(pixels);
    try {
      return await work();
    } finally {
      this.inUse -= pixels;
      this.admitWaiting();
    }
  }

  private acquire(pixels: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(pixels)) {
      this.inUse += pixels;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ pixels, admit: resolve }));
  }

  private fits(pixels: number): boolean {
    return this.inUse === 0 || this.inUse + pixels <= this.capacity;
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.pixels)) {
      const next = this.waiting.shift()!;
      this.inUse += next.pixels;
      next.admit();
    }
  }
}
