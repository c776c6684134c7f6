import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const WORDS = 'the a batch request model token summary translate classify extract invoice customer order shipping delay refund account password report quarter revenue growth churn market product review battery screen camera price quality support ticket meeting schedule contract clause payment due date supplier warehouse inventory forecast'.split(' ');

/** A deterministic pseudo-random text of about `chars` characters. */
function text(seed: number, chars: number): string {
  let s = seed >>> 0;
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const w = WORDS[s % WORDS.length]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}

/** Writes `lines` valid OpenAI chat batch lines of about `lineBytes` each, streamed (never held whole). */
export async function writeOpenAIFile(path: string, lines: number, lineBytes: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (let i = 1; i <= lines; i++) {
    const line =
      JSON.stringify({
        custom_id: `request-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: 'You write short, accurate summaries of business documents.' },
            { role: 'user', content: `Summarize in two sentences: ${text(i, lineBytes - 330)}` },
          ],
          max_tokens: 200,
          temperature: 0.2,
        },
      }) + '\n';
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
