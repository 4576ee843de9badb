// The parameter counts after a multi-line macro's name, read as NASM's preprocessor reads them for
// `%macro` and `%ifmacro`: a count token, then `-max` or `-*` and `+` and `.nolist`, each directly
// after the one before (no blanks between); what follows is the default parameters (or, for
// `%ifmacro`, trailing garbage). A token that is not a count is an error, and the parse goes on
// from it, so a macro with a bad header is still defined, as in NASM.
import { readNumber, scanNumber } from './lexer.js';

export interface MacroHeader {
  min: number;
  max: number;
  greedy: boolean;
  nolist: boolean;
  /** Text after the counts: the default parameters, or `%ifmacro`'s trailing garbage. */
  rest: string;
  errors: string[];
}

interface HeaderToken {
  kind: 'num' | 'other';
  text: string;
  /** Index just past the token in the text. */
  end: number;
}

/** The token at s[i] (blanks are tokens of their own), as far as counts need telling apart. */
function tokenAt(s: string, i: number): HeaderToken | undefined {
  if (i >= s.length) return undefined;
  const c = s[i];
  if (/[ \t]/.test(c)) {
    let j = i;
    while (j < s.length && /[ \t]/.test(s[j])) j++;
    return { kind: 'other', text: ' ', end: j };
  }
  if (/[0-9]/.test(c) || (c === '$' && /[0-9]/.test(s[i + 1] ?? ''))) {
    const { end, isFloat } = scanNumber(s, i, true);
    return { kind: isFloat ? 'other' : 'num', text: s.slice(i, end), end };
  }
  if (/[A-Za-z_.?@$]/.test(c)) {
    let j = i + 1;
    while (j < s.length && /[A-Za-z0-9_$#@~.?]/.test(s[j])) j++;
    return { kind: 'other', text: s.slice(i, j), end: j };
  }
  return { kind: 'other', text: c, end: i + 1 };
}

/** NASM's read_param_count: the count's value, or 0 with an error. */
function paramCount(text: string, errors: string[]): number {
  const n = readNumber(text);
  if (n === undefined) {
    errors.push(`unable to parse parameter count \`${text}'`);
    return 0;
  }
  // NASM keeps the count in a C int: a value that wraps to a negative one is out of bounds.
  const count = Number(BigInt.asIntN(32, n.value));
  if (count < 0) {
    errors.push(`parameter count \`${text}' is out of bounds [0; 2147483647]`);
    return 0;
  }
  return count;
}

/**
 * Reads `text` (after the macro's name, single-line macros expanded) for `%<directive>`.
 * `%ifmacro` takes no count at all (any count matches); `%macro` wants one.
 */
export function readMacroHeader(text: string, directive: string, countOptional: boolean): MacroHeader {
  const s = text.replace(/[ \t]+$/, '');
  const errors: string[] = [];
  const h: MacroHeader = { min: 0, max: countOptional ? Infinity : 0, greedy: false, nolist: false, rest: '', errors };
  let i = 0;
  while (i < s.length && /[ \t]/.test(s[i])) i++;
  let cur = tokenAt(s, i);
  if (cur === undefined) {
    if (!countOptional) errors.push(`\`%${directive}' expects a parameter count`);
    return h;
  }
  if (cur.kind === 'num') h.min = h.max = paramCount(cur.text, errors);
  else errors.push(countOptional ? `\`%${directive}' expects a parameter count or nothing` : `\`%${directive}' expects a parameter count`);
  let next = tokenAt(s, cur.end);
  if (next?.text === '-') {
    const max = tokenAt(s, next.end);
    if (max?.text === '*') h.max = Infinity;
    else if (max?.kind !== 'num') errors.push(`\`%${directive}' expects a parameter count after \`-'`);
    else {
      h.max = paramCount(max.text, errors);
      if (h.min > h.max) {
        errors.push('minimum parameter count exceeds maximum');
        h.max = h.min;
      }
    }
    if (max === undefined) return h;
    cur = max;
    next = tokenAt(s, cur.end);
  }
  if (next?.text === '+') {
    h.greedy = true;
    cur = next;
    next = tokenAt(s, cur.end);
  }
  if (!countOptional && next !== undefined && next.text.toLowerCase() === '.nolist') {
    h.nolist = true;
    cur = next;
  }
  h.rest = s.slice(cur.end);
  return h;
}
