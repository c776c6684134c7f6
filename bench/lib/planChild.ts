// A child of the split bench: plans the parts of a file (`plan`, count and bytes; `tokens`, with an enqueued-token
// budget too) or runs the bare streaming pass it is compared with (`bare`: every line read, its bytes counted).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { planParts } from '../../src/core/split';
import { enqueuedTokenCounter } from '../../src/core/enqueuedTokens';

async function main(): Promise<void> {
  const [file, mode] = process.argv.slice(2);
  if (mode === 'bare') {
    let bytes = 0;
    for await (const line of createInterface({ input: createReadStream(file!), crlfDelay: Infinity })) bytes += Buffer.byteLength(line) + 1;
    if (bytes === 0) throw new Error('empty file');
    return;
  }
  const limits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 };
  const parts = await planParts(file!, mode === 'tokens' ? { ...limits, maxTokens: { budget: 2_000_000, of: await enqueuedTokenCounter('openai') } } : limits);
  if (parts.length === 0) throw new Error('no parts');
}

void main();
