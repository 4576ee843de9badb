// Fast path of the line parser for the lines most sources consist of: a mnemonic and operands
// that are registers, plain numbers, labels and `[base+index*scale+disp]` memory. It reads the
// text directly (no token objects, no expression parser) and builds exactly the statement the
// general path (lexer, LineParser, ExprParser, linearize) would; anything else, including every
// line the general path would reject or warn about, returns undefined and goes the general way.
// simpleLine.test.ts checks the two paths agree on every line it takes.

import { numExpr, type Expr } from './expr.js';
import type { Insn } from './parser.js';
import type { MemOp, Operand } from './operands.js';
import { lookupReg, type Reg } from './registers.js';

const SIZES = new Map(Object.entries({ byte: 8, word: 16, dword: 32, qword: 64, tword: 80, oword: 128, yword: 256, zword: 512 }));

/** Character classes: 1 blank, 2 identifier start (ASCII), 4 identifier character, 8 digit, 16 hex digit. */
export const CHAR_CLASS = new Uint8Array(128);
const C = CHAR_CLASS;
for (const ch of ' \t\r\f\v') C[ch.charCodeAt(0)] |= 1;
for (let c = 0; c < 128; c++) {
  const s = String.fromCharCode(c);
  if (/[A-Za-z_.@]/.test(s)) C[c] |= 2;
  if (/[A-Za-z0-9_$#@~.?]/.test(s)) C[c] |= 4;
  if (/[0-9]/.test(s)) C[c] |= 8;
  if (/[0-9A-Fa-f]/.test(s)) C[c] |= 16;
}
export const cls = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  return c < 128 ? C[c] : 0; // non-ASCII (the general path decides) and the end of the line: no class
};
/** Characters that may follow a number or a name inside an operand. */
const isDelim = (s: string, i: number): boolean => {
  if (i >= s.length) return true;
  const c = s[i];
  return c === ',' || c === ']' || c === '+' || c === '-' || c === '*' || (cls(s, i) & 1) !== 0;
};

/** Words the general path treats specially in an operand (keywords, operators): never plain labels here. */
const SPECIAL = new Set(['strict', 'short', 'near', 'far', 'to', 'seg', 'wrt', 'rel', 'abs', 'nosplit', 'a16', 'a32', 'a64', 'times', 'equ', 'ptr', ...SIZES.keys()]);

/** Operands of the line being read (copied out at the end). */
const SCRATCH: Operand[] = [];
/** No instruction's prefixes are changed after parsing (the parse cache shares them already); frozen to make sure. */
const NO_PREFIXES = Object.freeze([]) as unknown as string[];

interface Scan {
  s: string;
  i: number;
}

const skip = (p: Scan): void => {
  while (p.i < p.s.length && cls(p.s, p.i) & 1) p.i++;
};

/** BigInts of the numbers most lines hold, made once (a BigInt is an object of its own). */
const SMALL_BIGINTS: (bigint | undefined)[] = new Array(65536);

/** Value of s[from..to) as digits of `radix`, as a double (exact up to 13 hex or 15 decimal digits). */
export function digitsValue(s: string, from: number, to: number, radix: number): number {
  let v = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    v = v * radix + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return v;
}

/** digitsValue as a BigInt (at most 13 hex or 15 decimal digits). */
function digits(s: string, from: number, to: number, radix: number): bigint {
  const v = digitsValue(s, from, to, radix);
  return v < SMALL_BIGINTS.length ? (SMALL_BIGINTS[v] ??= BigInt(v)) : BigInt(v);
}

/** A plain number (`123`, `0x1F`, `0Bh`) at p.i, or undefined; leaves p.i after it. */
function number(p: Scan): bigint | undefined {
  const s = p.s;
  const start = p.i;
  if (!(cls(s, start) & 8)) return undefined;
  let j = start;
  if (s[j] === '0' && (s[j + 1] === 'x' || s[j + 1] === 'X')) {
    j += 2;
    const d = j;
    while (cls(s, j) & 16) j++;
    if (j === d || j - d > 13 || !isDelim(s, j)) return undefined;
    p.i = j;
    return digits(s, d, j, 16);
  }
  while (cls(s, j) & 16) j++;
  if ((s[j] === 'h' || s[j] === 'H') && j - start <= 13 && isDelim(s, j + 1)) {
    p.i = j + 1;
    return digits(s, start, j, 16);
  }
  // Decimal: digits only (a letter makes it a suffixed or malformed number).
  j = start;
  while (cls(s, j) & 8) j++;
  if (j - start > 15 || !isDelim(s, j)) return undefined;
  p.i = j;
  return digits(s, start, j, 10);
}

/** An identifier at p.i (ASCII, not starting with `?` or `$`), or undefined. */
function ident(p: Scan): string | undefined {
  const s = p.s;
  if (!(cls(s, p.i) & 2)) return undefined;
  let j = p.i + 1;
  while (cls(s, j) & 4) j++;
  if (!isDelim(s, j)) return undefined;
  const w = s.slice(p.i, j);
  p.i = j;
  return w;
}

/** A name usable as a label operand: not a register, keyword, operator or reserved word. */
function labelName(w: string, reserved: (w: string) => boolean): boolean {
  const l = w.toLowerCase();
  return !SPECIAL.has(l) && !w.startsWith('__') && !reserved(w) && lookupReg(l) === undefined;
}

/** `[...]` contents up to the `]`: registers with scales and a displacement, as memory() builds them. */
function memory(p: Scan, col: number, qualify: (n: string) => string, reserved: (w: string) => boolean): MemOp | undefined {
  const m: MemOp = { k: 'mem', size: 0, scale: 1, dispSize: 0, nosplit: false, far: false, strict: false, col };
  const regs: { reg: Reg; scale: number }[] = [];
  /** Displacement terms as linearize() splits them off registers (a subtracted one negated)... */
  const disp: Expr[] = [];
  /** ...and as written, with the operator before each, for an address without registers. */
  const terms: Expr[] = [];
  const termOps: string[] = [];
  const s = p.s;
  let sign = 1;
  for (;;) {
    skip(p);
    termOps.push(sign === 1 ? '+' : '-');
    let unary = '';
    if (s[p.i] === '-' || s[p.i] === '+') {
      unary = s[p.i++];
      skip(p);
    }
    const n = number(p);
    if (n !== undefined) {
      skip(p);
      if (s[p.i] === '*') {
        // num*reg
        p.i++;
        skip(p);
        const w = ident(p);
        const r = w === undefined ? undefined : lookupReg(w);
        if (!r || unary || n === 0n || n > 16n) return undefined;
        regs.push({ reg: r, scale: Number(n) * sign });
      } else {
        const e = numExpr(unary === '-' ? BigInt.asIntN(64, -n) : n);
        terms.push(e);
        disp.push(sign === 1 ? e : { k: 'un', op: '-', a: e });
      }
    } else {
      const col0 = p.i + 1;
      const w = ident(p);
      if (w === undefined || unary) return undefined;
      // A size or `rel` keyword leads the general path's keyword loop: only names from here.
      const r = lookupReg(w);
      if (r) {
        skip(p);
        let scale = 1;
        if (s[p.i] === '*') {
          p.i++;
          skip(p);
          const k = number(p);
          if (k === undefined || k === 0n || k > 16n) return undefined;
          scale = Number(k);
        }
        regs.push({ reg: r, scale: scale * sign });
      } else {
        if (!labelName(w, reserved)) return undefined;
        const e: Expr = { k: 'sym', name: qualify(w), col: col0 };
        terms.push(e);
        disp.push(sign === 1 ? e : { k: 'un', op: '-', a: e });
      }
    }
    skip(p);
    const c = s[p.i];
    if (c === ']') {
      p.i++;
      break;
    }
    if (c === '+') sign = 1;
    else if (c === '-') sign = -1;
    else return undefined;
    p.i++;
  }
  // Only ordinary general-purpose registers, each once, added: the rest is for the general path.
  for (let a = 0; a < regs.length; a++) {
    const r = regs[a];
    if (r.reg.cls !== 'gpr' || r.reg.size === 8 || r.scale <= 0) return undefined;
    for (let b = 0; b < a; b++) if (regs[b].reg === r.reg) return undefined;
  }
  if (regs.length > 2) return undefined;
  if (regs.length === 2) {
    let [a, b] = regs;
    if (a.scale !== 1 && b.scale === 1) [a, b] = [b, a];
    if (a.scale !== 1) return undefined;
    m.base = a.reg;
    m.index = b.reg;
    m.scale = b.scale;
  } else if (regs.length === 1) {
    const r = regs[0];
    if (r.scale === 1) m.base = r.reg;
    else {
      m.index = r.reg;
      m.scale = r.scale;
    }
  }
  if (regs.length === 0) {
    // Without registers the whole expression is the displacement, as parsed (left to right).
    let d = terms[0];
    for (let k = 1; k < terms.length; k++) d = { k: 'bin', op: termOps[k], a: d, b: terms[k] };
    m.disp = d;
  } else if (disp.length) {
    let d = disp[0];
    for (let k = 1; k < disp.length; k++) d = { k: 'bin', op: '+', a: d, b: disp[k] };
    m.disp = d;
  }
  return m;
}

function operand(p: Scan, qualify: (n: string) => string, reserved: (w: string) => boolean): Operand | undefined {
  const s = p.s;
  const col = p.i + 1;
  let size = 0;
  // An optional size keyword, then the operand itself.
  let at = p.i;
  let w = ident(p);
  if (w !== undefined) {
    const sz = SIZES.get(w.toLowerCase());
    if (sz !== undefined) {
      size = sz;
      skip(p);
      at = p.i;
      w = ident(p);
    }
  }
  if (w !== undefined) {
    const r = lookupReg(w);
    if (r) return size ? undefined : { k: 'reg', reg: r, col: at + 1 };
    if (!labelName(w, reserved)) return undefined;
    return { k: 'imm', expr: { k: 'sym', name: qualify(w), col: at + 1 }, size, strict: false, jmp: undefined, col };
  }
  const c = s[p.i];
  if (c === '[') {
    p.i++;
    const m = memory(p, col, qualify, reserved);
    if (!m) return undefined;
    m.size = size;
    m.far = false;
    m.strict = false;
    return m;
  }
  let unary = '';
  if (c === '-' || c === '+') {
    unary = c;
    p.i++;
    skip(p);
  }
  const n = number(p);
  if (n === undefined) return undefined;
  const expr = numExpr(unary === '-' ? BigInt.asIntN(64, -n) : n);
  return { k: 'imm', expr, size, strict: false, jmp: undefined, col };
}

/**
 * The instruction on a line such as `mov rax, [rbx+rcx*8+16]` or `jne .loop`, or undefined when
 * the line needs the general parser. `mnemonic(word)` says whether a lower-case word is an
 * instruction that starts a statement (not a prefix, directive or data word).
 */
export function parseSimpleInsn(text: string, mnemonic: (w: string) => boolean, reserved: (w: string) => boolean, qualify: (n: string) => string): Insn | undefined {
  const p: Scan = { s: text, i: 0 };
  skip(p);
  const mcol = p.i + 1;
  const mw = ident(p);
  if (mw === undefined) return undefined;
  const mn = mw.toLowerCase();
  if (!mnemonic(mn)) return undefined;
  const ops = SCRATCH;
  ops.length = 0;
  skip(p);
  if (p.i < text.length) {
    if (!(cls(text, p.i - 1) & 1)) return undefined; // the mnemonic ran into something else (`nop:`)
    for (;;) {
      const op = operand(p, qualify, reserved);
      if (!op) return undefined;
      ops.push(op);
      skip(p);
      if (p.i >= text.length) break;
      if (text[p.i] !== ',') return undefined;
      p.i++;
      skip(p);
      if (p.i >= text.length) return undefined; // a trailing comma: the general path drops it
    }
  }
  // Parsed lines live as long as the assembly: an exact-size operand array and one shared empty prefix list.
  return { mn, ops: ops.slice(), prefixes: NO_PREFIXES, col: mcol, shared: false };
}

/** A line that is only a label with its colon (`L5:`, `.loop:`): the name and its column, or undefined. */
export function parseSimpleLabel(text: string, reserved: (w: string) => boolean): { name: string; col: number } | undefined {
  const p: Scan = { s: text, i: 0 };
  skip(p);
  const col = p.i + 1;
  const s = text;
  if (!(cls(s, p.i) & 2)) return undefined;
  let j = p.i + 1;
  while (cls(s, j) & 4) j++;
  const name = s.slice(p.i, j);
  p.i = j;
  skip(p);
  if (s[p.i] !== ':') return undefined;
  p.i++;
  skip(p);
  if (p.i < s.length || reserved(name)) return undefined;
  return { name, col };
}
