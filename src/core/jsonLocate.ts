import { parse, parseTree, findNodeAtLocation, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

/** A span on one line: 1-based columns in UTF-16 code units, end exclusive (VS Code's convention). */
export interface ColumnRange {
  column: number;
  endColumn: number;
}

export type JsonPath = (string | number)[];

const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

/**
 * Where a line that `JSON.parse` rejected breaks. Only called on failing lines, so the slower
 * jsonc-parser scan costs nothing on valid files.
 */
export function locateJsonError(text: string, parseMessage?: string): ColumnRange & { problem: string } {
  const errors: ParseError[] = [];
  parse(text, errors, STRICT_JSON);
  const first = errors[0];
  if (first) {
    const start = Math.min(first.offset, Math.max(0, text.length - 1));
    return { column: start + 1, endColumn: start + 1 + Math.max(1, first.length), problem: describeParseError(printParseErrorCode(first.error)) };
  }
  // jsonc-parser accepts a few things JSON.parse does not (e.g. lone surrogates are fine, but some escapes
  // differ): fall back to V8's "at position N" when it gives one.
  const m = parseMessage && /position (\d+)/.exec(parseMessage);
  const pos = m ? Math.min(Number(m[1]), Math.max(0, text.length - 1)) : 0;
  return { column: pos + 1, endColumn: pos + 2, problem: parseMessage ?? 'invalid JSON' };
}

export function describeParseError(code: string): string {
  switch (code) {
    case 'InvalidSymbol':
      return 'unexpected character';
    case 'InvalidNumberFormat':
      return 'malformed number';
    case 'PropertyNameExpected':
      return 'expected a "quoted" property name';
    case 'ValueExpected':
      return 'expected a value';
    case 'ColonExpected':
      return 'expected ":" after the property name';
    case 'CommaExpected':
      return 'expected "," between values';
    case 'CloseBraceExpected':
      return 'expected "}" (the object is not closed)';
    case 'CloseBracketExpected':
      return 'expected "]" (the array is not closed)';
    case 'EndOfFileExpected':
      return 'unexpected text after the end of the JSON value';
    case 'InvalidCommentToken':
      return 'comments are not allowed in JSON';
    case 'UnexpectedEndOfComment':
    case 'UnexpectedEndOfString':
      return 'unterminated string';
    case 'UnexpectedEndOfNumber':
      return 'unterminated number';
    case 'InvalidUnicode':
      return 'invalid \\u escape';
    case 'InvalidEscapeCharacter':
      return 'invalid escape sequence';
    case 'InvalidCharacter':
      return 'control character inside a string (escape it, e.g. \\n)';
    default:
      return code;
  }
}

/**
 * Ranges inside one line that parsed. The syntax tree is built on first use only, so a valid
 * line (the common case) never pays for it.
 */
export class LineLocator {
  private tree: Node | undefined | null = null;

  constructor(readonly text: string) {}

  private root(): Node | undefined {
    if (this.tree === null) this.tree = parseTree(this.text, [], STRICT_JSON);
    return this.tree;
  }

  node(path: JsonPath): Node | undefined {
    const root = this.root();
    return root ? findNodeAtLocation(root, path) : undefined;
  }

  /** The value at `path`; when it is missing, the key of its nearest existing ancestor (or the line's first character). */
  valueRange(path: JsonPath): ColumnRange {
    const n = this.node(path);
    if (n) return span(n);
    return this.ancestorRange(path);
  }

  /** The property name at `path` (e.g. to flag an unknown key), falling back to the value. */
  keyRange(path: JsonPath): ColumnRange {
    const n = this.node(path);
    const key = n?.parent?.type === 'property' ? n.parent.children?.[0] : undefined;
    return key ? span(key) : this.valueRange(path);
  }

  /** Where to point when something under `path` is missing: the key that owns the closest existing object. */
  ancestorRange(path: JsonPath): ColumnRange {
    for (let i = path.length - 1; i >= 1; i--) {
      const n = this.node(path.slice(0, i));
      if (n) {
        const key = n.parent?.type === 'property' ? n.parent.children?.[0] : undefined;
        return span(key ?? n);
      }
    }
    return { column: 1, endColumn: Math.min(2, this.text.length + 1) };
  }

  /**
   * An edit that inserts `"name": value` as the first property of the object at `path`,
   * with a comma when the object already has properties. Undefined when there is no such object.
   */
  insertFirstProperty(path: JsonPath, name: string, valueJson: string): { column: number; text: string } | undefined {
    const obj = path.length === 0 ? this.root() : this.node(path);
    if (!obj || obj.type !== 'object') return undefined;
    const hasProps = (obj.children?.length ?? 0) > 0;
    return { column: obj.offset + 2, text: `${JSON.stringify(name)}: ${valueJson}${hasProps ? ', ' : ''}` };
  }
}

function span(n: Node): ColumnRange {
  return { column: n.offset + 1, endColumn: n.offset + 1 + Math.max(1, n.length) };
}
