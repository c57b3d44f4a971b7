/**
 * Counts invocation starts in a sliding window, like DigitalOcean's per-minute limit. `scale`
 * shortens the minute for benchmarks against a host running on a scaled clock.
 */
export class StartPacer {
  private readonly starts: number[] = [];
  private peak = 0;

  constructor(
    private readonly perMinute: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Ms to wait before another start fits in the window (0: start now). */
  waitMs(): number {
    this.prune();
    if (this.starts.length < this.perMinute) return 0;
    return Math.max(1, this.starts[0]! + this.windowMs - this.now());
  }

  /** Records one accepted start. */
  record(): void {
    this.prune();
    this.starts.push(this.now());
    this.peak = Math.max(this.peak, this.starts.length);
  }

  /** Most starts seen in any window. */
  get peakPerWindow(): number {
    return this.peak;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.starts.length > 0 && this.starts[0]! <= cutoff) this.starts.shift();
  }
}
