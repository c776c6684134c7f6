// Peak RSS of the current process, in MB. Linux keeps getrusage's ru_maxrss across exec, so a child spawned by a big
// parent (the bench runner, after the memory benches) would report the parent's peak: /proc/self/status VmHWM belongs
// to this process alone. Shared by every child a bench measures, so all figures are taken the same way.
'use strict';
const { readFileSync } = require('node:fs');

function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: ru_maxrss (kilobytes)
  }
  return process.resourceUsage().maxRSS / 1024;
}

module.exports = { peakRssMb };
