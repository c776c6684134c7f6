/** Requests/s, tokens/s and ETA over a sliding window, so the figures follow the current pace. O(1) per call. */
export class Throughput {
  private samples: { t: number; tokens: number }[] = [];
  private head = 0;
  private requests = 0;
  private tokens = 0;

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(tokens: number): void {
    const t = this.now();
    this.samples.push({ t, tokens });
    this.requests += 1;
    this.tokens += tokens;
    this.trim(t);
  }

  private trim(t: number): void {
    while (this.head < this.samples.length && t - this.samples[this.head]!.t > this.windowMs) {
      this.requests -= 1;
      this.tokens -= this.samples[this.head]!.tokens;
      this.head += 1;
    }
    // Compact now and then instead of shifting the array on every sample.
    if (this.head > 1024 && this.head * 2 > this.samples.length) {
      this.samples = this.samples.slice(this.head);
      this.head = 0;
    }
  }

  rates(): { requestsPerSec: number; tokensPerSec: number } {
    const t = this.now();
    this.trim(t);
    if (this.requests === 0) return { requestsPerSec: 0, tokensPerSec: 0 };
    const span = Math.max(1000, t - this.samples[this.head]!.t) / 1000;
    return { requestsPerSec: this.requests / span, tokensPerSec: this.tokens / span };
  }

  etaSeconds(remaining: number): number | null {
    const { requestsPerSec } = this.rates();
    return requestsPerSec > 0 ? Math.ceil(remaining / requestsPerSec) : null;
  }
}
