// Encodings shared between lines that differ only in their numbers. `add rbx, 1200` and
// `add rbx, 4000` are one instruction form with another immediate: NASM makes the same choices for
// both (row, immediate size, prefixes) as long as each operand's value stays in the same range,
// so the second line's bytes are the first line's with the immediate field rewritten. Most
// straight-line code is a few such shapes with many numbers, so a line whose shape was encoded
// before is neither parsed nor encoded (lineEncoder.ts asks here before its exact-text cache).
//
// The shape of a line is its text with each number that is added to an operand (`5`, `-8` in
// `[rax-8]`, `0x10`) replaced by `#`, plus, per operand, the range its numbers add up to and what
// that sum is cut to 16 and 32 bits (below).
// Numbers next to `*` (scales) and everything else stay in the text. A line whose shape this
// module cannot read (strings, other operators, two operators in a row, big numbers) is left to the
// ordinary path.
//
// Exactness: a template is made only from a line the ordinary path encoded cleanly (lineEncoder's
// rules) where the encoder reported, for each operand holding numbers, one field it wrote with
// exactly the sum read here (so the numbers are the whole value, with the signs read here), or
// where the operand's range holds one value only (a shift by 1 has no immediate field). The
// ranges end at every boundary of NASM's checks (signed, unsigned, and either: -256 fits a byte
// field), so within one range every value fits the same fields with the same warnings; with the
// truncations, the sign-extended-byte and displacement-size choices agree too.
// Values 0 to 3 are ranges of their own (no displacement for 0, the shift-by-one forms, `int 3`).

import type { NumberField } from './encoder.js';
import { CHAR_CLASS, cls, digitsValue } from './simpleLine.js';

/** A shape's encoding: its bytes, and where each operand's sum is written (byte index, size, operand). */
export interface ShapeTemplate {
  bytes: number[];
  fields: number[];
}

/** Sums of the numbers of each operand of the line last read by readShape (at most 4 operands). */
export const shapeSums = [0, 0, 0, 0];
/** Bit k set: operand k holds numbers (its sum is in shapeSums[k]). */
export let shapeNumbered = 0;

const TWO32 = 4294967296;

/**
 * What NASM's choices read of a sum besides its range: whether it is a signed byte or zero once
 * cut to 16 or to 32 bits (sign-extended immediates and displacements are chosen on the value cut
 * to the operand or address size: 0xFFFFFFFF is -1 for `add eax`, 65536 is no displacement in
 * `[bx+65536]`). One letter.
 */
function truncationsOf(v: number): number {
  const v32 = v | 0; // ToInt32: the value cut to 32 bits, signed
  const v16 = (v32 << 16) >> 16;
  const flags = (v16 >= -128 && v16 <= 127 ? 1 : 0) | (v32 >= -128 && v32 <= 127 ? 2 : 0) | (v16 === 0 ? 4 : 0) | (v32 === 0 ? 8 : 0);
  return 65 + flags;
}

/** The range of a sum as one letter (see the header), or undefined outside 32-bit values. */
function rangeOf(v: number): string | undefined {
  if (v >= 0) {
    if (v <= 3) return String(v);
    if (v <= 127) return 'p';
    if (v <= 255) return 'q';
    if (v <= 32767) return 'r';
    if (v <= 65535) return 's';
    if (v <= 2147483647) return 't';
    if (v < TWO32) return 'u';
    return undefined;
  }
  // NASM's field checks accept -256 in a byte and -65536 in a word (signed or unsigned), so
  // those are boundaries too.
  if (v >= -128) return 'n';
  if (v >= -256) return 'o';
  if (v >= -32768) return 'm';
  if (v >= -65536) return 'k';
  if (v >= -2147483648) return 'l';
  if (v >= -TWO32) return 'j';
  return undefined;
}

/** simpleLine.ts's character classes: 1 blank, 2 identifier start, 4 identifier character, 8 digit, 16 hex digit. */
const C = CHAR_CLASS;

/** What came before a number, by the last non-blank character: a word, a number, or that character. */
const WORD = 'a';
const NUMBER = '0';

/** The shape last read (readShape), as characters: looked up without making a string of it. */
const KEY = new Uint16Array(256);
let keyLength = 0;
let keyHash = 0;
/** Longest line read: the key adds `|` and two letters per operand. */
const MAX_TEXT = KEY.length - 16;

function copyToKey(text: string, from: number, to: number): void {
  for (let k = from; k < to; k++) KEY[keyLength++] = text.charCodeAt(k);
}

/**
 * Reads the shape of `text` (see the header) into the key, shapeSums and shapeNumbered; false
 * when the line is not of a form this module reads.
 */
export function readShape(text: string): boolean {
  const n = text.length;
  if (n > MAX_TEXT) return false;
  keyLength = 0;
  let copied = 0;
  let op = 0;
  let prev = ''; // last non-blank character, WORD or NUMBER
  let beforePrev = '';
  let numbered = 0;
  shapeSums[0] = shapeSums[1] = shapeSums[2] = shapeSums[3] = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? C[c] : 0;
    if (k & 1) {
      i++;
      continue;
    }
    if (k & 2) {
      let j = i + 1;
      while (j < n && cls(text, j) & 4) j++;
      beforePrev = prev;
      prev = WORD;
      i = j;
      continue;
    }
    if (k & 8) {
      // A number: 123, 0x1F or 1Fh (other radix forms, `_` separators, floats: left alone).
      let j = i;
      let value: number;
      if (c === 48 && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
        j = i + 2;
        while (j < n && cls(text, j) & 16) j++;
        if (j === i + 2 || j - i - 2 > 8) return false;
        value = digitsValue(text, i + 2, j, 16);
      } else {
        while (j < n && cls(text, j) & 16) j++;
        if (j < n && (text[j] === 'h' || text[j] === 'H')) {
          if (j - i > 9) return false;
          value = digitsValue(text, i, j, 16);
          j++;
        } else {
          j = i;
          while (j < n && cls(text, j) & 8) j++;
          if (j - i > 10) return false;
          value = digitsValue(text, i, j, 10);
        }
      }
      let after = j;
      while (after < n && cls(text, after) & 1) after++;
      const next = after < n ? text[after] : '';
      if (j < n && cls(text, j) & 4) return false; // runs into a name: not a plain number
      if (prev === '*' || next === '*') {
        // A scale, kept in the text.
        beforePrev = prev;
        prev = NUMBER;
        i = j;
        continue;
      }
      if (next !== '' && next !== ',' && next !== ']' && next !== '+' && next !== '-') return false;
      let sign = 1;
      if (prev === '-' || prev === '+') {
        // Only after a word, a number, `[` or `,` (so `- -5` and `(a)-5` are left alone).
        if (beforePrev !== WORD && beforePrev !== NUMBER && beforePrev !== '[' && beforePrev !== ',' && beforePrev !== ']') return false;
        if (prev === '-') sign = -1;
      } else if (prev !== WORD && prev !== '[' && prev !== ',') return false;
      if (op > 3) return false;
      shapeSums[op] += sign * value;
      numbered |= 1 << op;
      copyToKey(text, copied, i);
      KEY[keyLength++] = 35; // #
      copied = j;
      beforePrev = prev;
      prev = NUMBER;
      i = j;
      continue;
    }
    // Strings, comments and non-ASCII text: left to the ordinary path.
    if (c === 39 || c === 34 || c === 96 || c === 59 || c >= 128) return false;
    if (c === 44) op++;
    beforePrev = prev;
    prev = text[i];
    i++;
  }
  if (numbered === 0) return false; // the exact-text cache serves lines without numbers
  copyToKey(text, copied, n);
  KEY[keyLength++] = 124; // |
  for (let o = 0; o <= op && o < 4; o++) {
    if (!(numbered & (1 << o))) {
      KEY[keyLength++] = 95; // _
      continue;
    }
    const r = rangeOf(shapeSums[o]);
    if (r === undefined) return false;
    KEY[keyLength++] = r.charCodeAt(0);
    KEY[keyLength++] = truncationsOf(shapeSums[o]);
  }
  shapeNumbered = numbered;
  let h = 0x811c9dc5;
  for (let k = 0; k < keyLength; k++) h = Math.imul(h ^ KEY[k], 16777619);
  keyHash = h >>> 0;
  return true;
}

/** The shape last read, as a string (tests, messages). */
export function shapeKey(): string {
  return String.fromCharCode(...KEY.subarray(0, keyLength));
}

/** The shape of `text` as a string, or undefined (readShape for tests). */
export function shapeOf(text: string): string | undefined {
  return readShape(text) ? shapeKey() : undefined;
}

/**
 * Templates by shape: an open-addressing table compared against the key's characters, so a
 * lookup makes no string. Bounded: emptied when full.
 */
export class ShapeTable {
  private keys: (string | undefined)[] = new Array(1 << 15);
  private templates: (ShapeTemplate | undefined)[] = new Array(1 << 15);
  private count = 0;

  /** The template of the shape last read, or undefined. */
  find(): ShapeTemplate | undefined {
    const mask = this.keys.length - 1;
    for (let slot = keyHash & mask; ; slot = (slot + 1) & mask) {
      const k = this.keys[slot];
      if (k === undefined) return undefined;
      if (k.length === keyLength && sameAsKey(k)) return this.templates[slot];
    }
  }

  /** Files `t` under the shape last read (not already there: find() said so). */
  add(t: ShapeTemplate): void {
    if (this.count >= (this.keys.length >> 1) + (this.keys.length >> 2)) {
      this.keys.fill(undefined);
      this.templates.fill(undefined);
      this.count = 0;
    }
    const mask = this.keys.length - 1;
    let slot = keyHash & mask;
    while (this.keys[slot] !== undefined) slot = (slot + 1) & mask;
    this.keys[slot] = shapeKey();
    this.templates[slot] = t;
    this.count++;
  }
}

function sameAsKey(k: string): boolean {
  for (let i = 0; i < keyLength; i++) if (k.charCodeAt(i) !== KEY[i]) return false;
  return true;
}

/**
 * The template for the line last read by readShape, from its clean encoding and the fields the
 * encoder reported; undefined when some operand's numbers are not exactly one field's value.
 */
export function makeTemplate(bytes: number[], reported: NumberField[]): ShapeTemplate | undefined {
  const fields: number[] = [];
  for (let o = 0; o < 4; o++) {
    if (!(shapeNumbered & (1 << o))) continue;
    let found: NumberField | undefined;
    for (const f of reported) {
      if (f.op !== o) continue;
      if (found) return undefined;
      found = f;
    }
    if (found === undefined) {
      // No field: right only when the range holds this one value.
      if (shapeSums[o] < 0 || shapeSums[o] > 3) return undefined;
      continue;
    }
    if (found.value !== BigInt(shapeSums[o]) || found.size > 8) return undefined;
    fields.push(found.at, found.size, o);
  }
  return { bytes, fields };
}

/** Writes the template's bytes for the line last read by readShape into `buf` at `at`. */
export function writeTemplate(t: ShapeTemplate, buf: Uint8Array, at: number): void {
  const b = t.bytes;
  for (let k = 0; k < b.length; k++) buf[at + k] = b[k];
  const f = t.fields;
  for (let k = 0; k < f.length; k += 3) {
    const v = shapeSums[f[k + 2]];
    const lo = v | 0; // the low 32 bits, two's complement (exact: |v| <= 2^32)
    const p = at + f[k];
    const size = f[k + 1];
    for (let s = 0; s < size; s++) buf[p + s] = s < 4 ? (lo >>> (8 * s)) & 255 : v < 0 ? 255 : 0;
  }
}
