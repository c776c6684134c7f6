// Baseline for the validate memory bench: a bare readline + JSON.parse loop keeping every custom_id in a Set,
// the least a duplicate check can hold. Plain Node (no tsx), like the built CLI it is compared with.
'use strict';
const { createReadStream } = require('node:fs');
const { createInterface } = require('node:readline');

(async () => {
  const ids = new Set();
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })) {
    if (!line) continue;
    const v = JSON.parse(line);
    if (typeof v.custom_id === 'string') ids.add(v.custom_id);
    n++;
  }
  if (ids.size !== n) throw new Error(`expected ${n} distinct ids, got ${ids.size}`);
})();
