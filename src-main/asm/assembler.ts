// Pass scheduler and flat-binary output. Passes walk the parsed statements (never the text).
// NASM's schedule (NASM-FACTS 2.6): pass 1 is optimistic about unknown forward references; every
// later pass sees backward references with this pass's values and forward references with the
// previous pass's values (simply because the symbol table is updated in place while walking);
// passes repeat until no label moves, then a final pass emits bytes.

import { Diags, type Pos } from './diagnostics.js';
import { encode, EncodeError, type Encoded, type Fix } from './encoder.js';
import { evaluate, ExprError, isConstExpr, usesHere, type EvalCtx, type Expr, type Value } from './expr.js';
import type { PLine } from './preprocessor.js';
import type { DataItem, Insn, SectionAttrs, Stmt } from './parser.js';
import { floatBytes } from './floats.js';

export interface Section {
  name: string;
  idx: number;
  nobits: boolean;
  attrs: SectionAttrs;
  align: number; // from align= or sectalign
  explicitAlign: boolean;
  size: number; // current pass
  data: number[]; // final pass bytes
  fixes: Fix[]; // final pass, offsets relative to section start
  start: bigint; // real (load) address after layout
  vstart: bigint;
  defined: boolean;
}

interface Sym {
  value: Value;
  pass: number; // last pass it was defined in
  line: number;
  kind: 'label' | 'equ';
}

export interface ListRec {
  line: number; // index into plines
  seg: number; // section index or -1 for absolute
  off: number;
  bytes: number[];
  fixes: Fix[];
  res?: number; // reserved bytes
  times?: { count: number; unit: number[] };
}

export interface AsmState {
  sections: Section[];
  symbols: Map<string, Sym>;
  listing: ListRec[];
  output: Uint8Array;
  origin: bigint;
  passes: number;
  maps: { args: string; line: number }[];
}

const MAX_PASSES = 10_000;
const MAX_STALL = 1_000;
const MAX_OUTPUT = 1 << 28;

interface StmtCache {
  bits: number;
  size: number;
  enc?: Encoded;
}

type Phase = 'first' | 'opt' | 'final';

export class Assembler {
  sections: Section[] = [];
  symbols = new Map<string, Sym>();
  private secByName = new Map<string, Section>();
  private pass = 0;
  private phase: Phase = 'first';
  private bits: 16 | 32 | 64 = 16;
  private cur = 0; // section index, or -1 in absolute space
  private absBase = 0n;
  private absOff = 0;
  private changed = 0;
  private defaultRel = false;
  origin = 0n;
  private originSet = false;
  private strucStack: { name: string; prevSec: number; prevAbsBase: bigint; prevAbsOff: number }[] = [];
  private istrucs: { name: string; seg: number; start: number }[] = [];
  listing: ListRec[] = [];
  maps: { args: string; line: number }[] = [];
  private caches: (StmtCache | undefined)[] = [];
  private stmtIndex = 0;
  private earlyStop = false;

  constructor(
    private stmts: Stmt[],
    private lines: PLine[],
    private diags: Diags,
    private o0: boolean,
    private incbins: Map<string, Uint8Array | undefined>,
  ) {
    this.getSection('.text', true);
  }

  private pos(line: number): Pos {
    const l = this.lines[line];
    return l ? { file: l.file, line: l.line } : { file: '', line: 1 };
  }

  private err(line: number, msg: string, col = 1): void {
    if (this.phase === 'final') this.diags.add('final', 'error', this.pos(line), col, msg);
  }
  private earlyErr(line: number, msg: string, col = 1): void {
    if (this.phase === 'first') {
      this.diags.add('early', 'error', this.pos(line), col, msg);
      this.earlyStop = true;
    }
  }
  private warn(line: number, msg: string, col = 1): void {
    if (this.phase === 'final') this.diags.add('final', 'warning', this.pos(line), col, msg);
  }

  private getSection(name: string, create: boolean): Section {
    let s = this.secByName.get(name);
    if (!s && create) {
      s = {
        name, idx: this.sections.length, nobits: name === '.bss', attrs: {}, align: 4, explicitAlign: false,
        size: 0, data: [], fixes: [], start: 0n, vstart: 0n, defined: true,
      };
      this.sections.push(s);
      this.secByName.set(name, s);
    }
    return s!;
  }

  run(): void {
    this.runPass('first');
    if (this.earlyStop || this.diags.hasEarlyErrors || this.diags.fatal) return;
    let stall = 0;
    let passes = 1;
    for (;;) {
      const ch = this.runPass('opt');
      passes++;
      if (ch === 0) break;
      if (++stall > MAX_STALL || passes > MAX_PASSES) break;
    }
    this.layout();
    this.runPass('final');
    this.layout();
    this.applyFixes();
  }

  // ---------- evaluation ----------

  /** `$` inside `times` is the start of the whole line, not of each repetition. */
  private lineHere: Value | undefined;

  private here(): Value {
    if (this.lineHere) return this.lineHere;
    if (this.cur < 0) return { n: this.absBase + BigInt(this.absOff), seg: -1, unk: false };
    return { n: BigInt(this.sections[this.cur].size), seg: this.cur, unk: false };
  }

  private undefinedName: string | undefined;
  private undefinedCol = 1;
  private ctx: EvalCtx = {
    sym: (name) => this.lookup(name),
    here: { n: 0n, seg: -1, unk: false },
    base: { n: 0n, seg: -1, unk: false },
    onUndefined: (name, col) => {
      if (this.undefinedName === undefined) {
        this.undefinedName = name;
        this.undefinedCol = col;
      }
    },
  };

  private lookup(name: string): Value | undefined {
    const s = this.symbols.get(name);
    if (s) return s.value;
    const m = /^section\.(.+)\.(start|vstart|length)$/.exec(name);
    if (m && this.phase !== 'first') {
      const sec = this.secByName.get(m[1]);
      if (sec) {
        if (m[2] === 'start') return { n: sec.start, seg: -1, unk: false };
        if (m[2] === 'vstart') return { n: sec.vstart, seg: -1, unk: false };
        return { n: BigInt(sec.size), seg: -1, unk: false };
      }
    }
    return undefined;
  }

  private eval(e: Expr): Value {
    this.ctx.here = this.here();
    this.ctx.base = this.cur < 0 ? { n: this.absBase, seg: -1, unk: false } : { n: 0n, seg: this.cur, unk: false };
    return evaluate(e, this.ctx);
  }

  /** Evaluates and reports an undefined symbol in the final pass. */
  private evalChecked(e: Expr, line: number): Value {
    this.undefinedName = undefined;
    const v = this.eval(e);
    if (this.undefinedName !== undefined) this.err(line, `symbol \`${this.undefinedName}' not defined`, this.undefinedCol);
    return v;
  }

  /** Critical expression: must be a known plain number in pass 1. */
  private critical(e: Expr, line: number, what: string): bigint | undefined {
    this.undefinedName = undefined;
    let v: Value;
    try {
      v = this.eval(e);
    } catch (x) {
      this.earlyErr(line, (x as Error).message);
      return undefined;
    }
    if (v.unk || v.seg >= 0) {
      this.earlyErr(line, what);
      if (this.phase === 'final') this.err(line, what);
      return undefined;
    }
    return v.n;
  }

  private define(name: string, value: Value, line: number, kind: 'label' | 'equ', col: number): void {
    const s = this.symbols.get(name);
    if (!s) {
      this.symbols.set(name, { value, pass: this.pass, line, kind });
      this.changed++;
      return;
    }
    if (s.pass === this.pass) {
      if (this.phase === 'final' || this.phase === 'first') {
        const same = s.value.n === value.n && s.value.seg === value.seg;
        if (kind === 'equ' || !same || s.line !== line) {
          if (this.phase === 'first') {
            this.earlyErr(line, `label \`${name}' inconsistently redefined`, col);
            this.diags.add('early', 'info', this.pos(s.line), 1, `label \`${name}' originally defined here`);
          }
        }
      }
      return;
    }
    if (s.value.n !== value.n || s.value.seg !== value.seg || s.value.unk !== value.unk) this.changed++;
    s.value = value;
    s.pass = this.pass;
    s.line = line;
  }

  // ---------- passes ----------

  private runPass(phase: Phase): number {
    this.phase = phase;
    this.pass++;
    this.changed = 0;
    this.bits = 16;
    this.cur = 0;
    this.absBase = 0n;
    this.absOff = 0;
    this.strucStack = [];
    this.istrucs = [];
    for (const s of this.sections) {
      s.size = 0;
      if (phase === 'final') {
        s.data = [];
        s.fixes = [];
      }
    }
    if (phase === 'final') this.listing = [];
    const stmts = this.stmts;
    for (let i = 0; i < stmts.length; i++) {
      this.stmtIndex = i;
      const st = stmts[i];
      try {
        this.exec(st, i);
      } catch (x) {
        const msg = x instanceof Error ? x.message : String(x);
        const col = x instanceof ExprError ? x.col : 1;
        if (x instanceof EncodeError || x instanceof ExprError) for (const m of msg.split('\n')) this.err(st.line, m, col);
        else this.err(st.line, `internal error: ${msg}`);
      }
      if (this.earlyStop && phase === 'first') {
        // NASM keeps going through pass 1 to collect every pass-1 error.
      }
    }
    return this.changed;
  }

  /** Flat binaries beyond this size are certainly a mistake (and would exhaust memory). */
  private guardSize(n: number, line: number): void {
    if (n > MAX_OUTPUT || (this.cur >= 0 && this.sections[this.cur].size + n > MAX_OUTPUT)) {
      throw new EncodeError(`output size exceeds ${MAX_OUTPUT} bytes`);
    }
    void line;
  }

  private advance(n: number): void {
    if (this.cur < 0) this.absOff += n;
    else this.sections[this.cur].size += n;
  }

  private emitBytes(bytes: number[], fixes: Fix[], line: number): void {
    if (this.phase === 'final') {
      if (this.cur >= 0) {
        const s = this.sections[this.cur];
        if (s.nobits && bytes.some((b) => b !== 0)) {
          this.warn(line, `attempt to initialize memory in a nobits section: ignored`);
        } else if (!s.nobits) {
          const base = s.size;
          for (const f of fixes) s.fixes.push({ ...f, at: f.at + base });
          for (const b of bytes) s.data.push(b);
        }
      } else if (bytes.length && bytes.some((b) => b !== 0)) {
        this.warn(line, 'attempt to initialize memory in absolute section: ignored');
      }
      this.listing.push({ line, seg: this.cur, off: this.cur < 0 ? this.absOff : this.sections[this.cur].size, bytes, fixes });
    }
    this.advance(bytes.length);
  }

  private reserve(n: number, line: number, warn: boolean): void {
    this.guardSize(n, line);
    if (this.phase === 'final') {
      if (this.cur >= 0) {
        const s = this.sections[this.cur];
        if (!s.nobits) {
          if (warn) this.warn(line, `uninitialized space declared in ${s.name} section: zeroing [-w+zeroing]`);
          for (let k = 0; k < n; k++) s.data.push(0);
        }
      }
      this.listing.push({ line, seg: this.cur, off: this.cur < 0 ? this.absOff : this.sections[this.cur].size, bytes: [], fixes: [], res: n });
    }
    this.advance(n);
  }

  private exec(st: Stmt, idx: number): void {
    switch (st.k) {
      case 'label': {
        const v = this.here();
        this.define(st.name, v, st.line, 'label', st.col);
        return;
      }
      case 'insn':
        this.insn(st.insn, st.line, idx);
        return;
      case 'data':
        this.data(st.unit, st.items, st.line);
        return;
      case 'res': {
        const n = this.critical(st.count, st.line, 'attempt to reserve non-constant quantity of BSS space');
        if (n === undefined) return;
        if (n < 0n) {
          // NASM 2.16.01 aborts with an assertion failure here; we report it as an error.
          this.err(st.line, `RESx value ${n} is negative`);
          return;
        }
        this.reserve(Number(n) * st.unit, st.line, true);
        return;
      }
      case 'times': {
        const n = this.critical(st.count, st.line, 'non-constant argument supplied to TIMES');
        if (n === undefined) return;
        if (n < 0n) {
          this.earlyErr(st.line, `TIMES value ${n} is negative`);
          this.err(st.line, `TIMES value ${n} is negative`);
          return;
        }
        if (!st.body) return;
        this.times(Number(n), st.body, idx);
        return;
      }
      case 'equ': {
        this.undefinedName = undefined;
        let v: Value;
        try {
          v = this.eval(st.expr);
        } catch (x) {
          this.err(st.line, (x as Error).message);
          return;
        }
        if (v.unk) {
          if (this.phase === 'final') this.err(st.line, `symbol \`${this.undefinedName ?? '?'}' not defined`);
          return;
        }
        this.define(st.name, v, st.line, 'equ', st.col);
        return;
      }
      case 'org': {
        const n = this.critical(st.expr, st.line, 'non-constant argument supplied to ORG');
        if (n === undefined) return;
        if (this.phase === 'first') {
          if (this.originSet && n !== this.origin) this.earlyErr(st.line, 'program origin redefined');
          this.origin = n;
          this.originSet = true;
        }
        return;
      }
      case 'bits':
        this.bits = st.bits as 16 | 32 | 64;
        return;
      case 'default':
        this.defaultRel = st.rel;
        return;
      case 'section': {
        const s = this.getSection(st.name, true);
        if (this.phase === 'first') this.applyAttrs(s, st.attrs, st.line);
        this.cur = s.idx;
        return;
      }
      case 'absolute': {
        const v = this.eval(st.expr);
        if (v.unk && this.phase === 'first') {
          this.earlyErr(st.line, 'non-constant argument supplied to ABSOLUTE');
          return;
        }
        this.cur = -1;
        this.absBase = v.seg >= 0 ? v.n : v.n;
        this.absOff = 0;
        return;
      }
      case 'align': {
        const n = this.critical(st.n, st.line, 'non-constant argument supplied to ALIGN');
        if (n === undefined) return;
        if (n <= 0n || (n & (n - 1n)) !== 0n) {
          this.err(st.line, 'alignment must be a power of two');
          return;
        }
        const N = Number(n);
        const here = this.cur < 0 ? Number(this.absBase) + this.absOff : this.sections[this.cur].size;
        const pad = (N - (here % N)) % N;
        if (this.cur >= 0 && !st.b) {
          const s = this.sections[this.cur];
          if (N > s.align) s.align = N;
        }
        if (st.b) {
          if (pad) this.reserve(pad, st.line, false);
          return;
        }
        if (st.fill) this.times(pad, st.fill, idx);
        else if (pad) this.emitBytes(new Array(pad).fill(0x90), [], st.line);
        return;
      }
      case 'sectalign': {
        const n = this.critical(st.n, st.line, 'non-constant argument supplied to SECTALIGN');
        if (n !== undefined && this.cur >= 0 && Number(n) > this.sections[this.cur].align) this.sections[this.cur].align = Number(n);
        return;
      }
      case 'incbin': {
        const data = this.incbins.get(st.name);
        if (!data) {
          this.earlyErr(st.line, `\`incbin': unable to get length of file \`${st.name}'`);
          return;
        }
        let skip = 0;
        let len = data.length;
        if (st.skip) {
          const v = this.critical(st.skip, st.line, 'non-constant argument supplied to INCBIN');
          if (v !== undefined) skip = Math.min(Number(v), data.length);
        }
        len = data.length - skip;
        if (st.len) {
          const v = this.critical(st.len, st.line, 'non-constant argument supplied to INCBIN');
          if (v !== undefined) len = Math.max(0, Math.min(Number(v), len));
        }
        if (this.phase === 'final') this.emitBytes(Array.from(data.subarray(skip, skip + len)), [], st.line);
        else this.advance(len);
        return;
      }
      case 'struc': {
        const off = this.critical(st.off, st.line, 'non-constant argument supplied to STRUC') ?? 0n;
        this.strucStack.push({ name: st.name, prevSec: this.cur, prevAbsBase: this.absBase, prevAbsOff: this.absOff });
        this.cur = -1;
        this.absBase = off;
        this.absOff = 0;
        this.define(st.name, { n: off, seg: -1, unk: false }, st.line, 'label', 1);
        return;
      }
      case 'endstruc': {
        const s = this.strucStack.pop();
        if (!s) {
          this.err(st.line, '`endstruc\' without `struc\'');
          return;
        }
        this.define(`${s.name}_size`, { n: BigInt(this.absOff), seg: -1, unk: false }, st.line, 'equ', 1);
        this.cur = s.prevSec;
        this.absBase = s.prevAbsBase;
        this.absOff = s.prevAbsOff;
        return;
      }
      case 'istruc':
        this.istrucs.push({ name: st.name, seg: this.cur, start: this.cur < 0 ? this.absOff : this.sections[this.cur].size });
        return;
      case 'at': {
        const is = this.istrucs[this.istrucs.length - 1];
        if (!is) {
          this.err(st.line, '`at\' outside `istruc\'');
          return;
        }
        const fv = this.eval(st.field);
        const base = this.symbols.get(is.name)?.value.n ?? 0n;
        const cur = this.cur < 0 ? this.absOff : this.sections[this.cur].size;
        const count = Number(fv.n - base) - (cur - is.start);
        if (count < 0) {
          this.err(st.line, `TIMES value ${count} is negative`);
        } else if (count > 0) this.emitBytes(new Array(count).fill(0), [], st.line);
        if (st.body) this.exec(st.body, idx);
        return;
      }
      case 'iend': {
        const is = this.istrucs.pop();
        if (!is) {
          this.err(st.line, '`iend\' without `istruc\'');
          return;
        }
        const size = this.lookup(`${is.name}_size`);
        const cur = this.cur < 0 ? this.absOff : this.sections[this.cur].size;
        if (!size) {
          this.err(st.line, `symbol \`${is.name}_size' not defined`);
          return;
        }
        const count = Number(size.n) - (cur - is.start);
        if (count < 0) this.err(st.line, `TIMES value ${count} is negative`);
        else if (count > 0) this.emitBytes(new Array(count).fill(0), [], st.line);
        return;
      }
      case 'map':
        if (this.phase === 'final') this.maps.push({ args: st.args, line: st.line });
        return;
      case 'nop':
        return;
    }
  }

  private applyAttrs(s: Section, a: SectionAttrs, line: number): void {
    const num = (e: Expr | undefined, what: string): bigint | undefined => {
      if (!e) return undefined;
      return this.critical(e, line, `non-constant argument supplied to ${what}`);
    };
    if (a.nobits) s.nobits = true;
    if (a.progbits) s.nobits = false;
    const al = num(a.align, 'ALIGN');
    if (al !== undefined) {
      if (al <= 0n || (al & (al - 1n)) !== 0n) this.earlyErr(line, "argument to `align' is not a power of two");
      else {
        s.align = Number(al);
        s.explicitAlign = true;
      }
    }
    const start = num(a.start, 'START');
    const vstart = num(a.vstart, 'VSTART');
    s.attrs = {
      ...s.attrs,
      ...(a.follows ? { follows: a.follows } : {}),
      ...(a.vfollows ? { vfollows: a.vfollows } : {}),
    };
    if (start !== undefined) (s as Section & { fixedStart?: bigint }).fixedStart = start;
    if (vstart !== undefined) (s as Section & { fixedVstart?: bigint }).fixedVstart = vstart;
  }

  private times(n: number, body: Stmt, idx: number): void {
    if (n === 0) return;
    this.lineHere = this.here();
    try {
      this.timesInner(n, body, idx);
    } finally {
      this.lineHere = undefined;
    }
  }

  private timesInner(n: number, body: Stmt, idx: number): void {
    // Fast path: a body whose size cannot vary is laid out once and repeated.
    if (this.phase !== 'final' && body.k === 'data' && !body.items.some((it) => it.k === 'expr' && usesHere(it.e) && false)) {
      const size = this.dataSize(body.unit, body.items);
      this.guardSize(size * n, body.line);
      this.advance(size * n);
      return;
    }
    if (this.phase === 'final' && body.k === 'data' && body.items.every((it) => it.k !== 'expr' || isConstExpr(it.e))) {
      const start = this.listing.length;
      const before = this.cur >= 0 ? this.sections[this.cur].size : this.absOff;
      const unit = this.dataBytes(body.unit, body.items, body.line);
      this.guardSize(unit.bytes.length * n, body.line);
      const all: number[] = [];
      for (let k = 0; k < n; k++) for (const b of unit.bytes) all.push(b);
      this.listing.length = start;
      this.emitBytes(all, [], body.line);
      const rec = this.listing[this.listing.length - 1];
      rec.times = { count: n, unit: unit.bytes };
      rec.off = before;
      return;
    }
    if (this.phase !== 'final' && body.k === 'insn' && n > 1) {
      // Non-final passes only need the size; an instruction repeated by TIMES keeps its size.
      const before = this.cur >= 0 ? this.sections[this.cur].size : this.absOff;
      this.exec(body, idx);
      const size = (this.cur >= 0 ? this.sections[this.cur].size : this.absOff) - before;
      this.guardSize(size * (n - 1), body.line);
      this.advance(size * (n - 1));
      return;
    }
    if (body.k === 'res') {
      const c = this.critical(body.count, body.line, 'non-constant argument supplied to RESx');
      if (c !== undefined) this.reserve(Number(c) * body.unit * n, body.line, true);
      return;
    }
    for (let k = 0; k < n; k++) {
      this.exec(body, idx);
      if (this.cur >= 0 && this.sections[this.cur].size > MAX_OUTPUT) throw new EncodeError(`output size exceeds ${MAX_OUTPUT} bytes`);
    }
  }

  private dataSize(unit: number, items: DataItem[]): number {
    let n = 0;
    for (const it of items) {
      if (it.k === 'str') n += Math.max(1, Math.ceil(it.bytes.length / unit)) * unit;
      else n += unit;
    }
    return n;
  }

  private dataBytes(unit: number, items: DataItem[], line: number): { bytes: number[]; fixes: Fix[]; uninit: boolean } {
    const bytes: number[] = [];
    const fixes: Fix[] = [];
    let uninit = false;
    for (const it of items) {
      if (it.k === 'str') {
        const padded = Math.max(1, Math.ceil(it.bytes.length / unit)) * unit;
        for (let k = 0; k < padded; k++) bytes.push(k < it.bytes.length ? it.bytes.charCodeAt(k) : 0);
      } else if (it.k === 'uninit') {
        uninit = true;
        for (let k = 0; k < unit; k++) bytes.push(0);
      } else if (it.k === 'float') {
        const fb = floatBytes(it.text, unit);
        if (!fb) {
          this.err(line, `floating-point constant not allowed in this data size`, it.col);
          for (let k = 0; k < unit; k++) bytes.push(0);
        } else bytes.push(...fb);
      } else {
        const v = this.phase === 'final' ? this.evalChecked(it.e, line) : this.eval(it.e);
        const at = bytes.length;
        if (this.phase === 'final' && !v.unk && v.seg < 0 && unit < 8) {
          const bitsN = BigInt(unit * 8);
          const lim = 1n << bitsN;
          if (v.n >= lim || v.n < -(lim >> 1n)) this.warn(line, `${unit === 1 ? 'byte' : unit === 2 ? 'word' : 'dword'} data exceeds bounds [-w+number-overflow]`);
        }
        let x = BigInt.asUintN(Math.min(unit, 8) * 8, v.n);
        for (let k = 0; k < unit; k++) {
          if (k < 8) {
            bytes.push(Number(x & 0xffn));
            x >>= 8n;
          } else bytes.push(v.n < 0n ? 0xff : 0);
        }
        if (v.seg >= 0) fixes.push({ at, size: Math.min(unit, 8), plus: v.seg, minus: -1 });
      }
    }
    return { bytes, fixes, uninit };
  }

  private data(unit: number, items: DataItem[], line: number): void {
    if (this.phase !== 'final') {
      this.advance(this.dataSize(unit, items));
      return;
    }
    const { bytes, fixes } = this.dataBytes(unit, items, line);
    this.emitBytes(bytes, fixes, line);
  }

  private insn(insn: Insn, line: number, idx: number): void {
    if (this.cur < 0 && this.phase !== 'final') {
      // Instructions in absolute space only advance the location counter.
    }
    let cache = this.caches[idx];
    if (cache === undefined) {
      const constant = insn.ops.every((op) => {
        if (op.k === 'reg') return true;
        if (op.k === 'imm') return isConstExpr(op.expr);
        if (op.k === 'far') return isConstExpr(op.seg) && isConstExpr(op.off);
        return !op.disp || isConstExpr(op.disp);
      });
      cache = constant ? { bits: -1, size: 0 } : { bits: -2, size: 0 };
      this.caches[idx] = cache;
    }
    if (cache.bits === this.bits && cache.enc && this.phase !== 'final') {
      this.advance(cache.size);
      return;
    }
    const env = {
      bits: this.bits,
      seg: this.cur,
      off: this.cur < 0 ? this.absOff : this.sections[this.cur].size,
      eval: (e: Expr) => this.eval(e),
      o0: this.o0,
      defaultRel: this.defaultRel,
      final: this.phase === 'final',
    };
    this.undefinedName = undefined;
    let enc: Encoded;
    try {
      enc = encode(insn, env);
    } catch (x) {
      if (this.phase === 'final') {
        if (this.undefinedName !== undefined) this.err(line, `symbol \`${this.undefinedName}' not defined`, this.undefinedCol);
        else throw x;
      }
      return;
    }
    if (this.phase === 'final') {
      if (this.undefinedName !== undefined) {
        this.err(line, `symbol \`${this.undefinedName}' not defined`, this.undefinedCol);
      }
      for (const w of enc.warnings) this.warn(line, w);
      if (enc.shortCheck !== undefined) this.err(line, 'short jump is out of range');
    }
    if (cache.bits !== -2) {
      cache.bits = this.bits;
      cache.size = enc.bytes.length;
      cache.enc = enc;
    }
    this.emitBytes(enc.bytes, enc.fixes, line);
  }

  // ---------- layout and output ----------

  private layout(): void {
    const secs = this.sections;
    const progbits = secs.filter((s) => !s.nobits);
    const nobits = secs.filter((s) => s.nobits);
    type S2 = Section & { fixedStart?: bigint; fixedVstart?: bigint };
    const placed = new Set<Section>();
    let cursor = this.origin;
    const alignUp = (v: bigint, a: number): bigint => {
      const A = BigInt(a);
      return ((v + A - 1n) / A) * A;
    };
    const place = (s: S2, after: bigint): void => {
      s.start = s.fixedStart ?? after;
      placed.add(s);
    };
    let first = true;
    for (const s0 of progbits) {
      const s = s0 as S2;
      if (s.attrs.follows) {
        const f = this.secByName.get(s.attrs.follows);
        if (f && placed.has(f)) {
          place(s, alignUp(f.start + BigInt(f.size), s.align));
          cursor = s.start + BigInt(s.size);
          continue;
        }
      }
      if (first && s.fixedStart === undefined) place(s, this.origin);
      else place(s, alignUp(cursor, s.align));
      first = false;
      cursor = s.start + BigInt(s.size);
    }
    let end = this.origin;
    for (const s of progbits) if (s.start + BigInt(s.size) > end) end = s.start + BigInt(s.size);
    cursor = end;
    for (const s0 of nobits) {
      const s = s0 as S2;
      if (s.attrs.follows) {
        const f = this.secByName.get(s.attrs.follows);
        if (f) {
          place(s, alignUp(f.start + BigInt(f.size), s.align));
          continue;
        }
      }
      place(s, alignUp(cursor, s.align));
      cursor = s.start + BigInt(s.size);
    }
    for (const s0 of secs) {
      const s = s0 as S2;
      if (s.fixedVstart !== undefined) s.vstart = s.fixedVstart;
      else if (s.attrs.vfollows) {
        const f = this.secByName.get(s.attrs.vfollows);
        s.vstart = f ? alignUp(f.vstart + BigInt(f.size), s.align) : s.start;
      } else s.vstart = s.start;
    }
  }

  private applyFixes(): void {
    const vs = (i: number): bigint => (i >= 0 ? this.sections[i].vstart : 0n);
    for (const s of this.sections) {
      for (const f of s.fixes) {
        let v = 0n;
        for (let k = f.size - 1; k >= 0; k--) v = (v << 8n) | BigInt(s.data[f.at + k] ?? 0);
        v = BigInt.asUintN(f.size * 8, v + vs(f.plus) - vs(f.minus));
        for (let k = 0; k < f.size; k++) {
          s.data[f.at + k] = Number(v & 0xffn);
          v >>= 8n;
        }
      }
    }
  }

  output(): Uint8Array {
    const progbits = this.sections.filter((s) => !s.nobits && (s.size > 0 || s.idx === 0));
    if (progbits.length === 0) return new Uint8Array(0);
    let lo = this.origin;
    let hi = this.origin;
    for (const s of progbits) {
      if (s.size === 0) continue;
      if (s.start < lo) lo = s.start;
      const e = s.start + BigInt(s.size);
      if (e > hi) hi = e;
    }
    const out = new Uint8Array(Number(hi - lo));
    for (const s of progbits) {
      const at = Number(s.start - lo);
      for (let k = 0; k < s.data.length && at + k < out.length; k++) out[at + k] = s.data[k];
    }
    return out;
  }

  symbolTable(): { name: string; value: number; section: string }[] {
    const out: { name: string; value: number; section: string }[] = [];
    for (const [name, s] of this.symbols) {
      if (name.startsWith('..@')) continue;
      const sec = s.value.seg >= 0 ? this.sections[s.value.seg] : undefined;
      const v = s.value.n + (sec ? sec.vstart : 0n);
      out.push({ name, value: Number(v), section: sec ? sec.name : '*ABS*' });
    }
    return out;
  }
}
