import { createHash } from 'node:crypto';
import { stripMarkers } from './markers';

/**
 * Deterministic replies. The rule tests rely on:
 *
 *   prompt  = the text of the request's last user message (text parts joined with "\n"), markers included
 *   hash    = first 8 hex digits of SHA-256(prompt)
 *   reply   = `${transform(prompt without markers)} [emu:${hash}]`
 *
 * transform, by the prompt's leading instruction (case-insensitive):
 *   "Translate to French: X"  -> X with common English words replaced by French ones (see FRENCH)
 *   "Rewrite: X"              -> X with common words replaced by synonyms (see SYNONYMS), first letter capitalised,
 *                                ending with "."
 *   "Uppercase: X"            -> X in upper case
 *   "Summarize: X"            -> the first 8 words of X followed by "..."
 *   "Classify: X"             -> "positive", "negative" or "neutral" from a few keywords
 *   anything else             -> "Echo: " + the prompt (at most 200 characters)
 * Token usage: input = ceil(characters of all the request's message text / 4), output = ceil(reply length / 4),
 * each at least 1.
 */
export function promptHash(prompt: string): string {
  return createHash('sha256').update(prompt).digest('hex').slice(0, 8);
}

export function replyText(prompt: string): string {
  return `${transform(stripMarkers(prompt))} [emu:${promptHash(prompt)}]`;
}

/** What a `[[truncate]]` answer keeps: the words of the reply that fit in `limit` tokens (at least one, never all). */
export function truncatedReply(text: string, limit: number | undefined): string {
  const words = text.split(' ');
  return words.slice(0, Math.max(1, Math.min(words.length - 1, Math.floor(((limit ?? 16) * 3) / 4)))).join(' ');
}

export function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** A unit-length vector derived from the text; `dimensions` defaults to 8. */
export function embeddingVector(text: string, dimensions = 8): number[] {
  const values: number[] = [];
  let block = 0;
  while (values.length < dimensions) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) values.push(digest.readUInt16BE(i) / 32767.5 - 1);
    block += 1;
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

/** Text of a message `content` in any of the providers' shapes: a string, or parts carrying `text`. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'string' ? part : typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .filter((t) => t.length > 0)
      .join('\n');
  }
  return '';
}

/** The last user message's text, and all message text (for the token estimate). */
export function promptOfMessages(messages: unknown, userRole = 'user', contentKey = 'content'): { prompt: string; allText: string } {
  if (!Array.isArray(messages)) return { prompt: '', allText: '' };
  let prompt = '';
  const all: string[] = [];
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue;
    const msg = m as Record<string, unknown>;
    const text = contentText(msg[contentKey]);
    all.push(text);
    if (msg.role === undefined || msg.role === userRole) prompt = text;
  }
  return { prompt: prompt || all.join('\n'), allText: all.join('\n') };
}

function transform(prompt: string): string {
  const match = /^\s*([a-z][a-z ]{0,30}?)\s*:\s*([\s\S]*)$/i.exec(prompt);
  const instruction = match?.[1].toLowerCase().trim() ?? '';
  const rest = match?.[2].trim() ?? '';
  if (/^translate( this)? (in)?to french$/.test(instruction)) return replaceWords(rest, FRENCH);
  if (instruction === 'rewrite') return sentence(replaceWords(rest, SYNONYMS));
  if (instruction === 'uppercase' || instruction === 'upper case') return rest.toUpperCase();
  if (instruction === 'summarize' || instruction === 'summarise') return `${rest.split(/\s+/).slice(0, 8).join(' ')}...`;
  if (instruction === 'classify' || instruction === 'classify sentiment') return classify(rest);
  return `Echo: ${prompt.length > 200 ? `${prompt.slice(0, 200)}...` : prompt}`;
}

function replaceWords(text: string, table: Record<string, string>): string {
  return text.replace(/[A-Za-z']+/g, (word) => {
    const mapped = table[word.toLowerCase()];
    if (mapped === undefined) return word;
    return word[0] === word[0].toUpperCase() ? mapped[0].toUpperCase() + mapped.slice(1) : mapped;
  });
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function classify(text: string): string {
  const t = text.toLowerCase();
  if (/\b(good|great|love|excellent|happy|wonderful|best)\b/.test(t)) return 'positive';
  if (/\b(bad|terrible|hate|awful|sad|worst|poor)\b/.test(t)) return 'negative';
  return 'neutral';
}

const FRENCH: Record<string, string> = {
  hello: 'bonjour', hi: 'salut', goodbye: 'au revoir', world: 'monde', the: 'le', a: 'un', an: 'un', and: 'et', or: 'ou',
  is: 'est', are: 'sont', i: 'je', you: 'vous', we: 'nous', they: 'ils', he: 'il', she: 'elle', it: 'il', my: 'mon',
  your: 'votre', cat: 'chat', dog: 'chien', house: 'maison', car: 'voiture', book: 'livre', water: 'eau', bread: 'pain',
  good: 'bon', bad: 'mauvais', big: 'grand', small: 'petit', red: 'rouge', blue: 'bleu', green: 'vert', white: 'blanc',
  black: 'noir', yes: 'oui', no: 'non', thank: 'merci', thanks: 'merci', please: "s'il vous plaît", morning: 'matin',
  night: 'nuit', day: 'jour', love: 'aime', like: 'aime', eat: 'mange', see: 'vois', have: 'ai', has: 'a', with: 'avec',
  in: 'dans', on: 'sur', of: 'de', to: 'à', for: 'pour', not: 'pas', very: 'très', friend: 'ami', time: 'temps',
};

const SYNONYMS: Record<string, string> = {
  big: 'large', small: 'little', fast: 'quick', quick: 'fast', good: 'great', bad: 'poor', happy: 'glad', sad: 'unhappy',
  begin: 'start', start: 'begin', end: 'finish', use: 'utilize', help: 'assist', buy: 'purchase', show: 'display',
  get: 'obtain', need: 'require', try: 'attempt', very: 'really', many: 'numerous', often: 'frequently', smart: 'clever',
  easy: 'simple', hard: 'difficult', old: 'aged', new: 'fresh', important: 'crucial', maybe: 'perhaps',
};
