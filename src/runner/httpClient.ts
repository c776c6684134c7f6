import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export class HttpTimeoutError extends Error {
  constructor(ms: number) {
    super(`request timed out after ${Math.round(ms / 1000)} s`);
    this.name = 'TimeoutError';
  }
}

/**
 * POSTs JSON over keep-alive connections for one run. node:http rather than fetch: the runner sends thousands of small
 * requests, and fetch's per-request AbortController and web-stream plumbing cost more than a fast local server takes
 * to answer. Cancel is one listener for the whole run that destroys the requests in flight.
 */
export class RunHttpClient {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly onAbort = () => {
    for (const req of this.inFlight) req.destroy(new Error('cancelled'));
  };

  constructor(
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  post(url: URL, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
    if (this.signal?.aborted) return Promise.reject(new Error('cancelled'));
    const lib = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.agents['https:'] : this.agents['http:'];
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = lib.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      this.inFlight.add(req);
      req.on('close', () => this.inFlight.delete(req));
      // The whole exchange, not socket idleness: a server stuck mid-answer is given up on too.
      const timer = setTimeout(() => req.destroy(new HttpTimeoutError(this.timeoutMs)), this.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onAbort();
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}
