// Exact decimal-to-IEEE conversion (round half to even) for dw/dd/dq/dt/do float constants.
// Done with BigInt so 80-bit extended values get all 64 mantissa bits right.

interface Fmt {
  p: number; // mantissa bits including the integer bit
  e: number; // exponent bits
  explicit: boolean; // integer bit stored (x87 extended)
}

const FORMATS: Record<number, Fmt> = {
  1: { p: 4, e: 4, explicit: false }, // NASM's 8-bit float: 1 sign, 4 exponent (bias 7), 3 mantissa bits
  2: { p: 11, e: 5, explicit: false },
  4: { p: 24, e: 8, explicit: false },
  8: { p: 53, e: 11, explicit: false },
  10: { p: 64, e: 15, explicit: true },
  16: { p: 113, e: 15, explicit: false },
};

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Set by the last floatBytes() call when the value did not fit (NASM warns, and stores infinity). */
export let floatOverflow = false;

export function floatBytes(text: string, size: number): number[] | undefined {
  floatOverflow = false;
  const fmt = FORMATS[size];
  if (!fmt) return undefined;
  let s = text.toLowerCase();
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const special = /^__\??(infinity|nan|qnan|snan)\??__$/.exec(s);
  if (special) return specialBytes(special[1], neg, size, fmt);
  s = s.replace(/_/g, '');
  // NASM reads `1e` and `1e+` with an empty exponent as 1.0.
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d*))?$/.exec(s);
  if (!m) return undefined;
  const intPart = m[1] || '0';
  const frac = m[2] ?? '';
  let exp10 = (m[3] && m[3] !== '+' && m[3] !== '-' ? Number(m[3]) : 0) - frac.length;
  let M = BigInt(intPart + frac || '0');
  // Far beyond every format's range (quad ends near 1e4932): a stand-in exponent keeps the exact
  // arithmetic small (`dq 1e999999999` overflows to infinity, `1e-999999999` is zero).
  const magnitude = exp10 + (intPart + frac).replace(/^0+/, '').length;
  if (magnitude > 6000) exp10 = 6000;
  else if (magnitude < -6000) M = 0n;
  const bias = (1 << (fmt.e - 1)) - 1;
  const fracBits = fmt.explicit ? fmt.p - 1 : fmt.p - 1;
  let expField = 0;
  let mant = 0n;
  if (M !== 0n) {
    let num = M;
    let den = 1n;
    if (exp10 >= 0) num *= 10n ** BigInt(exp10);
    else den = 10n ** BigInt(-exp10);
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
    // NASM rounds exact ties down (verified: dd 16777219.0 gives 0x4B800001).
    if (r * 2n > b) q++;
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
