/**
 * Core diagnostics and edits are 1-based with an exclusive end column, counted in UTF-16 code units;
 * VS Code's are 0-based with the same units. This module converts without importing `vscode` so the
 * arithmetic is unit-tested; `register.ts` turns the plain result into a `vscode.Range`.
 */

export interface CoreRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** 0-based, end exclusive: the shape of a `vscode.Range`. */
export interface ZeroRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/**
 * Converts a core range. With `lineLength` (the length of a line in the document being shown) the
 * range is clamped to the text, so a diagnostic computed for a slightly older version never points
 * past the end of a line or the file; an inverted range collapses to its start.
 */
export function toZeroRange(r: CoreRange, lineLength?: { count: number; length(line0: number): number }): ZeroRange {
  let startLine = Math.max(0, r.line - 1);
  let startCharacter = Math.max(0, r.column - 1);
  let endLine = Math.max(0, r.endLine - 1);
  let endCharacter = Math.max(0, r.endColumn - 1);
  if (lineLength && lineLength.count > 0) {
    const last = lineLength.count - 1;
    if (startLine > last) {
      startLine = last;
      startCharacter = lineLength.length(last);
    }
    if (endLine > last) {
      endLine = last;
      endCharacter = lineLength.length(last);
    }
    startCharacter = Math.min(startCharacter, lineLength.length(startLine));
    endCharacter = Math.min(endCharacter, lineLength.length(endLine));
  }
  if (endLine < startLine || (endLine === startLine && endCharacter < startCharacter)) {
    endLine = startLine;
    endCharacter = startCharacter;
  }
  return { startLine, startCharacter, endLine, endCharacter };
}

/** Orders positions; negative when (aLine, aChar) comes first. */
export function comparePositions(aLine: number, aChar: number, bLine: number, bChar: number): number {
  return aLine !== bLine ? aLine - bLine : aChar - bChar;
}

/** A stable identity for a diagnostic shown in the editor, used to find its core fix again. */
export function diagnosticKey(r: ZeroRange, code: string, message: string): string {
  return `${r.startLine}:${r.startCharacter}-${r.endLine}:${r.endCharacter}|${code}|${message}`;
}
