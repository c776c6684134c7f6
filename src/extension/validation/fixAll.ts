import type { Fix, TextEdit } from '../../core/diagnostics';
import { comparePositions } from './ranges';

export interface MergedFixes {
  /** Edits of every accepted fix, sorted by position, none overlapping. */
  edits: TextEdit[];
  /** How many fixes were accepted whole. */
  applied: number;
  /** Fixes left out because one of their edits touched text another accepted fix already changes. */
  skipped: number;
}

/**
 * Merges many quick fixes into one edit for "Fix all ... in this file". A fix is taken whole or not at
 * all: applying half of a fix (say, a key without its value) would leave the line broken. Edits that
 * overlap an accepted edit, or insert at the same point, make their fix skipped; identical edits (two
 * fixes that both delete the same BOM) count once. Skipped problems stay and can be fixed next round.
 */
export function mergeFixes(fixes: readonly Fix[]): MergedFixes {
  const accepted: TextEdit[] = [];
  let applied = 0;
  let skipped = 0;
  for (const fix of fixes) {
    const fresh: TextEdit[] = [];
    let conflict = false;
    for (const edit of fix.edits) {
      if (accepted.some((a) => sameEdit(a, edit)) || fresh.some((a) => sameEdit(a, edit))) continue;
      if (accepted.some((a) => overlaps(a, edit)) || fresh.some((a) => overlaps(a, edit))) {
        conflict = true;
        break;
      }
      fresh.push(edit);
    }
    if (conflict) {
      skipped++;
      continue;
    }
    accepted.push(...fresh);
    applied++;
  }
  accepted.sort((a, b) => comparePositions(a.line, a.column, b.line, b.column) || comparePositions(a.endLine, a.endColumn, b.endLine, b.endColumn));
  return { edits: accepted, applied, skipped };
}

function sameEdit(a: TextEdit, b: TextEdit): boolean {
  return a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn && a.text === b.text;
}

/**
 * Two edits conflict when their ranges share text, or when both start at the same point (two inserts
 * at one position would land in an order the user cannot predict). Touching ranges (one ends where
 * the other starts) are fine.
 */
function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (comparePositions(a.line, a.column, b.line, b.column) === 0) return true;
  const aEndsBeforeB = comparePositions(a.endLine, a.endColumn, b.line, b.column) <= 0;
  const bEndsBeforeA = comparePositions(b.endLine, b.endColumn, a.line, a.column) <= 0;
  return !(aEndsBeforeB || bEndsBeforeA);
}
