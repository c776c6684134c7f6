// Child process for the validate bench: validates one file and reports its time and its own peak RSS.
import { peakRssMb } from './peakRss.cjs';
import { validateFile, errorCount } from '../../src/core/validate';

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const t = performance.now();
  const r = await validateFile(file);
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: peakRssMb(), requests: r.requests, errors: errorCount(r) }) + '\n');
}

void main();
