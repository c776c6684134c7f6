// The baseline of the results memory bench, in plain JavaScript (no TypeScript loader in the process): a bare
// streaming join. A Map of the input's custom_ids to line numbers, the output file streamed past it, one record
// written per result. Usage: node bareJoin.mjs <input> <output.jsonl> <out>; prints {ms, maxRssMb}.
import { createRequire } from 'node:module';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
const { peakRssMb } = createRequire(import.meta.url)('./peakRss.cjs');

const [input, output, out] = process.argv.slice(2);
const t = performance.now();
const byId = new Map();
let n = 0;
for await (const line of createInterface({ input: createReadStream(input), crlfDelay: Infinity })) {
  n++;
  if (line) byId.set(JSON.parse(line).custom_id, n);
}
const w = createWriteStream(out);
for await (const line of createInterface({ input: createReadStream(output), crlfDelay: Infinity })) {
  if (!line) continue;
  const v = JSON.parse(line);
  const body = v.response?.body;
  const ok = v.response?.status_code === 200 && !body?.error;
  const record = {
    customId: v.custom_id,
    line: byId.get(v.custom_id) ?? 0,
    outcome: ok ? 'succeeded' : 'errored',
    outputText: ok ? body.choices?.[0]?.message?.content : undefined,
    raw: v,
    errorCode: ok ? undefined : body?.error?.code,
    errorMessage: ok ? undefined : body?.error?.message,
    usage: ok ? { inputTokens: body.usage.prompt_tokens, outputTokens: body.usage.completion_tokens } : undefined,
    jobId: 'j',
    attempt: 1,
  };
  if (!w.write(JSON.stringify(record) + '\n')) await once(w, 'drain');
}
w.end();
await once(w, 'finish');
process.stdout.write(JSON.stringify({ ms: performance.now() - t, maxRssMb: peakRssMb() }) + '\n');
