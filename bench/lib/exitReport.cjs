// Preloaded with `node -r` into a CLI process: at exit, writes its peak RSS and the dist/vendor files it loaded
// (the split SDKs and encodings) as JSON to the file named by BW_EXIT_REPORT. Same cost for every command measured.
'use strict';
const { writeFileSync } = require('node:fs');
const { peakRssMb } = require('./peakRss.cjs');
const { sep } = require('node:path');

process.on('exit', () => {
  const marker = `${sep}dist${sep}vendor${sep}`;
  const vendor = Object.keys(require.cache)
    .filter((k) => k.includes(marker))
    .map((k) => k.slice(k.lastIndexOf(sep) + 1))
    .sort();
  writeFileSync(process.env.BW_EXIT_REPORT, JSON.stringify({ maxRssMb: peakRssMb(), vendor }));
});
