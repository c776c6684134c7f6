/** Requests/s, tokens/s and ETA over a sliding window, so the figures follow the current pace. */
export class Throughput {
  private readonly samples: { t: number; requests: number; tokens: number }[] = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(tokens: number): void {
    const t = this.now();
    this.samples.push({ t, requests: 1, tokens });
    this.trim(t);
  }

  private trim(t: number): void {
    while (this.samples.length > 0 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  rates(): { requestsPerSec: number; tokensPerSec: number } {
    const t = this.now();
    this.trim(t);
    if (this.samples.length === 0) return { requestsPerSec: 0, tokensPerSec: 0 };
    const span = Math.max(1000, t - this.samples[0]!.t) / 1000;
    let requests = 0;
    let tokens = 0;
    for (const s of this.samples) {
      requests += s.requests;
      tokens += s.tokens;
    }
    return { requestsPerSec: requests / span, tokensPerSec: tokens / span };
  }

  etaSeconds(remaining: number): number | null {
    const { requestsPerSec } = this.rates();
    return requestsPerSec > 0 ? Math.ceil(remaining / requestsPerSec) : null;
  }
}
