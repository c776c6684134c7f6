import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../core/webhooks/standardWebhooks';
import type { PipelineService, ServiceLog } from './service';

/** A webhook body larger than this is refused: provider events are a few hundred bytes. */
const MAX_BODY = 1024 * 1024;

/** Event types that mean "this batch ended" (OpenAI: platform.openai.com/docs/guides/webhooks; Gemini: PROVIDER-FACTS.md). */
const END_EVENTS: Record<'openai' | 'gemini', ReadonlySet<string>> = {
  openai: new Set(['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled']),
  gemini: new Set(['batch.succeeded', 'batch.failed', 'batch.expired', 'batch.cancelled']),
};

/** Only the webhook ids seen lately are remembered: enough to drop a provider's redelivery of the same event. */
const SEEN_IDS_KEPT = 5000;

export interface ServeHttpOptions {
  host: string;
  port: number;
  service: PipelineService;
  /** The `whsec_` secrets a webhook may be signed with, per provider (more than one while a secret is rotated). */
  secrets: Record<'openai' | 'gemini', readonly string[]>;
  log: (entry: ServiceLog) => void;
  startedAt: Date;
}

/** The batch id an end event names: OpenAI `data.id` (`batch_...`); Gemini the batch's resource name. */
export function batchIdOf(provider: 'openai' | 'gemini', event: unknown): string | undefined {
  const data = (event as { data?: Record<string, unknown> } | null)?.data;
  if (!data || typeof data !== 'object') return undefined;
  const candidates = provider === 'openai' ? [data.id] : [data.name, data.batch, (data.batch as { name?: unknown } | undefined)?.name, data.id];
  const id = candidates.find((c): c is string => typeof c === 'string' && c.length > 0);
  if (provider === 'gemini' && id && !id.startsWith('batches/')) return `batches/${id}`;
  return id;
}

/** `GET /healthz`, `POST /webhooks/openai`, `POST /webhooks/gemini`. */
export async function startServeHttp(opts: ServeHttpOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const seen = new Set<string>();
  const remember = (id: string) => {
    seen.add(id);
    if (seen.size > SEEN_IDS_KEPT) seen.delete(seen.values().next().value!);
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      opts.log({ level: 'error', event: 'http_error', message: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'GET /healthz' });
      const s = opts.service;
      return send(res, 200, { ok: true, startedAt: opts.startedAt.toISOString(), lastTickAt: s.lastTickAt?.toISOString() ?? null, pipelines: s.pipelines.length, running: s.pipelines.filter((p) => p.running).length });
    }
    const m = /^\/webhooks\/(openai|gemini)$/.exec(path ?? '');
    if (!m) return send(res, 404, { error: 'not found: GET /healthz, POST /webhooks/openai, POST /webhooks/gemini' });
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    const provider = m[1] as 'openai' | 'gemini';
    const secrets = opts.secrets[provider];
    if (!secrets.length) {
      opts.log({ level: 'warn', event: 'webhook_refused', provider, reason: 'no_secret' });
      return send(res, 503, { error: `no webhook secret for ${provider}: set BATCHWISE_WEBHOOK_SECRET (or ${provider.toUpperCase()}_WEBHOOK_SECRET) to the whsec_ secret of the endpoint` });
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { error: `body over ${MAX_BODY} bytes` });
    const verified = verifyWebhook(secrets, req.headers, body);
    if (!verified.ok) {
      opts.log({ level: 'warn', event: 'webhook_refused', provider, reason: verified.reason });
      return send(res, 401, { error: verified.message });
    }
    if (seen.has(verified.id)) return send(res, 200, { ok: true, duplicate: true });
    remember(verified.id);
    let event: { type?: unknown };
    try {
      event = JSON.parse(body.toString('utf8')) as { type?: unknown };
    } catch {
      return send(res, 400, { error: 'the body is not JSON' });
    }
    const type = typeof event.type === 'string' ? event.type : '';
    const batch = batchIdOf(provider, event);
    opts.log({ level: 'info', event: 'webhook_received', provider, type, batch: batch ?? null, webhookId: verified.id });
    // Answer at once (providers retry a slow endpoint); the refresh runs after.
    send(res, 200, { ok: true });
    if (!END_EVENTS[provider].has(type) || !batch) return;
    await opts.service.batchEnded(provider, batch).catch((err: unknown) => opts.log({ level: 'error', event: 'webhook_refresh_failed', provider, batch, message: err instanceof Error ? err.message : String(err) }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
