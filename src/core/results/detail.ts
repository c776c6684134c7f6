import type { TokenUsage, LineOutcome } from '../status';
import { conversationOf, type Turn } from './conversation';
import { readRange } from './export';
import type { MergedRow } from './rows';
import { textsOfLine } from './recordReader';
import { checkJsonSchema, parseJsonOutput } from './schemaCheck';
import { imagesOf, type OutputImage } from './images';
import type { Quality } from './quality';

const RAW_MAX_CHARS = 200_000;

/** Everything the detail pane shows for one row (the shape of the protocol's Detail). */
export interface RowDetail {
  index: number;
  line: number;
  customId: string;
  outcome: LineOutcome;
  jobId: string;
  attempt: number;
  turns: Turn[];
  lastUserText: string;
  output?: string;
  outputJson?: string;
  schemaErrors: string[] | null;
  error?: string;
  usage?: TokenUsage;
  raw?: string;
  /** Images the provider returned inline (image generation): shown as images, not base64 text. */
  images?: OutputImage[];
  /** Why a succeeded line is flagged (truncated, empty, refused) and the provider's reason. */
  quality?: { quality: Exclude<Quality, 'ok'>; reason?: string };
}

/**
 * Reads the row's original input line and its full result record back from disk (only the selected row is
 * ever read whole), renders the input as a conversation, pretty-prints JSON output and checks it against
 * the request's JSON schema.
 */
export async function rowDetail(row: MergedRow, index: number, inputPath: string | undefined): Promise<RowDetail> {
  const inputText = inputPath ? await readRange(inputPath, row.input) : '';
  const convo = inputPath ? conversationOf(inputText) : { turns: [], lastUserText: '' };
  const texts = row.source ? textsOfLine(await readRange(row.source.path, row.source)) : {};
  const raw = texts.raw;
  const json = parseJsonOutput(texts.outputText);
  const schema = 'jsonSchema' in convo ? convo.jsonSchema : undefined;
  let schemaErrors: string[] | null = null;
  if (schema !== undefined && row.outcome === 'succeeded') schemaErrors = json ? checkJsonSchema(json.value, schema) : ['the output is not JSON'];
  let rawText = raw === undefined ? undefined : typeof raw === 'string' ? raw : JSON.stringify(raw, null, 2);
  if (rawText && rawText.length > RAW_MAX_CHARS) rawText = rawText.slice(0, RAW_MAX_CHARS) + '\n… (truncated)';
  const images = raw === undefined ? [] : imagesOf(raw);
  const error = texts.errorCode || texts.errorMessage ? [texts.errorCode, texts.errorMessage].filter(Boolean).join(': ') : undefined;
  return {
    index,
    line: row.line,
    customId: row.customId,
    outcome: row.outcome,
    jobId: row.jobId,
    attempt: row.attempt,
    turns: convo.turns,
    lastUserText: convo.lastUserText,
    ...(texts.outputText !== undefined ? { output: texts.outputText } : {}),
    ...(json ? { outputJson: JSON.stringify(json.value, null, 2) } : {}),
    schemaErrors,
    ...(error ? { error } : {}),
    ...(row.usage ? { usage: row.usage } : {}),
    ...(rawText !== undefined ? { raw: rawText } : {}),
    ...(images.length ? { images } : {}),
    ...(texts.quality && row.outcome === 'succeeded' ? { quality: texts.quality } : {}),
  };
}
