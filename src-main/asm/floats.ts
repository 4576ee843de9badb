// Exact conversion of NASM float constants (decimal, and hexadecimal/octal/binary with a `p`
// binary exponent) to IEEE formats, plus packed BCD (`dt 123p`). Done with BigInt so 80-bit
// extended values get all 64 mantissa bits right.

interface Fmt {
  p: number; // mantissa bits including the integer bit
  e: number; // exponent bits
  explicit: boolean; // integer bit stored (x87 extended)
}

/** The format a data directive of this size uses. */
const FORMATS: Record<number, Fmt> = {
  1: { p: 4, e: 4, explicit: false }, // NASM's 8-bit float: 1 sign, 4 exponent (bias 7), 3 mantissa bits
  2: { p: 11, e: 5, explicit: false },
  4: { p: 24, e: 8, explicit: false },
  8: { p: 53, e: 11, explicit: false },
  10: { p: 64, e: 15, explicit: true },
  16: { p: 113, e: 15, explicit: false },
};

/**
 * NASM's `__?floatN?__(x)` operators: the format, and which bytes of it make the value
 * (at most 8, from `offset`): `__?float80e?__` is the sign and exponent word of an x87 extended.
 */
export const FLOATIZE: Record<string, { size: number; fmt: Fmt; offset: number }> = {
  float8: { size: 1, fmt: FORMATS[1], offset: 0 },
  float16: { size: 2, fmt: FORMATS[2], offset: 0 },
  bfloat16: { size: 2, fmt: { p: 8, e: 8, explicit: false }, offset: 0 },
  float32: { size: 4, fmt: FORMATS[4], offset: 0 },
  float64: { size: 8, fmt: FORMATS[8], offset: 0 },
  float80m: { size: 10, fmt: FORMATS[10], offset: 0 },
  float80e: { size: 10, fmt: FORMATS[10], offset: 8 },
  float128l: { size: 16, fmt: FORMATS[16], offset: 0 },
  float128h: { size: 16, fmt: FORMATS[16], offset: 8 },
};

/** Value of a `__?floatN?__(text)` operator (little-endian bytes from the offset, at most 8), or an error text. */
export function floatizeValue(kind: string, text: string): bigint | string {
  const f = FLOATIZE[kind];
  const bytes = encodeFloat(text, f.size, f.fmt);
  if (typeof bytes === 'string') return bytes;
  let v = 0n;
  const end = Math.min(f.size, f.offset + 8);
  for (let i = end - 1; i >= f.offset; i--) v = (v << 8n) | BigInt(bytes[i]);
  return BigInt.asIntN(64, v);
}

/** Radix of a binary-exponent float by its prefix (`0x1.8p3`, `0q7.4p1`, `0b1.1p-1`, `$1.8p3`). */
function binaryRadix(s: string): { bits: number; digits: string } | undefined {
  if (s.startsWith('$')) return { bits: 4, digits: s.slice(1) };
  if (s[0] !== '0') return undefined;
  const bits = ({ x: 4, h: 4, o: 3, q: 3, b: 1, y: 1 } as Record<string, number>)[s[1]];
  return bits === undefined ? undefined : { bits, digits: s.slice(2) };
}

/** Packed BCD, 10 bytes: 18 digits, two a byte from the right, then a sign byte (NASM's to_packed_bcd). */
function packedBcd(digits: string, neg: boolean, size: number): number[] | string {
  if (size !== 10) return 'packed BCD requires an 80-bit format';
  const d = digits.replace(/_/g, '');
  const bad = /[^0-9]/.exec(d);
  if (bad) return `invalid character \`${bad[0]}' in packed BCD constant`;
  bcdTruncated = d.length > 18;
  const out: number[] = [];
  for (let i = d.length; i > 0 && out.length < 9; i -= 2) out.push(Number(d[i - 1]) + (i >= 2 ? Number(d[i - 2]) << 4 : 0));
  while (out.length < 9) out.push(0);
  out.push(neg ? 0x80 : 0);
  return out;
}

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Set by the last floatBytes() call when the value did not fit (NASM warns, and stores infinity). */
export let floatOverflow = false;
/** Set by the last floatBytes() call when a decimal significand had more than 52 digits (NASM warns and drops the rest). */
export let floatTooLong = false;
const MAX_DECIMAL_DIGITS = 52;
/** Set by the last floatBytes() call when a packed BCD constant had more than 18 digits (NASM warns). */
export let bcdTruncated = false;

/** Bytes of a float constant in a data directive of `size` bytes, NASM's complaint about the text, or undefined when that size has no float format. */
export function floatBytes(text: string, size: number): number[] | string | undefined {
  const fmt = FORMATS[size];
  return fmt ? encodeFloat(text, size, fmt) : undefined;
}

/** The bytes of `text` (with an optional sign) in `fmt`, or NASM's complaint about it. */
export function encodeFloat(text: string, size: number, fmt: Fmt): number[] | string {
  floatOverflow = false;
  bcdTruncated = false;
  floatTooLong = false;
  let s = text.toLowerCase();
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const special = /^__\??(infinity|nan|qnan|snan)\??__$/.exec(s);
  if (special) return specialBytes(special[1], neg, size, fmt);
  // NASM checks for packed BCD first: a `p` suffix, or a `0p` prefix.
  if (s.endsWith('p')) return packedBcd(s.slice(0, -1), neg, size);
  if (s.startsWith('0p')) return packedBcd(s.slice(2), neg, size);
  s = s.replace(/_/g, '');
  if (s.indexOf('.') !== s.lastIndexOf('.')) return 'too many periods in floating-point constant';
  let M: bigint;
  let exp10 = 0;
  let exp2 = 0;
  // Binary-radix input is exact, so a tie really is a tie and goes to even, as NASM's ieee_round does.
  let exact = false;
  const bin = binaryRadix(s);
  if (bin) {
    const m = /^([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d*))?$/.exec(bin.digits);
    if (!m) return 'invalid floating-point constant';
    const radix = 1 << bin.bits;
    const frac = m[2] ?? '';
    const digits = (m[1] ?? '') + frac;
    if ([...digits].some((c) => parseInt(c, 16) >= radix)) return `floating-point constant: \`${[...digits].find((c) => parseInt(c, 16) >= radix)}' is invalid character`;
    M = [...digits].reduce((acc, c) => acc * BigInt(radix) + BigInt(parseInt(c, 16)), 0n);
    exp2 = (m[3] && m[3] !== '+' && m[3] !== '-' ? Number(m[3]) : 0) - bin.bits * frac.length;
    if (Math.abs(exp2) > 100000) exp2 = Math.sign(exp2) * 100000;
    exact = true;
  } else {
    // `0d`/`0t` only say decimal again.
    if (s.startsWith('0d') || s.startsWith('0t')) s = s.slice(2);
    // NASM reads `1e` and `1e+` with an empty exponent as 1.0.
    const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d*))?$/.exec(s);
    if (!m) return 'invalid floating-point constant';
    const intPart = m[1] || '0';
    const frac = m[2] ?? '';
    exp10 = (m[3] && m[3] !== '+' && m[3] !== '-' ? Number(m[3]) : 0) - frac.length;
    // NASM keeps only the first 52 significant digits (and warns), so later ones change nothing.
    let sig = (intPart + frac).replace(/^0+/, '');
    if (sig.length > MAX_DECIMAL_DIGITS) {
      floatTooLong = true;
      exp10 += sig.length - MAX_DECIMAL_DIGITS;
      sig = sig.slice(0, MAX_DECIMAL_DIGITS);
    }
    M = BigInt(sig || '0');
    // Far beyond every format's range (quad ends near 1e4932): a stand-in exponent keeps the exact
    // arithmetic small (`dq 1e999999999` overflows to infinity, `1e-999999999` is zero).
    const magnitude = exp10 + sig.length;
    if (magnitude > 6000) exp10 = 6000;
    else if (magnitude < -6000) M = 0n;
  }
  const bias = (1 << (fmt.e - 1)) - 1;
  const fracBits = fmt.explicit ? fmt.p - 1 : fmt.p - 1;
  let expField = 0;
  let mant = 0n;
  if (M !== 0n) {
    let num = M;
    let den = 1n;
    if (exp10 >= 0) num *= 10n ** BigInt(exp10);
    else den = 10n ** BigInt(-exp10);
    if (exp2 >= 0) num <<= BigInt(exp2);
    else den <<= BigInt(-exp2);
    // Find binary exponent e so that 2^(p-1) <= num/den / 2^e < 2^p.
    let e = bitLen(num) - bitLen(den) - fmt.p;
    const scaled = (ee: number): [bigint, bigint] => (ee >= 0 ? [num, den << BigInt(ee)] : [num << BigInt(-ee), den]);
    for (;;) {
      const [a, b] = scaled(e);
      const q = a / b;
      if (q >= 1n << BigInt(fmt.p)) e++;
      else if (q < 1n << BigInt(fmt.p - 1)) e--;
      else break;
    }
    let unbiased = e + fmt.p - 1;
    let shiftE = e;
    const minExp = 1 - bias;
    if (unbiased < minExp) {
      // Denormal: fix the exponent at the minimum and lose precision.
      shiftE = minExp - (fmt.p - 1);
      unbiased = minExp - 1;
    }
    const [a, b] = scaled(shiftE);
    let q = a / b;
    const r = a % b;
    // For decimal input NASM rounds exact ties down (verified: dd 16777219.0 gives 0x4B800001):
    // its decimal conversion is not exact. Binary-radix input rounds ties to even.
    if (r * 2n > b || (exact && r * 2n === b && (q & 1n) === 1n)) q++;
    if (q >= 1n << BigInt(fmt.p)) {
      q >>= 1n;
      unbiased++;
    }
    if (unbiased === minExp - 1 && q >= 1n << BigInt(fmt.p - 1)) unbiased = minExp;
    if (unbiased > bias) {
      floatOverflow = true;
      expField = (1 << fmt.e) - 1;
      mant = fmt.explicit ? 1n << 63n : 0n;
    } else {
      expField = unbiased === minExp - 1 ? 0 : unbiased + bias;
      mant = fmt.explicit ? q : q & ((1n << BigInt(fracBits)) - 1n);
    }
  }
  const total = BigInt(size * 8);
  let bits = (BigInt(neg ? 1 : 0) << (total - 1n)) | (BigInt(expField) << BigInt(fmt.explicit ? 64 : fracBits)) | mant;
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(bits & 0xffn));
    bits >>= 8n;
  }
  return out;
}

/** __?Infinity?__, __?NaN?__ (quiet), __?QNaN?__, __?SNaN?__ as NASM writes them. */
function specialBytes(kind: string, neg: boolean, size: number, fmt: Fmt): number[] {
  const fracBits = fmt.p - 1;
  const expAll = BigInt((1 << fmt.e) - 1);
  let mant = 0n;
  if (kind === 'nan' || kind === 'qnan') mant = 1n << BigInt(fracBits - 1);
  else if (kind === 'snan') mant = 1n;
  if (fmt.explicit) mant |= 1n << 63n;
  let bits = (BigInt(neg ? 1 : 0) << BigInt(size * 8 - 1)) | (expAll << BigInt(fmt.explicit ? 64 : fracBits)) | mant;
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(bits & 0xffn));
    bits >>= 8n;
  }
  return out;
}
