import { jsonRequestOf } from './quality';
import { isJsonObject } from '../json';

/** A request line rendered as a conversation for the detail pane, plus what the diff and schema check need. */
export interface Turn {
  role: string;
  text: string;
  /** Tool calls / tool uses / function calls, pretty-printed JSON. */
  toolCalls?: string[];
}

export interface Conversation {
  turns: Turn[];
  /** The text the output is diffed against: the last user turn (rewrite, translation, extraction jobs). */
  lastUserText: string;
  model?: string;
  /** JSON schema the output must follow (`response_format` json_schema, Responses `text.format`, Gemini `responseSchema`). */
  jsonSchema?: unknown;
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** Text of an OpenAI / Anthropic / Gemini content value (string, blocks or parts), tool calls split out. */
function contentText(content: unknown, calls: string[]): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : pretty(content);
  const texts: string[] = [];
  for (const b of content) {
    if (typeof b === 'string') texts.push(b);
    else if (!isJsonObject(b)) continue;
    else if (typeof b.text === 'string') texts.push(b.text);
    else if (b.type === 'tool_use' || b.functionCall || b.function_call) calls.push(pretty(b.type === 'tool_use' ? { name: b.name, input: b.input } : (b.functionCall ?? b.function_call)));
    else if (b.type === 'tool_result') texts.push(contentText(b.content, calls));
    else if (b.functionResponse) texts.push(pretty(b.functionResponse));
    else if (b.type === 'image_url' || b.type === 'image' || b.type === 'input_image' || b.inlineData || b.inline_data) texts.push('[image]');
    else texts.push(pretty(b));
  }
  return texts.join('\n');
}

function messagesTurns(messages: unknown): Turn[] {
  if (!Array.isArray(messages)) return [];
  return messages.filter(isJsonObject).map((m) => {
    const calls: string[] = [];
    const text = contentText(m.content ?? m.parts, calls);
    if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls) calls.push(pretty(isJsonObject(c) && isJsonObject(c.function) ? c.function : c));
    const role = m.role === 'model' ? 'assistant' : typeof m.role === 'string' ? m.role : 'user';
    return calls.length ? { role, text, toolCalls: calls } : { role, text };
  });
}

/** Parses an input line of any provider format; a line that is not a request gives its raw text as one user turn. */
export function conversationOf(lineText: string): Conversation {
  let v: unknown;
  try {
    v = JSON.parse(lineText);
  } catch {
    return { turns: [{ role: 'user', text: lineText }], lastUserText: lineText };
  }
  const o = isJsonObject(v) ? v : {};
  const turns: Turn[] = [];
  let model: string | undefined;
  if (isJsonObject(o.body)) {
    // OpenAI batch line (also the self-hosted runner): chat, responses, completions, embeddings.
    const b = o.body;
    model = typeof b.model === 'string' ? b.model : undefined;
    if (typeof b.instructions === 'string') turns.push({ role: 'system', text: b.instructions });
    if (Array.isArray(b.messages)) turns.push(...messagesTurns(b.messages));
    else if (typeof b.input === 'string') turns.push({ role: 'user', text: b.input });
    else if (Array.isArray(b.input) && b.input.every((x) => typeof x === 'string')) turns.push({ role: 'user', text: (b.input as string[]).join('\n') });
    else if (Array.isArray(b.input)) turns.push(...messagesTurns(b.input));
    else if (typeof b.prompt === 'string') turns.push({ role: 'user', text: b.prompt });
  } else if (isJsonObject(o.params)) {
    // Anthropic Message Batches line.
    const p = o.params;
    model = typeof p.model === 'string' ? p.model : undefined;
    if (p.system !== undefined) turns.push({ role: 'system', text: contentText(p.system, []) });
    turns.push(...messagesTurns(p.messages));
  } else if (isJsonObject(o.request)) {
    // Gemini batch line.
    const r = o.request;
    model = typeof r.model === 'string' ? r.model : undefined;
    const si = r.systemInstruction ?? r.system_instruction;
    if (isJsonObject(si)) turns.push({ role: 'system', text: contentText(si.parts, []) });
    turns.push(...messagesTurns(r.contents));
  } else {
    turns.push({ role: 'user', text: lineText });
  }
  // The schema, wherever the provider's format puts it (one reading, shared with the quality check).
  const jsonSchema = jsonRequestOf(o).schema;
  const lastUser = [...turns].reverse().find((t) => t.role === 'user');
  return { turns, lastUserText: lastUser?.text ?? '', ...(model ? { model } : {}), ...(jsonSchema !== undefined ? { jsonSchema } : {}) };
}
