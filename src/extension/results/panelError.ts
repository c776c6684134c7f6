import { errorMessage } from '../errors';

/** What the sentence can name: the job's provider and where it is. */
export interface PanelErrorContext {
  provider?: string;
  baseUrl?: string;
  profile?: string;
}

const CONNECTION = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|fetch failed|Connection error|connect(ion)? refused|network/i;

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** A message without the provider's raw JSON body (`404 {"error":{...}}`), on one line, ending with a period. */
function plain(message: string): string {
  const text = message
    .replace(/\{[\s\S]*\}/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[\s:;,-]+$/, '')
    .trim();
  const short = text.length > 300 ? `${text.slice(0, 299)}…` : text;
  return short && !/[.!?…]$/.test(short) ? `${short}.` : short;
}

/**
 * The results panel's error: one sentence that says what happened and what to do, never a raw provider body
 * (a JSON error shown as is told the user nothing). Redacted like every text that leaves the extension.
 */
export function panelErrorSentence(err: unknown, ctx: PanelErrorContext = {}): string {
  const who = ctx.provider ?? 'the provider';
  const where = ctx.baseUrl ? ` at ${ctx.baseUrl}` : '';
  const status = statusOf(err);
  const message = errorMessage(err);
  if (status === 401 || status === 403) {
    return `${who} refused the API key${ctx.profile ? ` of profile "${ctx.profile}"` : ''} (HTTP ${status}): set it again with "Batchwise: Set API Key", then click Try Again.`;
  }
  if (status === 404) return `${who} no longer has this batch or its results (HTTP 404): the lines without a kept result can be sent again with Resubmit Failed.`;
  if (status === 429 || (status !== undefined && status >= 500)) return `${who} is busy or failing (HTTP ${status}) and the results could not be downloaded: click Try Again in a few minutes.`;
  if (CONNECTION.test(message)) return `Batchwise could not reach ${who}${where}: check that it is running (the sandbox: "Batchwise: Start Sandbox"), then click Try Again.`;
  const text = plain(message);
  return text ? `The results could not be loaded: ${/^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text} See the Batchwise log for details.` : 'The results could not be loaded; see the Batchwise log for details, then click Try Again.';
}
