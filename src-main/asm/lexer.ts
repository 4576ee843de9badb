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
// NASM's identifier characters (nctype.c): letters, digits, `_ $ # @ ~ . ?`, starting with a
// letter or `_ . @ ?`. Bytes above 0x7F (here: any non-ASCII character) count as letters.
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_.?@]/.test(ch)) CLASS[c] |= ID_START_BIT;
  if (/[A-Za-z0-9_$#@~.?]/.test(ch)) CLASS[c] |= ID_CHAR_BIT;
  if (/[0-9A-Za-z_]/.test(ch)) CLASS[c] |= ALNUM_BIT;
}
const cls = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  // (NaN past the end of the string fails `c === c`.)
  return c < 128 ? CLASS[c] : c === c ? ID_START_BIT | ID_CHAR_BIT : 0;
};


export function isIdStart(c: string): boolean {
  return (cls(c, 0) & ID_START_BIT) !== 0;
}
export function isIdChar(c: string): boolean {
  return (cls(c, 0) & ID_CHAR_BIT) !== 0;
}

/** Text as a string of UTF-8 bytes (one char per byte); a raw source byte (U+DC80..U+DCFF, see decodeFile) stays that byte. */
export function utf8(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp >= 0xdc80 && cp <= 0xdcff) out += String.fromCharCode(cp - 0xdc00);
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

const RADIX_LETTERS: Record<string, number> = { b: 2, y: 2, o: 8, q: 8, h: 16, x: 16, d: 10, t: 10 };
const radixLetter = (c: string | undefined): number => (c === undefined ? 0 : (RADIX_LETTERS[c.toLowerCase()] ?? 0));

/** A number's value (wrapped to 64 bits) and whether it did not fit (NASM warns). */
export interface NumberValue {
  value: bigint;
  overflow: boolean;
}

/**
 * Reads a numeric literal as NASM's readnum() does: a `0<radix letter>` or `$` prefix and a radix
 * letter suffix may both be present, and the higher radix wins (so `0Bh` is hex B, `0b1` binary);
 * equal radixes mean decimal. `_` is ignored. Returns undefined when malformed.
 */
export function readNumber(text: string): NumberValue | undefined {
  let r = 0;
  let q = text.length;
  if (q === 0) return undefined;
  let pradix = 0;
  let sradix = 0;
  if (q > 2 && text[0] === '0') pradix = radixLetter(text[1]);
  else if (q > 1 && text[0] === '$') pradix = 16;
  const plen = pradix === 0 ? 0 : text[0] === '$' ? 1 : 2;
  if (q > 1) sradix = radixLetter(text[q - 1]);
  let radix = 10;
  if (pradix > sradix) {
    radix = pradix;
    r += plen;
  } else if (sradix > pradix) {
    radix = sradix;
    q -= 1;
  }
  const big = BigInt(radix);
  let v = 0n;
  for (; r < q; r++) {
    const c = text.charCodeAt(r);
    if (c === 95) continue; // _
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 87;
    else if (c >= 65 && c <= 90) d = c - 55;
    else return undefined;
    if (d >= radix) return undefined;
    v = v * big + BigInt(d);
  }
  return { value: BigInt.asUintN(64, v), overflow: v >= 1n << 64n };
}

/** Parses a numeric literal following NASM's rules (value wrapped to 64 bits). Undefined if malformed. */
export function parseNumber(text: string): bigint | undefined {
  if (text.length < 16 && /^(?:[0-9]+|0x[0-9a-fA-F]+)$/.test(text)) return BigInt(text);
  return readNumber(text)?.value;
}

/**
 * End of a number token starting at s[i] (a digit, or `$` before a number character), scanned as
 * NASM's stdscan does (or its preprocessor's tokenizer, which differs at a `.`): `e+`/`e-`, `p`,
 * `.` or an `e` in a non-hex number make it a float.
 */
export function scanNumber(s: string, i: number, preprocessor = false): { end: number; isFloat: boolean } {
  let j = i;
  let isHex = false;
  let isFloat = false;
  let hasE = false;
  if (s[j] === '$') {
    j++;
    isHex = true;
  }
  for (;;) {
    const c = s[j++];
    if (!isHex && (c === 'e' || c === 'E')) {
      hasE = true;
      if (s[j] === '+' || s[j] === '-') {
        isFloat = true;
        j++;
      }
    } else if (c === 'h' || c === 'H' || c === 'x' || c === 'X') isHex = true;
    else if (c === 'p' || c === 'P') {
      isFloat = true;
      if (s[j] === '+' || s[j] === '-') j++;
    } else if (c !== undefined && cls(s, j - 1) & ALNUM_BIT) {
      /* a digit, letter or `_` */
    } else if (c === '.') {
      // The preprocessor's tokenizer ends the number at a `.` that no fraction digit, exponent or
      // hex digit follows, so `1.nolist` is a number and a word there.
      if (preprocessor) {
        let r = j;
        while (s[r] === '_') r++;
        const n = s[r] ?? '';
        if (!(/[0-9pP]/.test(n) || (isHex && /[A-Fa-f]/.test(n)) || (!isHex && /[eE]/.test(n)))) break;
        j = r;
      }
      isFloat = true;
    } else break;
  }
  return { end: j - 1, isFloat: isFloat || (hasE && !isHex) };
}

const OPS3 = ['<<<', '>>>', '<=>'];
/** Brace decorators read as one token: broadcast `{1toN}`, embedded rounding and suppress-all-exceptions. */
const DECORATORS = new Map(['1to2', '1to4', '1to8', '1to16', '1to32', 'rn-sae', 'rd-sae', 'ru-sae', 'rz-sae', 'sae'].map((d) => [d, `{${d}}`]));
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
      if (!ok && onWarn) onWarn(`unterminated string (missing \`${c}') [-w+pp-open-string]`, col);
      toks.push({ t: 'str', v, col, quote: c, ...(ok ? {} : { unterminated: true }) });
      i = j;
      continue;
    }
    // `$` then a digit is a number (`$1f`); `$` then an identifier start is a forced identifier.
    if ((c >= '0' && c <= '9') || (c === '$' && line[i + 1] >= '0' && line[i + 1] <= '9')) {
      const { end, isFloat } = scanNumber(line, i);
      const text = line.slice(i, end);
      if (isFloat) toks.push({ t: 'float', v: text, col });
      else {
        const v = readNumber(text);
        if (v === undefined) throw new LexError('expression syntax error', col);
        if (v.overflow) onWarn?.(`numeric constant ${text} does not fit in 64 bits [-w+number-overflow]`, col);
        toks.push({ t: 'num', v: text, n: v.value, col });
      }
      i = end;
      continue;
    }
    if (c === '$') {
      if (line[i + 1] === '$') {
        toks.push({ t: 'op', v: '$$', col });
        i += 2;
        continue;
      }
      const d = line[i + 1] ?? '';
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
      const word = line.slice(i, j);
      // NASM's scanner flags MASM's PTR wherever it appears (`word ptr [bx]` is `word (ptr)[bx]` to NASM).
      if (word.length === 3 && word.toLowerCase() === 'ptr') onWarn?.(`\`${word}' is not a NASM keyword [-w+ptr]`, col);
      toks.push({ t: 'id', v: word, col });
      i = j;
      continue;
    }
    if (c === '{') {
      // AVX-512 broadcast `{1to16}` and rounding `{rn-sae}`/`{sae}`: one token each, as NASM's
      // scanner reads a brace group (`{k1}`, `{z}` and `{evex}` stay `{`, name, `}`).
      const close = line.indexOf('}', i + 1);
      const deco = close < 0 ? undefined : DECORATORS.get(line.slice(i + 1, close).trim().toLowerCase());
      if (deco !== undefined) {
        toks.push({ t: 'op', v: deco, col });
        i = close + 1;
        continue;
      }
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

/** A string's text as UTF-16 or UTF-32 code units (NASM's `__?utf16?__` and friends); bytes that are not UTF-8 are taken as Latin-1. */
export function utfEncode(bytes: string, bits: 16 | 32, be: boolean): string {
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
  } catch {
    s = bytes;
  }
  let out = '';
  const push = (v: number, n: number): void => {
    const b: number[] = [];
    for (let k = 0; k < n; k++) b.push((v >>> (8 * k)) & 255);
    if (be) b.reverse();
    out += String.fromCharCode(...b);
  };
  if (bits === 16) {
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (cp <= 0xffff) push(cp, 2);
      else {
        const hi = 0xd800 | ((cp - 0x10000) >> 10);
        const lo = 0xdc00 | ((cp - 0x10000) & 0x3ff);
        // NASM 2.16.01 writes a big-endian surrogate pair low half first; kept for identical bytes.
        const [first, second] = be ? [lo, hi] : [hi, lo];
        push(first, 2);
        push(second, 2);
      }
    }
  }
  else for (const ch of s) push(ch.codePointAt(0)!, 4);
  return out;
}
