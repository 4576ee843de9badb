// Expressions: parsing tokens to a tree once, and evaluating the tree every pass.
// Values are 64-bit; a value may be relative to one section (a "relocatable" value), which
// NASM treats differently from a plain number when choosing encodings (NASM-FACTS 2.5).

import { FLOATIZE, floatizeValue } from './floats.js';
import { utfEncode, type Tok } from './lexer.js';
import { lookupReg, type Reg } from './registers.js';

export type Expr =
  | { k: 'num'; v: bigint; val?: Value }
  /** A character constant longer than 4 bytes: its value and warning depend on the mode (NASM's readstrnum()). */
  | { k: 'chr'; v: bigint; len: number }
  | { k: 'sym'; name: string; col: number }
  | { k: 'here' }
  | { k: 'base' }
  | { k: 'reg'; reg: Reg; col: number }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr };

export interface Value {
  n: bigint;
  seg: number; // -1: absolute number, else section index the value is relative to
  unk: boolean; // depends on a symbol not (yet) defined
  /** The current section's base is subtracted (NASM allows `-label` of the current section, e.g. `dw -x`). */
  minus?: number;
  /**
   * Unknown, but its unknown symbols cancel out (`b - a` with both not yet defined): NASM's
   * evaluator keeps unknowns as a term with a coefficient, drops it at zero, and so takes such a
   * value as known (its value is then `n`). This decides NASM's pass-1 displacement sizes.
   */
  cancelled?: boolean;
  /** Section bases were dropped from it (an immediate `a*2`): sized as the relocatable value it was. */
  basesDropped?: true;
}

/**
 * Inside an expression a value is NASM's vector: a number plus section bases with integer
 * coefficients (`446-$` has -1 times the current section), so `446-$+$$` is a plain number.
 * Only the finished value must be a number, one section base, or minus the current section's.
 */
interface Vec {
  n: bigint;
  unk: boolean;
  /** Sum of the coefficients of unknown symbols, while that is all they take part in (see Value.cancelled). */
  uc?: bigint;
  /** Section index to coefficient; absent when the value is a plain number. */
  terms?: Map<number, bigint>;
}

export class ExprError extends Error {
  constructor(message: string, public col: number) {
    super(message);
  }
}

/**
 * A value with section bases NASM cannot relocate (`a*2`, `c-a`, `a+c`), for instructions, whose
 * messages say why: a base with a negative coefficient, two bases, or one base taken more than
 * once (`n` is then the value without it, which NASM uses for an immediate).
 */
export class NotSimpleError extends ExprError {
  constructor(
    public reason: 'negative' | 'twoBases' | 'multiplier',
    public n: bigint,
  ) {
    super('expression is not simple or relocatable', 0);
  }
}

export const NUM = (n: bigint): Value => ({ n, seg: -1, unk: false });

/** Character constant: little-endian bytes of a string. */
export function strValue(bytes: string): bigint {
  let v = 0n;
  for (let i = Math.min(bytes.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes.charCodeAt(i));
  return v;
}

/**
 * A string used as a number: NASM keeps its first 8 bytes in 64-bit mode and its first 4 in 16-
 * and 32-bit mode, warning when it drops any. Longer than 4 bytes: evaluated per mode (`chr`).
 */
function charConst(bytes: string): Expr {
  const v = BigInt.asIntN(64, strValue(bytes));
  return bytes.length > 4 ? { k: 'chr', v, len: bytes.length } : { k: 'num', v };
}

/** NASM's default `--limit-eval`: operands and unary operators in one expression. */
const EVAL_LIMIT = 8192;
/** Parentheses and unary operators nested deeper than this are refused before the stack runs out. */
const MAX_NESTING = 1000;

const SIZE_WORDS = new Set(['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'yword', 'zword']);

/** NASM's operator names are written `__?name?__` or, the older way, `__name__`. */
function operatorName(id: string): string | undefined {
  const m = /^__\?(\w+)\?__$/.exec(id) ?? /^__(\w+?)__$/.exec(id);
  return m ? m[1].toLowerCase() : undefined;
}
/** `__?ilog2e?__(x)` and friends (NASM's integer functions, `%use ifunc` wraps them as `ilog2...()`). */
const IFUNCS = new Set(['ilog2e', 'ilog2w', 'ilog2f', 'ilog2c']);
const UTF_FUNCS = /^utf(16|32)(le|be)?$/;

export class ExprParser {
  pos = 0;
  constructor(
    public toks: Tok[],
    public qualify: (name: string) => string,
    public allowRegs = false,
    public endCol = 1,
  ) {}

  peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  isOp(v: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  err(msg = 'expression syntax error'): never {
    const t = this.toks[this.pos];
    throw new ExprError(msg, t ? t.col : this.endCol);
  }

  parse(): Expr {
    return this.cond();
  }

  private cond(): Expr {
    const c = this.binary(0);
    if (this.isOp('?')) {
      this.pos++;
      const a = this.cond();
      if (!this.isOp(':')) this.err("expecting `:'");
      this.pos++;
      const b = this.cond();
      return { k: 'cond', c, a, b };
    }
    return c;
  }

  private static LEVELS: string[][] = [
    ['||'],
    ['^^'],
    ['&&'],
    ['=', '==', '!=', '<>', '<', '<=', '>', '>=', '<=>'],
    ['|'],
    ['^'],
    ['&'],
    ['<<', '>>', '<<<', '>>>'],
    ['+', '-'],
    ['*', '/', '//', '%', '%%'],
  ];
  private static LEVEL_OF = new Map(ExprParser.LEVELS.flatMap((ops, level) => ops.map((op) => [op, level] as [string, number])));

  /**
   * Binary operators by precedence climbing: left-associative, and the recursion depth grows only
   * with parentheses and right operands of tighter operators, not with the number of terms.
   */
  private binary(minLevel: number): Expr {
    let a = this.unary();
    for (;;) {
      const t = this.peek();
      const level = t && t.t === 'op' ? ExprParser.LEVEL_OF.get(t.v) : undefined;
      if (level === undefined || level < minLevel) return a;
      this.pos++;
      const b = this.binary(level + 1);
      a = { k: 'bin', op: t!.v, a, b };
    }
  }

  /** Operands and unary operators read so far (NASM's expr6 calls, limited by --limit-eval). */
  private operands = 0;
  private depth = 0;

  private unary(): Expr {
    const t = this.peek();
    if (!t) this.err();
    if (++this.operands > EVAL_LIMIT) this.err('expression too long');
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!')) {
      this.pos++;
      if (++this.depth > MAX_NESTING) this.err('expression too long');
      const a = this.unary();
      this.depth--;
      if (t.v === '+') return a;
      if (a.k === 'num') {
        if (t.v === '-') return { k: 'num', v: BigInt.asIntN(64, -a.v) };
        if (t.v === '~') return { k: 'num', v: BigInt.asIntN(64, ~a.v) };
      }
      return { k: 'un', op: t.v, a };
    }
    if (t.t === 'id' && !t.forced && t.v.toLowerCase() === 'seg') this.err('SEG is not supported in flat binary output');
    const fn = t.t === 'id' && !t.forced ? operatorName(t.v) : undefined;
    if (fn !== undefined && IFUNCS.has(fn)) {
      this.pos++;
      if (++this.depth > MAX_NESTING) this.err('expression too long');
      const a = this.unary();
      this.depth--;
      return { k: 'un', op: fn, a };
    }
    if (fn !== undefined && fn in FLOATIZE) return this.floatize(fn);
    if (fn !== undefined && UTF_FUNCS.test(fn)) return this.utfString(fn);
    return this.primary();
  }

  /** `__?float32?__(1.5)`: the float's bits as a number. */
  private floatize(kind: string): Expr {
    this.pos++;
    if (!this.isOp('(')) this.err("expecting `('");
    this.pos++;
    let sign = '';
    if (this.isOp('-') || this.isOp('+')) sign = this.toks[this.pos++].v;
    const t = this.peek();
    const special = t?.t === 'id' && /^__\??(infinity|nan|qnan|snan)\??__$/i.test(t.v);
    if (!t || (t.t !== 'float' && !special)) this.err('expecting floating-point number');
    this.pos++;
    if (!this.isOp(')')) this.err("expecting `)'");
    this.pos++;
    const v = floatizeValue(kind, sign + t.v);
    if (typeof v === 'string') {
      this.pos--;
      this.err(v);
    }
    return { k: 'num', v };
  }

  /** `__?utf16?__("text")` (parentheses optional): the encoded string as a character constant. */
  private utfString(kind: string): Expr {
    const m = UTF_FUNCS.exec(kind)!;
    this.pos++;
    const parens = this.isOp('(');
    if (parens) this.pos++;
    const t = this.peek();
    if (!t || t.t !== 'str') this.err(`expecting string as argument to ${kind === m[0] ? `__?${kind}?__` : kind}`);
    this.pos++;
    if (parens) {
      if (!this.isOp(')')) this.err("expecting `)'");
      this.pos++;
    }
    return charConst(utfEncode(t.v, m[1] === '16' ? 16 : 32, m[2] === 'be'));
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) this.err();
    this.pos++;
    switch (t.t) {
      case 'num':
        return { k: 'num', v: BigInt.asIntN(64, t.n!) };
      case 'str':
        return charConst(t.v);
      case 'float':
        this.pos--;
        this.err('floating-point constant encountered in expression');
        break;
      case 'id': {
        if (!t.forced) {
          const low = t.v.toLowerCase();
          const r = lookupReg(low);
          if (r) {
            if (!this.allowRegs) {
              this.pos--;
              this.err();
            }
            return { k: 'reg', reg: r, col: t.col };
          }
          if (SIZE_WORDS.has(low) || low === 'strict' || low === 'near' || low === 'short' || low === 'far') {
            this.pos--;
            this.err();
          }
        }
        return { k: 'sym', name: this.qualify(t.v), col: t.col };
      }
      case 'op':
        if (t.v === '$') return { k: 'here' };
        if (t.v === '$$') return { k: 'base' };
        if (t.v === '(') {
          // Deeper nesting than this would exhaust the stack; NASM's own limit is 8192 operands.
          if (++this.depth > MAX_NESTING) this.err('expression too long');
          const e = this.cond();
          this.depth--;
          if (!this.isOp(')')) this.err("expecting `)'");
          this.pos++;
          return e;
        }
    }
    this.pos--;
    this.err();
  }
}

export interface EvalCtx {
  /** Returns the symbol's value, or undefined if it is not (yet) defined. */
  sym(name: string): Value | undefined;
  here: Value;
  base: Value;
  /** Called with the first undefined symbol name seen. */
  onUndefined?: (name: string, col: number) => void;
  /** Called with a warning met while evaluating (with its `[-w+class]` suffix). */
  onWarning?: (message: string) => void;
  /** The current `bits` (16 when absent): long character constants depend on it. */
  bits?: number;
}

/** Parsed numbers from -256 to 65535, one immutable expression each: a large file holds no object per number. */
const SMALL_NUMS: (Expr | undefined)[] = [];
const SMALL_MIN = -256;
const SMALL_MAX = 65535;
const SMALL_MIN_N = BigInt(SMALL_MIN);
const SMALL_MAX_N = BigInt(SMALL_MAX);

/** The expression of a plain number (shared for small ones: expressions are never changed after parsing). */
export function numExpr(v: bigint): Expr {
  if (v < SMALL_MIN_N || v > SMALL_MAX_N) return { k: 'num', v };
  const i = Number(v) - SMALL_MIN;
  return (SMALL_NUMS[i] ??= { k: 'num', v });
}

const M64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

export function evaluate(e: Expr, ctx: EvalCtx): Value {
  // Most expressions are a number, a symbol or `$`: no vector arithmetic needed.
  if (e.k === 'num') return (e.val ??= { n: e.v, seg: -1, unk: false });
  if (e.k === 'here') return ctx.here;
  if (e.k === 'base') return ctx.base;
  if (e.k === 'sym') {
    const v = ctx.sym(e.name);
    if (v) return v;
    ctx.onUndefined?.(e.name, e.col);
    return { n: 0n, seg: -1, unk: true };
  }
  return finish(evalVec(e, ctx), ctx);
}

const toVec = (v: Value): Vec => {
  if (v.seg < 0 && v.minus === undefined) return { n: v.n, unk: v.unk };
  const terms = new Map<number, bigint>();
  if (v.seg >= 0) terms.set(v.seg, 1n);
  if (v.minus !== undefined) terms.set(v.minus, (terms.get(v.minus) ?? 0n) - 1n);
  return { n: v.n, unk: v.unk, terms };
};

/** Turns a vector into a value an instruction or data item can use, as NASM's is_reloc() allows. */
function finish(v: Vec, ctx: EvalCtx): Value {
  if (v.unk && v.uc === 0n && !v.terms) return { n: v.n, seg: -1, unk: true, cancelled: true };
  let plus = -1;
  let minus: number | undefined;
  for (const [seg, c] of v.terms ?? []) {
    if (c === 0n || v.unk) continue;
    if (c === 1n && plus < 0) plus = seg;
    else if (c === -1n && minus === undefined && seg === ctx.base.seg) minus = seg;
    else throw notSimple(v, ctx);
  }
  return minus === undefined ? { n: v.n, seg: plus, unk: v.unk } : { n: v.n, seg: plus, unk: v.unk, minus };
}

function notSimple(v: Vec, ctx: EvalCtx): NotSimpleError {
  let bases = 0;
  let negative = false;
  for (const [seg, c] of v.terms ?? []) {
    if (c > 0n) bases++;
    else if (c < 0n && !(c === -1n && seg === ctx.base.seg)) negative = true;
  }
  return new NotSimpleError(negative ? 'negative' : bases > 1 ? 'twoBases' : 'multiplier', v.n);
}

/** Whether NASM's vector of `v` has an unknown term (one that cancelled out has none). */
const hasUnknownTerm = (v: Vec): boolean => v.unk && v.uc !== 0n;

function combine(a: Vec, b: Vec, sign: bigint): Vec {
  const n = M64(a.n + sign * b.n);
  const unk = a.unk || b.unk;
  const r: Vec = { n, unk };
  if (unk) {
    const ua = a.unk ? a.uc : 0n;
    const ub = b.unk ? b.uc : 0n;
    if (ua !== undefined && ub !== undefined) r.uc = ua + sign * ub;
    // NASM's add_vectors() merges the two vectors term by term in type order (number, unknown,
    // section bases) and stops after the unknown term while both sides still have terms: when
    // each side has an unknown term or a section base, no section base is left (`$ - fwd` keeps
    // none, so `(a - fwd) - ($ - fwd2)` is a plain number once the unknowns cancel).
    if ((hasUnknownTerm(a) || hasUnknownTerm(b)) && (hasUnknownTerm(a) || a.terms) && (hasUnknownTerm(b) || b.terms)) return r;
  }
  if (!a.terms && !b.terms) return r;
  const terms = new Map(a.terms);
  for (const [seg, c] of b.terms ?? []) terms.set(seg, (terms.get(seg) ?? 0n) + sign * c);
  for (const [seg, c] of terms) if (c === 0n) terms.delete(seg);
  if (terms.size) r.terms = terms;
  return r;
}

/** NASM's result of anything but `+`/`-` on an unknown value: a new unknown term (coefficient 1, no number). */
const FRESH_UNKNOWN = (): Vec => ({ n: 0n, unk: true, uc: 1n });

/**
 * Known, or unknown only through symbols that cancel out (`b - a`): NASM has dropped the unknown
 * term, so other operators treat it as its number; the result stays marked unknown-but-cancelled.
 */
const numberLike = (v: Vec): boolean => !v.terms && (!v.unk || v.uc === 0n);
const CANCELLED = (n: bigint): Vec => ({ n, unk: true, uc: 0n });

/** NASM's wording when an operator needs plain numbers. */
const SCALAR_ONLY: Record<string, string> = {
  '<<': 'shift operator', '>>': 'shift operator', '<<<': 'shift operator', '>>>': 'shift operator',
  '/': 'division operator', '%': 'division operator', '//': 'division operator', '%%': 'division operator',
  '&&': "`&' operator", '||': "`|' operator", '^^': "`^' operator",
};

/** Scalar operands only (NASM: such operators "may only be applied to scalar values"). */
function scalar(v: Vec, op: string): void {
  if (!v.terms || v.unk) return;
  if (op === '?') throw new ExprError("the left-hand side of `?' must be a scalar value", 0);
  throw new ExprError(`${SCALAR_ONLY[op] ?? `\`${op}' operator`} may only be applied to scalar values`, 0);
}

/** NASM scales a section-relative value by a number; the finished value must still be usable. */
function multiply(a: Vec, b: Vec): Vec {
  const unk = a.unk || b.unk;
  if (a.terms && b.terms && !unk) throw new ExprError('unable to multiply two non-scalar objects', 0);
  const [v, k] = b.terms ? [b, a.n] : [a, b.n];
  if (unk) return numberLike(a) && numberLike(b) ? CANCELLED(M64(a.n * b.n)) : FRESH_UNKNOWN();
  if (!v.terms) return { n: M64(a.n * b.n), unk };
  const terms = new Map<number, bigint>();
  for (const [seg, c] of v.terms) if (c * k !== 0n) terms.set(seg, c * k);
  return terms.size ? { n: M64(a.n * b.n), unk, terms } : { n: M64(a.n * b.n), unk };
}

function evalVec(e: Expr, ctx: EvalCtx): Vec {
  switch (e.k) {
    case 'num':
      return { n: e.v, unk: false };
    case 'chr': {
      const wide = ctx.bits === 64;
      if (e.len > (wide ? 8 : 4)) ctx.onWarning?.('character constant too long [-w+other]');
      return { n: wide ? e.v : e.v & 0xffffffffn, unk: false };
    }
    case 'sym': {
      const v = ctx.sym(e.name);
      if (v) return toVec(v);
      ctx.onUndefined?.(e.name, e.col);
      return { n: 0n, unk: true, uc: 1n };
    }
    case 'here':
      return toVec(ctx.here);
    case 'base':
      return toVec(ctx.base);
    case 'reg':
      throw new ExprError('invalid use of register in expression', e.col);
    case 'cond': {
      const c = evalVec(e.c, ctx);
      scalar(c, '?');
      return c.n !== 0n ? evalVec(e.a, ctx) : evalVec(e.b, ctx);
    }
    case 'un': {
      const a = evalVec(e.a, ctx);
      if (e.op === '-') return combine({ n: 0n, unk: false }, a, -1n);
      if (IFUNCS.has(e.op)) return ilog2(e.op, a, ctx);
      scalar(a, e.op);
      if (a.unk && !numberLike(a)) return FRESH_UNKNOWN();
      const r = e.op === '~' ? M64(~a.n) : a.n === 0n ? 1n : 0n;
      return a.unk ? CANCELLED(r) : { n: r, unk: false };
    }
    case 'bin': {
      // A long left-associative chain (`1+1+...`) is walked in a loop, not by recursion.
      if (e.a.k === 'bin') {
        const spine: (Expr & { k: 'bin' })[] = [];
        let x: Expr = e;
        while (x.k === 'bin') {
          spine.push(x);
          x = x.a;
        }
        let acc = evalVec(x, ctx);
        for (let i = spine.length - 1; i >= 0; i--) acc = applyBin(spine[i].op, acc, evalVec(spine[i].b, ctx));
        return acc;
      }
      return applyBin(e.op, evalVec(e.a, ctx), evalVec(e.b, ctx));
    }
  }
}

/** NASM's eval_ifunc(): floor (`e`, `w`, `f`) or ceiling (`c`) of log2 of the unsigned value. */
function ilog2(op: string, a: Vec, ctx: EvalCtx): Vec {
  if (a.unk) return FRESH_UNKNOWN();
  if (a.terms) throw new ExprError('function may only be applied to scalar values', 0);
  const u = U64(a.n);
  const floorLog = (x: bigint): bigint => (x === 0n ? 0n : BigInt(x.toString(2).length - 1));
  if ((op === 'ilog2e' || op === 'ilog2w') && (u === 0n || (u & (u - 1n)) !== 0n)) {
    if (op === 'ilog2e') throw new ExprError('ilog2 argument is not a power of two', 0);
    ctx.onWarning?.('ilog2 argument is not a power of two [-w+other]');
  }
  if (op === 'ilog2c') return { n: u < 2n ? 0n : floorLog(u - 1n) + 1n, unk: false };
  return { n: floorLog(u), unk: false };
}

const RELATIONAL = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=', '<=>']);

/**
 * NASM's comparisons work on the difference of the operands (its rexp3), so two labels of one
 * section compare (`%if end > start`); values that differ by a section base are unequal, and only
 * `=`/`!=` take them. The sign is the 64-bit difference's.
 */
function relational(op: string, d: Vec): Vec {
  if (d.unk && !numberLike(d)) return FRESH_UNKNOWN();
  let r: boolean;
  if (op === '=' || op === '==') r = !d.terms && d.n === 0n;
  else if (op === '!=' || op === '<>') r = !!d.terms || d.n !== 0n;
  else {
    if (d.terms) throw new ExprError(`\`${op}': operands differ by a non-scalar`, 0);
    const v = BigInt.asIntN(64, d.n);
    // NASM 2.16.01 gives <=> as 1 when greater and 0 otherwise (its -1 means "unknown" there); kept for byte identity.
    r = op === '<' ? v < 0n : op === '<=' ? v <= 0n : op === '>=' ? v >= 0n : v > 0n;
  }
  return d.unk ? CANCELLED(r ? 1n : 0n) : { n: r ? 1n : 0n, unk: false };
}

function applyBin(op: string, a: Vec, b: Vec): Vec {
  if (op === '+') return combine(a, b, 1n);
  if (op === '-') return combine(a, b, -1n);
  if (op === '*') return multiply(a, b);
  if (RELATIONAL.has(op)) return relational(op, combine(a, b, -1n));
  const unk = a.unk || b.unk;
  if (!unk) {
    scalar(a, op);
    scalar(b, op);
  }
  if (unk && !(numberLike(a) && numberLike(b))) return FRESH_UNKNOWN();
  const x = a.n;
  const y = b.n;
  let r: bigint;
  switch (op) {
    case '*': r = x * y; break;
    case '/':
    case '%':
    case '//':
    case '%%':
      if (y === 0n) throw new ExprError('division by zero', 0);
      if (op === '/') r = U64(x) / U64(y);
      else if (op === '%') r = U64(x) % U64(y);
      else if (op === '//') r = x / y;
      else r = x % y;
      break;
    case '<<': r = y >= 64n || y < 0n ? 0n : x << y; break;
    case '>>': r = y >= 64n || y < 0n ? 0n : U64(x) >> y; break;
    case '<<<': r = y >= 64n || y < 0n ? 0n : x << y; break;
    case '>>>': r = y >= 64n || y < 0n ? (x < 0n ? -1n : 0n) : x >> y; break;
    case '&': r = x & y; break;
    case '|': r = x | y; break;
    case '^': r = x ^ y; break;
    case '&&': r = x !== 0n && y !== 0n ? 1n : 0n; break;
    case '||': r = x !== 0n || y !== 0n ? 1n : 0n; break;
    case '^^': r = (x !== 0n) !== (y !== 0n) ? 1n : 0n; break;
    default: throw new ExprError(`unknown operator ${op}`, 0);
  }
  return unk ? CANCELLED(M64(r)) : { n: M64(r), unk: false };
}


/** True when some leaf (number, symbol, `$`, `$$`, register) passes `test`; iterative, so long chains are fine. */
export function someLeaf(e: Expr, test: (leaf: Expr) => boolean): boolean {
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.k === 'un') stack.push(x.a);
    else if (x.k === 'bin') stack.push(x.b, x.a);
    else if (x.k === 'cond') stack.push(x.b, x.a, x.c);
    else if (test(x)) return true;
  }
  return false;
}

/** True when the tree mentions no symbol and no `$`/`$$`: its value never changes between passes. */
export function isConstExpr(e: Expr): boolean {
  return e.k === 'num' || !someLeaf(e, (x) => x.k !== 'num');
}

export function usesHere(e: Expr): boolean {
  return someLeaf(e, (x) => x.k === 'here' || x.k === 'base');
}
