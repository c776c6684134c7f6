import type { Node } from 'jsonc-parser';
import type { Fix, TextEdit } from '../diagnostics';
import type { JsonPath, LineLocator } from '../jsonLocate';
import type { ProviderId } from '../status';
import { nearest } from './nearest';
import type { LineContext } from './sink';

/** What one schema issue is about, enough to pick a quick fix for it. */
export interface IssueFacts {
  provider: ProviderId;
  code: string;
  /** Path of the request section (`['body']`, `['params']`, `['request']`). */
  prefix: JsonPath;
  /** Path of the wrong value inside the section. */
  rel: readonly (string | number)[];
  section: unknown;
  value: unknown;
  missing: boolean;
  /** The allowed values when the schema lists them (an enum). */
  allowed?: readonly unknown[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The quick fix for a schema issue, when one edit makes the value right. */
export function schemaFix(ctx: LineContext, l: LineLocator, f: IssueFacts): Fix | undefined {
  const path: JsonPath = [...f.prefix, ...f.rel];
  const key = f.rel[f.rel.length - 1];
  if (f.code === 'invalid-max-tokens' && typeof f.value === 'string' && /^\s*\d+\s*$/.test(f.value) && Number(f.value) > 0) {
    const n = String(Number(f.value));
    return ctx.replace(`Write ${String(key)} as the number ${n}`, l.valueRange(path), n);
  }
  if (f.code === 'invalid-role' && typeof f.value === 'string') {
    if (f.provider === 'anthropic' && f.value === 'system') return moveSystemMessage(ctx, l, f);
    const roles = (f.allowed ?? []).filter((v): v is string => typeof v === 'string');
    if (!roles.length) return undefined;
    // Gemini's assistant is "model"; the edit distance alone would pick "user".
    const role = f.provider === 'gemini' && f.value.toLowerCase() === 'assistant' && roles.includes('model') ? 'model' : nearest(f.value, roles);
    return ctx.replace(`Change the role to "${role}"`, l.valueRange(path), JSON.stringify(role));
  }
  if (f.code === 'invalid-system' && f.rel.length === 1 && !f.missing) {
    const text = systemText(f.value);
    return text === undefined ? undefined : ctx.replace('Write system as a string', l.valueRange(path), JSON.stringify(text));
  }
  return undefined;
}

/** The text of a system prompt given as a number, `{text}`, or an array of strings / text blocks. */
function systemText(v: unknown): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObj(v) && typeof v.text === 'string') return v.text;
  if (Array.isArray(v) && v.length > 0) {
    const parts = v.map((p) => (typeof p === 'string' ? p : isObj(p) && typeof p.text === 'string' ? p.text : undefined));
    return parts.every((p): p is string => p !== undefined) ? parts.join('\n\n') : undefined;
  }
  return undefined;
}

/**
 * Anthropic takes the system prompt in `params.system`, never as a message: delete the message and put
 * its content in `system` (appended to a string `system` already there). Two edits on the line.
 */
function moveSystemMessage(ctx: LineContext, l: LineLocator, f: IssueFacts): Fix | undefined {
  const index = f.rel[f.rel.length - 2];
  if (typeof index !== 'number' || f.rel[f.rel.length - 3] !== 'messages' || !isObj(f.section)) return undefined;
  const message = (f.section.messages as unknown[] | undefined)?.[index];
  if (!isObj(message)) return undefined;
  const content = message.content;
  const text = typeof content === 'string' ? content : systemText(content);
  if (text === undefined) return undefined;
  const messagesPath: JsonPath = [...f.prefix, 'messages'];
  const del = deleteElement(ctx.line, l.node(messagesPath), index);
  if (!del) return undefined;
  const existing = f.section.system;
  let put: TextEdit;
  if (existing === undefined) {
    const ins = l.insertFirstProperty(f.prefix, 'system', JSON.stringify(text));
    if (!ins) return undefined;
    put = { line: ctx.line, column: ins.column, endLine: ctx.line, endColumn: ins.column, text: ins.text };
  } else if (typeof existing === 'string') {
    const r = l.valueRange([...f.prefix, 'system']);
    put = { line: ctx.line, column: r.column, endLine: ctx.line, endColumn: r.endColumn, text: JSON.stringify(existing ? `${existing}\n\n${text}` : text) };
  } else {
    return undefined;
  }
  return { title: 'Move the system message to "system"', edits: [put, del].sort((a, b) => a.column - b.column) };
}

/** Deletes element `index` of an array node with the comma that separates it from a neighbour. */
function deleteElement(line: number, array: Node | undefined, index: number): TextEdit | undefined {
  const items = array?.type === 'array' ? (array.children ?? []) : [];
  const el = items[index];
  if (!el) return undefined;
  const prev = items[index - 1];
  const next = items[index + 1];
  // Columns are 1-based; node offsets 0-based.
  const start = prev ? prev.offset + prev.length : el.offset;
  const end = prev ? el.offset + el.length : next ? next.offset : el.offset + el.length;
  return { line, column: start + 1, endLine: line, endColumn: end + 1, text: '' };
}
