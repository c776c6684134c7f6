// Baseline for the build bench: a bare csv-parse streaming loop over the same file, each record made an object and
// JSON-serialized (the least a builder must do per row), nothing written. Plain Node, like the built CLI.
'use strict';
const { createReadStream } = require('node:fs');
const { parse } = require('csv-parse');

(async () => {
  let header;
  let bytes = 0;
  for await (const record of createReadStream(process.argv[2]).pipe(parse({ bom: true, skip_empty_lines: true }))) {
    if (!header) {
      header = record;
      continue;
    }
    const row = {};
    for (let i = 0; i < header.length; i++) row[header[i]] = record[i];
    bytes += JSON.stringify(row).length;
  }
  if (bytes === 0) throw new Error('no rows');
})();
