// Child process baseline: a bare readline + JSON.parse loop, for its peak RSS next to the validator's.
import { peakRssMb } from './peakRss.cjs';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

async function main(): Promise<void> {
  const t = performance.now();
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(process.argv[2]!), crlfDelay: Infinity })) {
    if (line) {
      JSON.parse(line);
      n++;
    }
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t, maxRssMb: peakRssMb(), requests: n }) + '\n');
}

void main();
