// Tokenizer for one already-preprocessed source line (NASM dialect).
// Strings are returned as byte strings (one JS char per byte, UTF-8 encoded) so data directives
// can emit them directly.

export type TokKind = 'id' | 'num' | 'float' | 'str' | 'op';

export interface Tok {
  t: TokKind;
  v: string; // identifier text, operator text, string bytes, or float source text
  n?: bigint; // numeric value for 'num'
  col: number; // 1-based column
  forced?: boolean; // identifier written with a `$` prefix: never a register/keyword
  quote?: string; // quote character for strings
  unterminated?: boolean;
}

export class LexError extends Error {
  constructor(message: string, public col: number) {
    super(message);
  }
}

// Character classes as lookup tables (the lexer runs on every line of large files).
const CLASS = new Uint8Array(128);
const ID_START_BIT = 1;
const ID_CHAR_BIT = 2;
const ALNUM_BIT = 4; // [0-9A-Za-z_]: number bodies
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_.?]/.test(ch)) CLASS[c] |= ID_START_BIT;
  if (/[A-Za-z0-9_$#@~.?]/.test(ch)) CLASS[c] |= ID_CHAR_BIT;
  if (/[0-9A-Za-z_]/.test(ch)) CLASS[c] |= ALNUM_BIT;
}
const cls = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  return c < 128 ? CLASS[c] : 0;
};

export function isIdStart(c: string): boolean {
  return (cls(c, 0) & ID_START_BIT) !== 0;
}
export function isIdChar(c: string): boolean {
  return (cls(c, 0) & ID_CHAR_BIT) !== 0;
}

export function utf8(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else out += encodeCodePoint(cp);
  }
  return out;
}

function encodeCodePoint(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/** Parses a numeric literal following NASM's suffix/prefix rules. Returns undefined if malformed. */
export function parseNumber(text: string): bigint | undefined {
  if (text.length < 16 && /^(?:[0-9]+|0x[0-9a-fA-F]+)$/.test(text)) return BigInt(text);
  let s = text.replace(/_/g, '').toLowerCase();
  if (s.length === 0) return undefined;
  let radix = 10;
  if (s.startsWith('$')) {
    radix = 16;
    s = s.slice(1);
  } else if (/^0[xh]/.test(s)) {
    radix = 16;
    s = s.slice(2);
  } else if (/^0[dt]/.test(s)) {
    radix = 10;
    s = s.slice(2);
  } else if (/^0[oq]/.test(s)) {
    radix = 8;
    s = s.slice(2);
  } else if (/^0[by]/.test(s)) {
    radix = 2;
    s = s.slice(2);
  } else {
    const last = s[s.length - 1];
    if (last === 'h') {
      radix = 16;
      s = s.slice(0, -1);
    } else if (last === 'q' || last === 'o') {
      radix = 8;
      s = s.slice(0, -1);
    } else if (last === 'b' || last === 'y') {
      radix = 2;
      s = s.slice(0, -1);
    } else if (last === 'd' || last === 't') {
      radix = 10;
      s = s.slice(0, -1);
    }
  }
  if (s.length === 0) return radix === 10 ? undefined : 0n; // NASM reads a bare `0x` as 0
  const digits = '0123456789abcdef'.slice(0, radix);
  let v = 0n;
  const r = BigInt(radix);
  for (const c of s) {
    const d = digits.indexOf(c);
    if (d < 0) return undefined;
    v = v * r + BigInt(d);
  }
  return BigInt.asUintN(64, v);
}

const OPS3 = ['<<<', '>>>', '<=>'];
const OPS2 = ['<<', '>>', '//', '%%', '==', '!=', '<>', '<=', '>=', '&&', '||', '^^'];

/** Reads a quoted string starting at s[i]; returns [bytes, nextIndex]. Backquotes take C escapes. */
export function readString(s: string, i: number): [string, number, boolean] {
  const q = s[i];
  let j = i + 1;
  let out = '';
  if (q !== '`') {
    const end = s.indexOf(q, j);
    if (end < 0) return [utf8(s.slice(j)), s.length, false];
    return [utf8(s.slice(j, end)), end + 1, true];
  }
  while (j < s.length) {
    const c = s[j];
    if (c === '`') return [out, j + 1, true];
    if (c !== '\\') {
      out += utf8(c);
      j++;
      continue;
    }
    j++;
    const e = s[j++];
    if (e === undefined) break;
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'e': out += '\x1b'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        let h = '';
        while (h.length < 2 && j < s.length && /[0-9a-fA-F]/.test(s[j])) h += s[j++];
        out += String.fromCharCode(h ? parseInt(h, 16) : 0);
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        let h = '';
        while (h.length < n && j < s.length && /[0-9a-fA-F]/.test(s[j])) h += s[j++];
        out += encodeCodePoint(h ? parseInt(h, 16) : 0);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          let o = e;
          while (o.length < 3 && j < s.length && s[j] >= '0' && s[j] <= '7') o += s[j++];
          out += String.fromCharCode(parseInt(o, 8) & 255);
        } else out += utf8(e);
    }
  }
  return [out, s.length, false];
}

/** Tokenizes a line up to its comment. Throws LexError on malformed tokens. */
export function tokenize(line: string, onWarn?: (msg: string, col: number) => void): Tok[] {
  const toks: Tok[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === ';') break;
    const col = i + 1;
    if (c === '"' || c === "'" || c === '`') {
      const [v, j, ok] = readString(line, i);
      if (!ok && onWarn) onWarn(`unterminated string (missing \`${c}')`, col);
      toks.push({ t: 'str', v, col, quote: c, ...(ok ? {} : { unterminated: true }) });
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < n && cls(line, j) & ALNUM_BIT) j++;
      let isFloat = false;
      const isHexPrefix = /^0[xXhH]/.test(line.slice(i, j));
      if (line[j] === '.' && !isHexPrefix) {
        isFloat = true;
        j++;
        while (j < n && cls(line, j) & ALNUM_BIT) j++;
      }
      if (!isHexPrefix && /[eE]$/.test(line.slice(i, j)) && (line[j] === '+' || line[j] === '-') && /[0-9]/.test(line[j + 1] ?? '')) {
        if (isFloat || /^[0-9_]+[eE]$/.test(line.slice(i, j))) {
          isFloat = true;
          j++;
          while (j < n && /[0-9]/.test(line[j])) j++;
        }
      }
      const text = line.slice(i, j);
      if (!isFloat && !isHexPrefix && /^[0-9_]+[eE][0-9]+$/.test(text)) isFloat = true;
      if (isFloat) toks.push({ t: 'float', v: text, col });
      else {
        const v = parseNumber(text);
        if (v === undefined) throw new LexError('expression syntax error', col);
        toks.push({ t: 'num', v: text, n: v, col });
      }
      i = j;
      continue;
    }
    if (c === '$') {
      if (line[i + 1] === '$') {
        toks.push({ t: 'op', v: '$$', col });
        i += 2;
        continue;
      }
      const d = line[i + 1] ?? '';
      if (/[0-9]/.test(d)) {
        let j = i + 1;
        while (j < n && /[0-9A-Za-z_]/.test(line[j])) j++;
        const v = parseNumber(line.slice(i, j));
        if (v === undefined) throw new LexError('expression syntax error', col);
        toks.push({ t: 'num', v: line.slice(i, j), n: v, col });
        i = j;
        continue;
      }
      if (isIdStart(d)) {
        let j = i + 1;
        while (j < n && isIdChar(line[j])) j++;
        toks.push({ t: 'id', v: line.slice(i + 1, j), col, forced: true });
        i = j;
        continue;
      }
      toks.push({ t: 'op', v: '$', col });
      i++;
      continue;
    }
    if (cls(line, i) & ID_START_BIT && !(c === '?' && !(cls(line, i + 1) & ID_CHAR_BIT))) {
      let j = i + 1;
      while (j < n && cls(line, j) & ID_CHAR_BIT) j++;
      toks.push({ t: 'id', v: line.slice(i, j), col });
      i = j;
      continue;
    }
    const three = line.slice(i, i + 3);
    if (OPS3.includes(three)) {
      toks.push({ t: 'op', v: three, col });
      i += 3;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (OPS2.includes(two)) {
      toks.push({ t: 'op', v: two, col });
      i += 2;
      continue;
    }
    if ('+-*/%&|^~!<>=()[]:,?{}'.includes(c)) {
      toks.push({ t: 'op', v: c, col });
      i++;
      continue;
    }
    throw new LexError(`unexpected character \`${c}'`, col);
  }
  return toks;
}
