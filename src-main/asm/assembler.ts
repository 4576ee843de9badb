// Pass scheduler and flat-binary output. Passes walk the parsed statements (never the text).
// NASM's schedule (NASM-FACTS 2.6): pass 1 is optimistic about unknown forward references; every
// later pass sees backward references with this pass's values and forward references with the
// previous pass's values (simply because the symbol table is updated in place while walking);
// passes repeat until no label moves, then a final pass emits bytes.

import { Diags, type Pos } from './diagnostics.js';
import { encode, EncodeError, hasShortForm, isShortOnly, type EncodeEnv, type Encoded, type Fix } from './encoder.js';
import { evaluate, ExprError, isConstExpr, someLeaf, type EvalCtx, type Expr, type Value } from './expr.js';
import { LOCATION_PROBE, type PLine } from './preprocessor.js';
import type { DataItem, Insn, SectionAttrs, Stmt } from './parser.js';
import type { ImmOp } from './operands.js';
import { ByteBuf } from './byteBuf.js';
import { layoutBin, type LayoutError, type LayoutSection } from './binLayout.js';
import { isConstInsn, modeKey, reparseLine } from './lineEncoder.js';
import { bcdTruncated, floatBytes, floatOverflow, floatTooLong } from './floats.js';

export interface Section {
  name: string;
  idx: number;
  nobits: boolean;
  attrs: SectionAttrs;
  align: number; // from align= or sectalign
  explicitAlign: boolean;
  /** Line of the `section` directive that gave it a start=, for errors about where it lies. */
  startLine?: number;
  /** Line of the directive that named a `follows=`/`vfollows=` section. */
  followsLine?: number;
  size: number; // current pass
  data: ByteBuf; // final pass bytes
  fixes: Fix[]; // final pass, offsets relative to section start
  start: bigint; // real (load) address after layout
  vstart: bigint;
  defined: boolean;
}

/**
 * A symbol. A label in a section is its section and offset (numbers); the passes move it by
 * changing those, and its Value is made again only when something asks for it.
 */
class Sym {
  private made: Value;
  private madeSeg: number;
  private madeOff: number;

  constructor(
    value: Value,
    /** For labels in a section: section index and offset; -1 and NaN otherwise. */
    public seg: number,
    public off: number,
    /** Last pass it was defined in. */
    public pass: number,
    public line: number,
    public kind: 'label' | 'equ',
  ) {
    this.made = value;
    this.madeSeg = seg;
    this.madeOff = off;
  }

  get value(): Value {
    if (this.seg >= 0 && (this.off !== this.madeOff || this.seg !== this.madeSeg)) {
      this.made = { n: BigInt(this.off), seg: this.seg, unk: false };
      this.madeSeg = this.seg;
      this.madeOff = this.off;
    }
    return this.made;
  }

  /** Defines it anew: `seg` and `off` as the constructor's. */
  set(value: Value, seg: number, off: number): void {
    this.made = value;
    this.seg = this.madeSeg = seg;
    this.off = this.madeOff = off;
  }
}

export interface ListRec {
  line: number; // index into plines
  seg: number; // section index or -1 for absolute
  off: number;
  bytes: number[];
  fixes: Fix[];
  res?: number; // reserved bytes
  times?: { count: number; unit: number[]; fixes?: Fix[] };
  /** Bytes of an `incbin` (listed as their count). */
  bin?: true;
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

// Constant encodings of parsed instructions that identical source lines share (see parser.ts);
// kept across assemble() calls, like the parse cache, so re-assembling a file is cheap.
const SHARED_OX = new Map<Insn, StmtCache>();
const SHARED_O0 = new Map<Insn, StmtCache>();
const SHARED_O1 = new Map<Insn, StmtCache>();

/** No fix-ups or warnings: shared by every cached encoding without them (read only). */
const NONE: never[] = Object.freeze([]) as unknown as never[];
/**
 * A cached encoding lives as long as the assembly (one per distinct instruction of a large file):
 * exact-size byte array, shared empty lists.
 */
function compactEncoding(enc: Encoded): Encoded {
  const out: Encoded = { bytes: enc.bytes.slice(), fixes: enc.fixes.length ? enc.fixes : NONE, warnings: enc.warnings.length ? enc.warnings : NONE, pieces: enc.pieces };
  if (enc.shortCheck !== undefined) out.shortCheck = enc.shortCheck;
  if (enc.pcrel) out.pcrel = true;
  return out;
}

/** Sizes of a `jmp/jcc label` form (one size for `call label`), and its bytes without the displacement (see finalJump). */
interface JumpShape {
  short: number;
  near: number;
  shortT?: number[];
  nearT?: number[];
  dispLen?: number;
}

const MAX_PASSES = 10_000;
/** NASM reports every piece of code in [ABSOLUTE] space; a bound keeps `times 1e9 db 0` there finite. */
const MAX_ABSOLUTE_ERRORS = 10_000;
const MAX_STALL = 1_000;
const MAX_OUTPUT = 1 << 28;

interface StmtCache {
  bits: number;
  rel?: boolean; // `default rel` in effect when encoded
  cpu?: number; // `cpu` level in effect when encoded
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
  /** Section an `absolute` area is relative to (`absolute label+7`), or -1 for a plain number. */
  private absSeg = -1;
  private absOff = 0;
  private changed = 0;
  private defaultRel = false;
  private cpu: number | undefined; // `cpu` level; undefined = any
  origin = 0n;
  private originSet = false;
  listing: ListRec[] = [];
  maps: { args: string; line: number }[] = [];
  private caches: (StmtCache | undefined)[] = [];
  /**
   * The common case kept out of `caches`: a constant instruction that only one line uses and whose
   * encoding has no fix-ups, warnings or RIP-relative part. Its bytes live in one arena, with the
   * mode they were encoded in, so a large file holds no objects per such line.
   */
  private clean: { mode: Int32Array; at: Int32Array; len: Uint8Array; arena: ByteBuf };
  /** Listing records are collected only when a listing is asked for (see relist()). */
  private recording = false;
  /** One encoding environment, updated per instruction (avoids an allocation per encode). */
  private env: EncodeEnv = { bits: 16, seg: 0, off: 0, eval: (e: Expr) => this.eval(e), o0: false, defaultRel: false, final: false };
  /** Identical source lines share one parsed instruction, so a constant encoding is shared too. */
  private sharedCache: Map<Insn, StmtCache>;
  private stmtIndex = 0;
  /** Jumps sized in pass 1 or written in the final pass from their shape instead of the encoder. */
  templateJumps = 0;
  /** Passes run, including the final one (NASM's -Ov count without its stabilization pass). */
  passCount = 0;
  private earlyStop = false;

  constructor(
    private stmts: Stmt[],
    private lines: PLine[],
    private diags: Diags,
    private o0: boolean,
    private incbins: Map<string, Uint8Array | string | undefined>,
    private o1 = false,
    /** Bytes of the lines lineEncoder.ts encoded while parsing (`enc` statements); the assembler adds its own. */
    arena = new ByteBuf(),
  ) {
    this.getSection('.text', true);
    this.env.o0 = o0;
    this.env.o1 = o1;
    this.sharedCache = o0 ? SHARED_O0 : o1 ? SHARED_O1 : SHARED_OX;
    const n = stmts.length;
    this.clean = { mode: new Int32Array(n), at: new Int32Array(n), len: new Uint8Array(n), arena };
  }

  /** The encoding mode an instruction's bytes depend on besides its operands, as one number (never 0). */
  private modeKey(): number {
    return modeKey(this.bits, this.defaultRel, this.cpu, this.o0 ? 0 : this.o1 ? 1 : 2);
  }

  /** Whether statement i is an instruction whose bytes are known for the current `bits`. */
  private encodedForBits(i: number): boolean {
    const c = this.caches[i];
    if (c) return c.enc !== undefined && c.bits === this.bits;
    const m = this.clean.mode[i];
    return m > 0 && (m & 127) === this.bits;
  }

  private pos(line: number): Pos {
    const l = this.lines[line];
    if (!l) return { file: '', line: 1 };
    return l.macros ? { file: l.file, line: l.line, macros: l.macros } : { file: l.file, line: l.line };
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
        size: 0, data: new ByteBuf(), fixes: [], start: 0n, vstart: 0n, defined: true,
      };
      this.sections.push(s);
      this.secByName.set(name, s);
    }
    return s!;
  }

  run(): void {
    this.runPass('first');
    if (this.earlyStop || this.diags.hasEarlyErrors || this.diags.fatal) return;
    this.computeStatic();
    if (this.staticSyms.size) {
      this.stmts.forEach((st, i) => {
        const c = this.caches[i];
        if (c && c.bits === -2 && st.k === 'insn' && this.insnStatic(st.insn)) this.caches[i] = { bits: -1, size: 0 };
      });
    }
    let stall = 0;
    let passes = 1;
    for (;;) {
      // Every statement is classified after the first fast pass; then try the typed-array loop.
      if (passes >= 2 && this.tight === undefined) this.buildTight();
      const ch = this.tight ? this.tightPass() : this.kinds ? this.fastPass() : this.runPass('opt');
      passes++;
      if (ch === 0) break;
      if (++stall > MAX_STALL || passes > MAX_PASSES) {
        // No fixed point (e.g. a TIMES count that depends on its own size): NASM gives up too.
        this.diags.add('early', 'error', this.pos(0), 1, `unable to find valid values for all labels after ${passes} passes; stalled for ${stall - 1}, giving up.`);
        return;
      }
    }
    this.syncTight();
    this.passCount = passes + 1;
    this.layout();
    this.runPass('final');
    this.layout();
    if (!this.checkLayout()) return;
    this.checkOverlap();
    this.checkFileSize();
    this.applyFixes();
  }

  // ---------- evaluation ----------

  /** `$` inside `times` is the start of the whole line, not of each repetition. */
  private lineHere: Value | undefined;

  private here(): Value {
    if (this.lineHere) return this.lineHere;
    if (this.cur < 0) return { n: this.absBase + BigInt(this.absOff), seg: this.absSeg, unk: false };
    return { n: BigInt(this.sections[this.cur].size), seg: this.cur, unk: false };
  }

  private undefinedName: string | undefined;
  private undefinedCol = 1;
  /** Line of the statement being executed: where an evaluation's warnings go by default. */
  private stmtLine = 0;
  private readonly evalWarning = (msg: string): void => this.warn(this.stmtLine, msg);
  private ctx: EvalCtx = {
    onWarning: (msg) => this.evalWarning(msg),
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
    this.ctx.base = this.cur < 0 ? { n: this.absBase, seg: this.absSeg, unk: false } : { n: 0n, seg: this.cur, unk: false };
    this.ctx.bits = this.bits;
    return evaluate(e, this.ctx);
  }

  /** Evaluates and reports an undefined symbol in the final pass. */
  private evalChecked(e: Expr, line: number): Value {
    this.undefinedName = undefined;
    this.ctx.onWarning = (msg) => this.warn(line, msg);
    try {
      const v = this.eval(e);
      if (this.undefinedName !== undefined) this.undefinedError(line, this.undefinedCol);
      return v;
    } finally {
      this.ctx.onWarning = this.evalWarning;
    }
  }

  /** Critical expression: must be a known plain number in pass 1. */
  /** Location probes (see preprocessor.ts) whose expression named a symbol pass 1 had not defined yet, with that name. */
  readonly probesNotYetDefined = new Map<string, string>();

  private critical(e: Expr, line: number, what: string): bigint | undefined {
    const v = this.evalReporting(e, line);
    return v && this.criticalValue(v, line, what);
  }

  /** `e`'s value, with the symbol it found undefined in undefinedName; an evaluation error is reported. */
  private evalReporting(e: Expr, line: number): Value | undefined {
    this.undefinedName = undefined;
    try {
      return this.eval(e);
    } catch (x) {
      this.earlyErr(line, (x as Error).message);
      return undefined;
    }
  }

  /** A critical expression's value as a number, or undefined after reporting why it is none. */
  private criticalValue(v: Value, line: number, what: string): bigint | undefined {
    if (v.cancelled && v.seg < 0 && v.minus === undefined) {
      // Unknown symbols that cancel out (`b - a`, both labels further down) leave a known value, as
      // in NASM's evaluator; symbols still undefined in the final pass are an error of their own.
      if (this.phase !== 'final') return v.n;
      this.undefinedError(line);
      return undefined;
    }
    if (v.unk || v.seg >= 0 || v.minus !== undefined) {
      this.earlyErr(line, what);
      if (this.phase === 'final') this.err(line, what);
      return undefined;
    }
    return v.n;
  }

  /** Names declared `extern` (set by index.ts from the parser). */
  externs: ReadonlySet<string> = new Set();

  /** The final pass's error for the symbol evaluation found undefined. */
  /** Which copy of a TIMES body is being assembled (0 outside TIMES). */
  private timesCopy = 0;

  /**
   * The warnings given since `from` (a constant data line's range checks), repeated for the other
   * copies of a TIMES body: NASM writes each copy and warns each time. Bounded like [ABSOLUTE] errors.
   */
  private repeatWarnings(from: number, copies: number): void {
    const given = this.diags.final.slice(from).filter((d) => d.severity === 'warning');
    const repeats = Math.min(copies - 1, Math.floor(MAX_ABSOLUTE_ERRORS / Math.max(1, given.length)));
    for (let k = 0; k < repeats; k++) {
      for (const d of given) this.diags.add('final', 'warning', { file: d.file, line: d.line, macros: d.fromMacros }, d.column, d.message);
    }
  }

  /** Where in the final pass's messages the first undefined-symbol error of a data line went (see data()). */
  private firstUndefined: number | undefined;

  private undefinedError(line: number, col?: number): void {
    if (this.timesCopy > 0) return;
    this.firstUndefined ??= this.diags.final.length;
    const name = this.undefinedName!;
    this.err(line, this.externs.has(name) ? 'binary output format does not support external references' : `symbol \`${name}' not defined`, col);
  }

  /**
   * A RESx count. Unlike TIMES it is no critical expression in NASM: a symbol defined further down
   * (`resb B_size` before `struc B`) counts as 0 until a later pass knows it; only the final pass
   * needs a number.
   */
  private reserveCount(e: Expr, line: number): bigint | undefined {
    const v = this.evalReporting(e, line);
    if (!v) return undefined;
    if (v.unk && this.undefinedName !== undefined) {
      if (this.phase !== 'final') return 0n;
      this.undefinedError(line, this.undefinedCol);
      return undefined;
    }
    return this.criticalValue(v, line, 'attempt to reserve non-constant quantity of BSS space');
  }

  private define(name: string, value: Value, line: number, kind: 'label' | 'equ', col: number): void {
    const s = this.symbols.get(name);
    const seg = kind === 'label' && value.seg >= 0 ? value.seg : -1;
    const off = seg >= 0 ? Number(value.n) : NaN;
    if (!s) {
      this.symbols.set(name, new Sym(value, seg, off, this.pass, line, kind));
      this.changed++;
      return;
    }
    if (s.pass === this.pass) {
      if (this.phase === 'final' || this.phase === 'first') {
        const same = s.value.n === value.n && s.value.seg === value.seg;
        if ((kind === 'equ' && (!same || s.kind !== 'equ')) || (kind === 'label' && !same)) {
          if (this.phase === 'first') {
            this.earlyErr(line, `label \`${name}' inconsistently redefined`, col);
            this.diags.add('early', 'info', this.pos(s.line), 1, `label \`${name}' originally defined here`);
          }
        } else if (kind === 'label' && s.line !== line) {
          // A label defined again where it already stands: NASM's off-by-default warning (its note
          // on the first definition, which goes with the warning, is not given).
          this.warn(line, `info: label \`${name}' redefined to an identical value [-w+label-redef]`, col);
        }
      }
      return;
    }
    if (s.value.n !== value.n || s.value.seg !== value.seg || s.value.unk !== value.unk) this.changed++;
    s.set(value, seg, off);
    s.pass = this.pass;
    s.line = line;
  }

  // ---------- passes ----------

  // ---------- fast non-final passes ----------
  // After pass 1 most statements have a size that cannot change (constant instructions, data,
  // reservations) or follow a simple rule (labels, jumps to a label). Non-final passes walk those
  // from typed arrays and fall back to the general path only for the rest.

  private kinds: Uint8Array | undefined; // 0 unclassified, 1 fixed, 2 label, 3 jump, 4 generic
  private fixedSize: Int32Array | undefined;
  private jumpShort: Uint8Array | undefined;
  private jumpNear: Uint8Array | undefined;
  private refSym: (Sym | undefined)[] = [];
  private refName: string[] = [];
  /** jumpShape's findings: mnemonic, then mode (bits and cpu), to the shape or null for none. */
  private jumpSizes = new Map<string, Map<number, JumpShape | null>>();

  /** Pass-1 classification of what cannot change later; everything else waits for pass 2. */
  private classifyEarly(i: number, st: Stmt, startOff: number, endOff: number, sameSec: boolean): void {
    if (!sameSec) return;
    const kinds = this.kinds!;
    const size = endOff - startOff;
    if (st.k === 'label') {
      kinds[i] = 2;
      this.refName[i] = st.name;
    } else if (st.k === 'data' || (st.k === 'res' && isConstExpr(st.count))) {
      kinds[i] = 1;
      this.fixedSize![i] = size;
    } else if (st.k === 'enc' || st.k === 'insn') {
      if (st.k === 'enc' || this.encodedForBits(i)) {
        kinds[i] = 1;
        this.fixedSize![i] = size;
      } else if (this.sizedJump === i) {
        // Sized from its shape (firstPassJumpSize): later passes size it the same way.
        this.classifyJump(i, st.insn, this.jumpShape(st.insn)!);
      }
    }
  }

  /** The statement that firstPassJumpSize sized last (pass 1). */
  private sizedJump = -1;

  /** The shape of each statement classified as a jump (its mode is the same in every pass). */
  private jumpShapes: (JumpShape | undefined)[] = [];

  private classifyJump(i: number, insn: Insn, j: JumpShape): void {
    this.kinds![i] = 3;
    this.jumpShapes[i] = j;
    this.refName[i] = jumpTarget(insn);
    this.jumpShort![i] = j.short;
    this.jumpNear![i] = j.near;
  }

  private classify(i: number, st: Stmt, startOff: number, endOff: number, sameSec: boolean): void {
    const kinds = this.kinds!;
    if (!sameSec) {
      kinds[i] = 4;
      return;
    }
    const size = endOff - startOff;
    switch (st.k) {
      case 'label':
        kinds[i] = 2;
        this.refName[i] = st.name;
        return;
      case 'data':
        kinds[i] = 1;
        this.fixedSize![i] = size;
        return;
      case 'res':
        kinds[i] = this.isStatic(st.count) ? 1 : 4;
        this.fixedSize![i] = size;
        return;
      case 'times':
        if (this.isStatic(st.count) && st.body && (st.body.k === 'data' || st.body.k === 'res' || (st.body.k === 'insn' && (this.caches[i]?.enc !== undefined || this.clean.mode[i] > 0)))) {
          kinds[i] = 1;
          this.fixedSize![i] = size;
        } else kinds[i] = 4;
        return;
      case 'enc':
        kinds[i] = 1;
        this.fixedSize![i] = size;
        return;
      case 'insn': {
        if (this.encodedForBits(i) || (hasShortForm(st.insn.mn) && isShortOnly(st.insn.mn))) {
          kinds[i] = 1;
          this.fixedSize![i] = size;
          return;
        }
        if (this.relocOnly(st.insn)) {
          // Every operand value is relocatable: NASM never shrinks those, so the size is final.
          kinds[i] = 1;
          this.fixedSize![i] = size;
          return;
        }
        const j = this.jumpShape(st.insn);
        if (j) {
          this.classifyJump(i, st.insn, j);
          return;
        }
        kinds[i] = 4;
        return;
      }
      case 'equ':
        kinds[i] = this.staticSyms.has(st.name) ? 6 : 4;
        return;
      case 'org':
        kinds[i] = 6; // only acts in pass 1
        return;
      default:
        kinds[i] = 4;
    }
  }

  /** Equ symbols whose value can never change: their expression uses only numbers and other such symbols. */
  private staticSyms = new Set<string>();
  /** Equ symbols given NASM's provisional 0 in pass 1 (their expression was not known yet). */
  private provisionalEqus = new Set<string>();

  private computeStatic(): void {
    const equs = this.stmts.filter((st): st is Stmt & { k: 'equ' } => st.k === 'equ');
    for (let round = 0, grew = true; grew && round < 50; round++) {
      grew = false;
      for (const st of equs) {
        if (this.staticSyms.has(st.name) || this.provisionalEqus.has(st.name)) continue;
        const sym = this.symbols.get(st.name);
        if (sym && sym.kind === 'equ' && sym.value.seg < 0 && sym.value.minus === undefined && !sym.value.unk && this.isStatic(st.expr)) {
          this.staticSyms.add(st.name);
          grew = true;
        }
      }
    }
  }

  isStatic(e: Expr): boolean {
    return !someLeaf(e, (x) => !(x.k === 'num' || (x.k === 'sym' && this.staticSyms.has(x.name))));
  }

  private insnStatic(insn: Insn): boolean {
    return insn.ops.every((op) => {
      if (op.k === 'reg') return true;
      if (op.k === 'imm') return this.isStatic(op.expr);
      if (op.k === 'far') return this.isStatic(op.seg) && this.isStatic(op.off);
      return !op.disp || this.isStatic(op.disp);
    });
  }

  private relocOnly(insn: Insn): boolean {
    if (hasShortForm(insn.mn) || insn.ops.length === 0) return false;
    const reloc = (e: Expr): boolean => {
      try {
        const v = this.eval(e);
        return !v.unk && v.seg >= 0;
      } catch {
        return false;
      }
    };
    let any = false;
    for (const op of insn.ops) {
      if (op.k === 'imm') {
        if (!reloc(op.expr)) return false;
        any = true;
      } else if (op.k === 'far') {
        if (!this.isStatic(op.seg) || !reloc(op.off)) return false;
        any = true;
      } else if (op.k === 'mem' && op.disp && !this.isStatic(op.disp)) {
        if (!reloc(op.disp)) return false;
        any = true;
      }
    }
    return any;
  }

  /**
   * A plain `jmp/jcc label` whose only freedom is short vs near: sizes of both forms (found once per
   * mnemonic and mode; the target is jumpTarget's). Called for every jump of every pass, so it makes
   * no string and no object.
   */
  private jumpShape(insn: Insn): JumpShape | undefined {
    if (insn.prefixes.length || insn.ops.length !== 1) return undefined;
    const op = insn.ops[0];
    if (op.k !== 'imm' || op.size || op.strict || op.jmp || op.expr.k !== 'sym') return undefined;
    if ((this.o0 && insn.mn === 'jmp') || this.o1) return undefined;
    let byMode = this.jumpSizes.get(insn.mn);
    if (byMode === undefined) this.jumpSizes.set(insn.mn, (byMode = new Map()));
    const mode = this.bits | (((this.cpu ?? -1) + 2) << 8);
    let shape = byMode.get(mode);
    if (shape === undefined) byMode.set(mode, (shape = this.probeJumpShape(insn)));
    return shape ?? undefined;
  }

  /** jumpShape's sizes and byte templates, from encoding the jump at two distances; null when it has none. */
  private probeJumpShape(insn: Insn): JumpShape | null {
    // `call label` has one size (no short form); jumps have two.
    const oneSize = insn.mn === 'call';
    if (!oneSize && insn.mn !== 'jmp' && !/^j(?!mp|cxz|ecxz|rcxz)[a-z]+$/.test(insn.mn)) return null;
    const probe = (dist: number): number[] | undefined => {
      const env = {
        bits: this.bits, seg: 0, off: 0, o0: this.o0, defaultRel: this.defaultRel, final: false, cpu: this.cpu,
        eval: () => ({ n: BigInt(dist), seg: 0, unk: false }),
      };
      try {
        return encode(insn, env).bytes;
      } catch {
        return undefined;
      }
    };
    const far = 1 << 20;
    const shortT = probe(0);
    const nearT = probe(far);
    const short = shortT?.length ?? -1;
    const near = nearT?.length ?? -1;
    if (short <= 0 || near <= 0 || (short === near) !== oneSize || short > 255 || near > 255) return null;
    const shape: JumpShape = { short, near };
    // Byte templates for the final pass when the displacement is the encoding's last field
    // (checked here on the probes: rel8 last in the short form, rel16/rel32 last in the near one).
    const dispLen = this.bits === 16 ? 2 : 4;
    const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, k) => (v >> (8 * k)) & 255);
    const tail = (t: number[], n: number): number[] => t.slice(t.length - n);
    const nearLast = String(tail(nearT!, dispLen)) === String(le(far - near, dispLen));
    if (oneSize ? nearLast && String(tail(shortT!, dispLen)) === String(le(-near, dispLen)) : nearLast && tail(shortT!, 1)[0] === ((-short) & 255)) {
      if (!oneSize) shape.shortT = shortT!.slice(0, -1);
      shape.nearT = nearT!.slice(0, -dispLen);
      shape.dispLen = dispLen;
    }
    return shape;
  }

  private fastPass(): number {
    this.phase = 'opt';
    this.pass++;
    this.changed = 0;
    this.sectAlignOff = false;
    this.bits = 16;
    this.cpu = undefined;
    this.cur = 0;
    this.absBase = 0n;
    this.absSeg = -1;
    this.absOff = 0;
    for (const s of this.sections) s.size = 0;
    const stmts = this.stmts;
    const kinds = this.kinds!;
    const fixed = this.fixedSize!;
    const jShort = this.jumpShort!;
    const jNear = this.jumpNear!;
    const refSym = this.refSym;
    const pass = this.pass;
    let sec = this.sections[0];
    for (let i = 0; i < stmts.length; i++) {
      const k = kinds[i];
      if (k === 1) {
        sec.size += fixed[i];
      } else if (k === 6) {
        continue;
      } else if (k === 2 && this.cur >= 0) {
        let s = refSym[i];
        if (!s) s = refSym[i] = this.symbols.get(this.refName[i]);
        if (!s || s.kind !== 'label') {
          this.stmtIndex = i;
          this.execSafe(stmts[i], i);
          continue;
        }
        const off = sec.size;
        if (s.seg !== this.cur || s.off !== off) {
          s.seg = this.cur;
          s.off = off;
          this.changed++;
        }
        s.pass = pass;
      } else if (k === 3 && this.cur >= 0) {
        let s = refSym[i];
        if (!s) s = refSym[i] = this.symbols.get(this.refName[i]);
        let size: number;
        if (!s) size = jShort[i];
        else if (s.kind !== 'label') {
          this.execSafe(stmts[i], i);
          continue;
        } else if (s.seg !== this.cur) size = jNear[i];
        else {
          const d = s.off - (sec.size + jShort[i]);
          size = d >= -128 && d <= 127 ? jShort[i] : jNear[i];
        }
        sec.size += size;
      } else if (k === 0) {
        // First visit after pass 1: run it the general way and decide how later passes treat it.
        this.stmtIndex = i;
        const st = stmts[i];
        const secBefore = this.cur;
        const offBefore = this.cur >= 0 ? this.sections[this.cur].size : 0;
        try {
          this.exec(st, i);
          this.classify(i, st, offBefore, this.cur >= 0 ? this.sections[this.cur].size : 0, secBefore === this.cur && this.cur >= 0);
        } catch {
          kinds[i] = 4;
        }
        if (this.cur >= 0) sec = this.sections[this.cur];
      } else {
        this.stmtIndex = i;
        this.execSafe(stmts[i], i);
        if (this.cur >= 0) sec = this.sections[this.cur];
      }
    }
    return this.changed;
  }

  // Tight mode: one section, and every statement is fixed-size, a label, a label jump, or inert.
  // Label offsets then live in an Int32Array and a pass is a single loop over typed arrays.
  /** prog: steps of 4 numbers, [1, size] fixed bytes, [2, label] a label, [3, label, short size, near size] a jump, [5, statement] run it. */
  private tight: { lab: Int32Array; tgt: Int32Array; off: Int32Array; syms: Sym[]; prog: Int32Array } | null | undefined;

  private buildTight(): void {
    this.tight = null;
    if (this.sections.length !== 1 || this.sections[0].size > 0x3fffffff) return;
    const kinds = this.kinds!;
    const n = this.stmts.length;
    const lab = new Int32Array(n).fill(-1);
    const tgt = new Int32Array(n).fill(-1);
    const index = new Map<Sym, number>();
    const syms: Sym[] = [];
    const idOf = (sym: Sym | undefined): number => {
      if (!sym || sym.kind !== 'label' || sym.seg !== 0) return -1;
      let id = index.get(sym);
      if (id === undefined) {
        id = syms.length;
        syms.push(sym);
        index.set(sym, id);
      }
      return id;
    };
    for (let i = 0; i < n; i++) {
      const k = kinds[i];
      const st = this.stmts[i];
      if (k === 1 || k === 6) continue;
      if (k === 3 && this.jumpShort![i] === this.jumpNear![i]) continue; // a `call`: no label needed
      if (k === 2 || k === 3) {
        const id = idOf(this.symbols.get(this.refName[i]));
        if (id < 0) return;
        if (k === 2) lab[i] = id;
        else tgt[i] = id;
        continue;
      }
      if (st.k === 'bits' || st.k === 'default' || st.k === 'cpu' || st.k === 'nop' || st.k === 'map') {
        kinds[i] = 5; // inert, but still executed for its mode change
        continue;
      }
      return;
    }
    const off = new Int32Array(syms.length);
    syms.forEach((sym, id) => (off[id] = sym.off));
    // The pass loop walks a compact program instead of every statement: runs of fixed-size
    // statements summed into one step, skipped statements left out (see tightPass).
    const jShort = this.jumpShort!;
    const jNear = this.jumpNear!;
    const fixed = this.fixedSize!;
    const steps = new Int32Array(4 * n);
    let len = 0;
    const step = (a: number, b: number, c: number, d: number): void => {
      steps[len] = a;
      steps[len + 1] = b;
      steps[len + 2] = c;
      steps[len + 3] = d;
      len += 4;
    };
    for (let i = 0; i < n; i++) {
      const k = kinds[i];
      if (k === 6) continue;
      if (k === 1) {
        if (len && steps[len - 4] === 1) steps[len - 3] += fixed[i];
        else step(1, fixed[i], 0, 0);
      } else if (k === 2) step(2, lab[i], 0, 0);
      else if (k === 3 && jShort[i] === jNear[i]) {
        // A `call`: one size wherever its target is.
        if (len && steps[len - 4] === 1) steps[len - 3] += jNear[i];
        else step(1, jNear[i], 0, 0);
      } else if (k === 3) step(3, tgt[i], jShort[i], jNear[i]);
      else step(5, i, 0, 0);
    }
    this.tight = { lab, tgt, off, syms, prog: steps.slice(0, len) };
    relaxJumps(this.tight.prog, off);
  }

  /** One pass over the tight program (see relaxJumps for where its label offsets start). */
  private tightPass(): number {
    const t = this.tight!;
    this.pass++;
    this.bits = 16;
    this.cpu = undefined;
    const { prog, off: loff } = t;
    const n = prog.length;
    let changed = 0;
    let off = 0;
    for (let j = 0; j < n; j += 4) {
      const k = prog[j];
      if (k === 1) off += prog[j + 1];
      else if (k === 2) {
        const l = prog[j + 1];
        if (loff[l] !== off) {
          loff[l] = off;
          changed++;
        }
      } else if (k === 3) {
        const s = prog[j + 2];
        const d = loff[prog[j + 1]] - (off + s);
        off += d >= -128 && d <= 127 ? s : prog[j + 3];
      } else this.exec(this.stmts[prog[j + 1]], prog[j + 1]);
    }
    this.sections[0].size = off;
    return changed;
  }

  /** Copies tight-mode label offsets back into the symbol table. */
  private syncTight(): void {
    const t = this.tight;
    if (!t) return;
    t.syms.forEach((sym, id) => {
      const o = t.off[id];
      sym.off = o;
      sym.pass = this.pass;
    });
  }

  private execSafe(st: Stmt, i: number): void {
    try {
      this.exec(st, i);
    } catch {
      // Errors are reported in the final pass, which uses the general path.
    }
  }

  /**
   * NASM's `sectalign N` (also the start of `align`/`alignb`): N must be a power of two; the
   * current section is then aligned to at least N. False after an error.
   */
  private sectAlign(n: bigint, line: number): boolean {
    if (n <= 0n || (n & (n - 1n)) !== 0n) {
      this.earlyErr(line, `segment alignment \`${n}' is not power of two`);
      return false;
    }
    if (this.cur >= 0) {
      // The default 4 is no alignment of its own: NASM applies it at layout only to sections that
      // never got one, so `align 2` leaves a section 2-aligned.
      const s = this.sections[this.cur];
      if (!s.explicitAlign || Number(n) > s.align) s.align = Number(n);
      s.explicitAlign = true;
    }
    return true;
  }

  /** `sectalign off` in effect: align and alignb leave the section's alignment alone. */
  private sectAlignOff = false;

  private runPass(phase: Phase): number {
    this.phase = phase;
    this.pass++;
    this.changed = 0;
    this.sectAlignOff = false;
    this.bits = 16;
    this.cpu = undefined;
    this.cur = 0;
    this.absBase = 0n;
    this.absSeg = -1;
    this.absOff = 0;
    for (const s of this.sections) {
      s.size = 0;
      if (phase === 'final') {
        s.data = new ByteBuf();
        s.fixes = [];
      }
    }
    if (phase === 'final') this.listing = [];
    const stmts = this.stmts;
    const classifying = phase === 'first';
    if (classifying) {
      this.kinds = new Uint8Array(stmts.length);
      this.fixedSize = new Int32Array(stmts.length);
      this.jumpShort = new Uint8Array(stmts.length);
      this.jumpNear = new Uint8Array(stmts.length);
    }
    // The final pass of a tight program (one section, every statement classified, see buildTight):
    // its labels already hold their final offsets (syncTight) and `enc` lines only copy their bytes.
    const settled = phase === 'final' && this.tight && !this.recording ? this.kinds : undefined;
    for (let i = 0; i < stmts.length; i++) {
      const st = stmts[i];
      if (settled !== undefined) {
        const k = settled[i];
        if (k === 2 || k === 6) continue;
        if (st.k === 'enc' && st.mode === this.modeKey()) {
          this.emitClean(st.at, st.len, st.line);
          continue;
        }
      }
      this.stmtIndex = i;
      this.diags.seq = st.line;
      const secBefore = this.cur;
      const offBefore = this.cur >= 0 ? this.sections[this.cur].size : 0;
      try {
        this.exec(st, i);
        if (classifying) this.classifyEarly(i, st, offBefore, this.cur >= 0 ? this.sections[this.cur].size : 0, secBefore === this.cur && this.cur >= 0);
      } catch (x) {
        const msg = x instanceof Error ? x.message : String(x);
        const col = x instanceof ExprError ? x.col : 1;
        if (x instanceof EncodeError && x.early && phase === 'first') {
          for (const m of msg.split('\n')) this.earlyErr(st.line, m, col);
          for (const w of x.warningsAfter ?? []) this.diags.add('early', 'warning', this.pos(st.line), col, w);
        }
        else if (x instanceof EncodeError || x instanceof ExprError) for (const m of msg.split('\n')) this.err(st.line, m, col);
        else this.err(st.line, `internal error: ${msg}`);
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

  /** `pieces`: how many separate outputs NASM makes of these bytes (each one an error in [ABSOLUTE] space). */
  private emitBytes(bytes: number[], fixes: Fix[], line: number, pieces = 1): void {
    if (this.phase === 'final') {
      if (this.cur >= 0) {
        const s = this.sections[this.cur];
        if (s.nobits && bytes.some((b) => b !== 0)) {
          this.warn(line, `attempt to initialize memory in a nobits section: ignored`);
        } else if (!s.nobits) {
          const base = s.size;
          for (const f of fixes) s.fixes.push({ ...f, at: f.at + base });
          s.data.pushAll(bytes);
        }
      } else {
        // Only reserving space is possible there (NASM's out() says this once per piece).
        for (let k = 0; k < Math.min(pieces, MAX_ABSOLUTE_ERRORS); k++) this.err(line, 'attempt to assemble code in [ABSOLUTE] space');
      }
      if (this.recording) this.listing.push({ line, seg: this.cur, off: this.cur < 0 ? Number(this.absBase) + this.absOff : this.sections[this.cur].size, bytes, fixes });
    }
    this.advance(bytes.length);
  }

  /** Final-pass bytes of a `clean` encoding: copied from the arena, no array made unless listed. */
  private emitClean(at: number, len: number, line: number): void {
    const s = this.cur >= 0 ? this.sections[this.cur] : undefined;
    if (s && !s.nobits && !this.recording) {
      s.data.pushRange(this.clean.arena.buf, at, len);
      s.size += len;
    } else this.emitBytes(Array.from(this.clean.arena.buf.subarray(at, at + len)), NONE, line);
  }

  /** Padding of `align` listed the way NASM lists its `times` expansion. */
  private emitFill(n: number, byte: number, line: number): void {
    this.emitBytes(new Array(n).fill(byte), [], line, n);
    if (this.recording && n > 1) this.listing[this.listing.length - 1].times = { count: n, unit: [byte] };
  }

  private reserve(n: number, line: number, warn: boolean): void {
    this.guardSize(n, line);
    if (this.phase === 'final') {
      if (this.cur >= 0) {
        const s = this.sections[this.cur];
        if (!s.nobits) {
          if (warn) this.warn(line, `uninitialized space declared in ${s.name} section: zeroing [-w+zeroing]`);
          s.data.zeros(n);
        }
      }
      if (this.recording) this.listing.push({ line, seg: this.cur, off: this.cur < 0 ? Number(this.absBase) + this.absOff : this.sections[this.cur].size, bytes: [], fixes: [], res: n });
    }
    this.advance(n);
  }

  private exec(st: Stmt, idx: number): void {
    this.stmtLine = st.line;
    switch (st.k) {
      case 'label': {
        const v = this.here();
        this.define(st.name, v, st.line, 'label', st.col);
        return;
      }
      case 'insn':
        this.insn(st.insn, st.line, idx);
        return;
      case 'enc':
        // Another mode than pass 1's, or [ABSOLUTE] space's errors to count: encode it the ordinary way.
        if (st.mode !== this.modeKey() || (this.cur < 0 && this.phase === 'final')) this.insn(reparseLine(this.lines[st.line].text)!, st.line, idx);
        else if (this.phase === 'final') this.emitClean(st.at, st.len, st.line);
        else this.advance(st.len);
        return;
      case 'data':
        this.data(st.unit, st.items, st.line);
        return;
      case 'res': {
        const n = this.reserveCount(st.count, st.line);
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
        // NASM's parser judges the count, then finds nothing to repeat (`times 2`, `times nop`).
        if (!st.body) this.earlyErr(st.line, 'parser: instruction expected', st.col);
        if (n === undefined) return;
        if (n < 0n) {
          // A final-pass error in NASM (ERR_PASS2): in earlier passes the count is only provisional
          // (`times (S.b-S)-($-start)` while a struc's size is a forward reference) and repeats nothing.
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
          // A preprocessor expression's probe: NASM's preprocessor sees only what pass 1 defined so far.
          if (this.phase === 'first' && this.undefinedName !== undefined && st.name.startsWith(LOCATION_PROBE)) this.probesNotYetDefined.set(st.name, this.undefinedName);
          if (this.phase === 'final') this.err(st.line, `symbol \`${this.undefinedName ?? '?'}' not defined`);
          // NASM's pass 1 gives an EQU of a not-yet-known value the plain number 0, so a TIMES or
          // RESx count naming it is constant there and settles on later passes.
          if (this.phase === 'first' && !this.symbols.has(st.name)) {
            this.provisionalEqus.add(st.name);
            this.define(st.name, { n: 0n, seg: -1, unk: false }, st.line, 'equ', st.col);
          }
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
        if (st.bits === 64 && this.cpu !== undefined && this.cpu < 10) {
          this.earlyErr(st.line, 'cannot specify 64-bit segment on processor below an x86-64');
          return;
        }
        if (st.bits === 32 && this.cpu !== undefined && this.cpu < 3) {
          this.earlyErr(st.line, 'cannot specify 32-bit segment on processor below a 386');
          return;
        }
        this.bits = st.bits as 16 | 32 | 64;
        return;
      case 'default':
        this.defaultRel = st.rel;
        return;
      case 'cpu':
        this.cpu = st.level;
        return;
      case 'section': {
        const s = this.getSection(st.name, true);
        if (this.phase === 'first') this.applyAttrs(s, st.attrs, st.line);
        // NASM reads the attributes again in every later pass; its warnings come from the final one.
        if (this.phase === 'final') for (const u of st.attrs.unknown ?? []) this.warn(st.line, `ignoring unknown section attribute: "${u}" [-w+other]`);
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
        this.absBase = v.n;
        // Labels after `absolute label+7` are relative to that label's section, as in NASM.
        this.absSeg = v.seg >= 0 && !v.unk ? v.seg : -1;
        this.absOff = 0;
        return;
      }
      case 'align': {
        const n = this.critical(st.n, st.line, 'non-constant argument supplied to ALIGN');
        if (n === undefined) return;
        // NASM's align and alignb begin with `sectalign N` (unless `sectalign off`), whose error this is.
        if (!this.sectAlignOff && !this.sectAlign(n, st.line)) return;
        if (n <= 0n) {
          this.earlyErr(st.line, 'division by zero');
          return;
        }
        const N = Number(n);
        const here = this.cur < 0 ? Number(this.absBase) + this.absOff : this.sections[this.cur].size;
        const pad = (N - (here % N)) % N;
        if (st.b) {
          if (pad) this.reserve(pad, st.line, false);
          return;
        }
        if (st.fill) this.times(pad, st.fill, idx);
        else if (pad) this.emitFill(pad, 0x90, st.line);
        return;
      }
      case 'sectalign': {
        if (st.n.k === 'sym' && /^(on|off)$/i.test(st.n.name)) {
          this.sectAlignOff = st.n.name.toLowerCase() === 'off';
          return;
        }
        const n = this.critical(st.n, st.line, 'non-constant argument supplied to SECTALIGN');
        if (n !== undefined) this.sectAlign(n, st.line);
        return;
      }
      case 'incbin': {
        const data = this.incbins.get(st.name);
        if (typeof data === 'string') {
          this.earlyErr(st.line, `\`incbin': unable to read file \`${st.name}': ${data}`);
          return;
        }
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
        if (this.phase === 'final') {
          this.emitBytes(Array.from(data.subarray(skip, skip + len)), [], st.line);
          if (this.recording) this.listing[this.listing.length - 1].bin = true;
        } else this.advance(len);
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
    // NASM: `fatal: section .x is self following` (without a line; ours names the directive's).
    if (a.follows === s.name || a.vfollows === s.name) this.earlyErr(line, `section ${s.name} is self following`);
    if (a.follows || a.vfollows) s.followsLine = line;
    const start = num(a.start, 'START');
    if (a.start) s.startLine = line;
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
    if (this.phase !== 'final' && body.k === 'data') {
      const size = this.dataSize(body.unit, body.items);
      this.guardSize(size * n, body.line);
      this.advance(size * n);
      return;
    }
    if (this.phase === 'final' && body.k === 'data' && body.items.every((it) => it.k !== 'expr' || isConstExpr(it.e))) {
      const start = this.listing.length;
      const before = this.cur >= 0 ? this.sections[this.cur].size : this.absOff;
      const messagesBefore = this.diags.final.length;
      const unit = this.dataBytes(body.unit, body.items, body.line);
      this.repeatWarnings(messagesBefore, n);
      this.guardSize(unit.bytes.length * n, body.line);
      const all: number[] = [];
      for (let k = 0; k < n; k++) for (const b of unit.bytes) all.push(b);
      this.listing.length = start;
      this.emitBytes(all, [], body.line, this.dataPieces(body.items) * n);
      if (this.recording) {
        const rec = this.listing[this.listing.length - 1];
        rec.times = { count: n, unit: unit.bytes };
        rec.off = before;
      }
      return;
    }
    const shape = body.k === 'insn' ? this.jumpShape(body.insn) : undefined;
    if (this.phase !== 'final' && body.k === 'insn' && n > 1 && (!shape || shape.short === shape.near)) {
      // Non-final passes only need the size; an instruction repeated by TIMES keeps its size, but
      // for a jump to a label, whose size depends on where each copy is (NASM sizes each).
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
    const firstRec = this.listing.length;
    try {
      for (let k = 0; k < n; k++) {
        // NASM evaluates the line once: a symbol it lacks is reported once, not per copy.
        this.timesCopy = k;
        this.exec(body, idx);
        if (this.cur >= 0 && this.sections[this.cur].size > MAX_OUTPUT) throw new EncodeError(`output size exceeds ${MAX_OUTPUT} bytes`);
      }
    } finally {
      this.timesCopy = 0;
    }
    if (this.recording && n > 1 && this.listing.length - firstRec === n) {
      // NASM lists a repeated instruction once, as `bytes<rep N>`.
      const recs = this.listing.splice(firstRec, n);
      const bytes = recs.flatMap((r) => r.bytes);
      const rec: ListRec = { line: recs[0].line, seg: recs[0].seg, off: recs[0].off, bytes, fixes: [], times: { count: n, unit: recs[0].bytes, fixes: recs[0].fixes } };
      if (recs[0].bin) rec.bin = true;
      this.listing.push(rec);
    }
  }

  private dataSize(unit: number, items: DataItem[], line = 0): number {
    let n = 0;
    for (const it of items) {
      if (it.k === 'str') n += Math.ceil(it.bytes.length / unit) * unit;
      else if (it.k === 'dup') n += this.dupCount(it.count, line) * this.dataSize(it.unit ?? unit, it.items, line);
      else n += unit;
    }
    return n;
  }

  private dupCount(e: Expr, line: number): number {
    const c = this.critical(e, line, 'non-constant argument supplied to DUP');
    if (c === undefined || c < 0n) return 0;
    if (c > BigInt(MAX_OUTPUT)) throw new EncodeError(`output size exceeds ${MAX_OUTPUT} bytes`);
    return Number(c);
  }

  private dataBytes(unit: number, items: DataItem[], line: number): { bytes: number[]; fixes: Fix[]; uninit: boolean } {
    const bytes: number[] = [];
    const fixes: Fix[] = [];
    let uninit = false;
    for (const it of items) {
      if (it.k === 'dup') {
        const n = this.dupCount(it.count, line);
        const inner = this.dataBytes(it.unit ?? unit, it.items, line);
        this.guardSize(inner.bytes.length * n, line);
        for (let k = 0; k < n; k++) {
          for (const f of inner.fixes) fixes.push({ ...f, at: f.at + bytes.length });
          for (const b of inner.bytes) bytes.push(b);
        }
        if (inner.uninit) uninit = true;
        continue;
      }
      if (it.k === 'str') {
        const padded = Math.ceil(it.bytes.length / unit) * unit;
        for (let k = 0; k < padded; k++) bytes.push(k < it.bytes.length ? it.bytes.charCodeAt(k) : 0);
      } else if (it.k === 'uninit') {
        uninit = true;
        for (let k = 0; k < unit; k++) bytes.push(0);
      } else if (it.k === 'float') {
        const fb = floatBytes(it.text, unit);
        if (Array.isArray(fb) && floatTooLong) this.warn(line, 'floating-point constant significand contains more than 52 digits [-w+float-toolong]');
        if (Array.isArray(fb) && floatOverflow) this.warn(line, 'overflow in floating-point constant [-w+float-overflow]');
        if (Array.isArray(fb) && bcdTruncated) this.warn(line, 'packed BCD truncated to 18 digits [-w+other]');
        if (!Array.isArray(fb)) {
          this.err(line, fb ?? `floating-point constant not allowed in this data size`, it.col);
          for (let k = 0; k < unit; k++) bytes.push(0);
        } else bytes.push(...fb);
      } else if (unit > 8) {
        // do/dt/dy/dz take floats and strings only (NASM, final pass, one error per item).
        this.err(line, `integer supplied as ${unit * 8}-bit data`);
        for (let k = 0; k < unit; k++) bytes.push(0);
      } else {
        const v = this.phase === 'final' ? this.evalChecked(it.e, line) : this.eval(it.e);
        const at = bytes.length;
        if (this.phase === 'final' && !v.unk && v.seg < 0 && v.minus === undefined && unit < 8) {
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
        if (v.seg >= 0 || v.minus !== undefined) fixes.push({ at, size: Math.min(unit, 8), plus: v.seg, minus: v.minus ?? -1 });
      }
    }
    return { bytes, fixes, uninit };
  }

  /**
   * How many times NASM reserves (and warns) for a data list: adjacent `?` items are one
   * reservation, a group holding nothing but one reservation becomes a single larger one, and
   * other groups reserve once per repetition for each run inside.
   */
  private reserveRuns(items: DataItem[], line: number, elem = 0): { runs: number; single: boolean; elem: number } {
    let runs = 0;
    let prevReserve = false;
    // Element size of the previous reservation: only reservations of one size join (`?, word ?` are two).
    let prevElem = -1;
    for (const it of items) {
      let reserve = it.k === 'uninit';
      let e = elem;
      // A group repeated zero times is dropped, so it does not separate its neighbours either.
      if (it.k === 'dup' && this.dupCount(it.count, line) === 0) continue;
      if (it.k === 'dup') {
        const inner = this.reserveRuns(it.items, line, it.unit ?? elem);
        if (inner.single) {
          reserve = true;
          e = inner.elem;
        } else runs += this.dupCount(it.count, line) * inner.runs;
      }
      if (reserve && !(prevReserve && prevElem === e)) runs++;
      prevReserve = reserve;
      prevElem = e;
    }
    const single = items.length > 0 && runs === 1 && items.every((it) => it.k === 'uninit' || (it.k === 'dup' && this.reserveRuns(it.items, line, it.unit ?? elem).single));
    return { runs, single, elem: prevElem };
  }

  private data(unit: number, items: DataItem[], line: number): void {
    if (this.phase !== 'final') {
      this.advance(this.dataSize(unit, items, line));
      return;
    }
    const mark = this.diags.final.length;
    this.firstUndefined = undefined;
    const { bytes, fixes, uninit } = this.dataBytes(unit, items, line);
    // NASM's parser gives up on a data line at the first item naming an undefined symbol: that
    // error is the line's only message (the items before it, and their warnings, are never
    // written; other errors such as `integer supplied as 80-bit data` come from writing them).
    // The line's size stays, so that the lines after it keep their places.
    const failed = this.firstUndefined;
    if (failed !== undefined) {
      this.diags.final.splice(mark, this.diags.final.length - mark, this.diags.final[failed]);
      this.advance(bytes.length);
      return;
    }
    if (uninit && this.cur >= 0 && !this.sections[this.cur].nobits) {
      const runs = this.reserveRuns(items, line, unit).runs;
      for (let k = 0; k < runs; k++) this.warn(line, `uninitialized space declared in ${this.sections[this.cur].name} section: zeroing [-w+zeroing]`);
    }
    this.emitBytes(bytes, fixes, line, this.dataPieces(items));
  }

  /**
   * How many outputs NASM makes of data items, counted only where they are errors ([ABSOLUTE]
   * space, final pass): one per item, a `dup` its items count times, none for a reserved `?`.
   */
  private dataPieces(items: DataItem[]): number {
    if (this.cur >= 0 || this.phase !== 'final') return 1;
    let n = 0;
    for (const it of items) {
      if (it.k === 'uninit') continue;
      if (it.k !== 'dup') n++;
      else {
        const c = this.eval(it.count);
        if (!c.unk && c.n > 0n) n += Number(c.n < 10_000n ? c.n : 10_000n) * this.dataPieces(it.items);
      }
    }
    return Math.min(n, MAX_ABSOLUTE_ERRORS);
  }

  /**
   * Final-pass bytes of a classified `jmp/jcc label` (kind 3) from its shape's templates: short when
   * the displacement fits in a byte, as the encoder decides (jumpOk), else near; undefined when the
   * encoder must do it (no templates, a label elsewhere or not yet known).
   */
  /** Final-pass bytes of a jump classified as one (kind 3), written from its shape; false when the encoder must write them. */
  private finalJump(insn: Insn, idx: number, line: number): boolean {
    const shape = this.jumpShapes[idx] ?? this.jumpShape(insn);
    if (!shape?.nearT || !shape.dispLen || this.cur < 0) return false;
    const s = this.refSym[idx] ?? this.symbols.get(this.refName[idx]);
    if (!s || s.kind !== 'label' || s.value.unk || s.seg !== this.cur) return false;
    const sec = this.sections[this.cur];
    // Distance from the jump's start to its target (both section offsets below 2^30).
    const dist = s.off - sec.size;
    const short = shape.shortT !== undefined && dist - shape.short >= -128 && dist - shape.short <= 127;
    const template = short ? shape.shortT! : shape.nearT;
    const size = short ? shape.short : shape.near;
    const fieldLen = short ? 1 : shape.dispLen;
    const disp = dist - size;
    if (this.recording || sec.nobits) {
      const bytes = template.slice();
      for (let k = 0; k < fieldLen; k++) bytes.push((disp >> (8 * k)) & 255);
      this.emitBytes(bytes, NONE, line);
    } else {
      sec.data.pushAll(template);
      sec.data.pushLE(disp, fieldLen);
      sec.size += size;
    }
    return true;
  }

  /**
   * Pass-1 size of a `jmp/jcc label` without encoding it: short for a label not defined yet (NASM is
   * optimistic in pass 1, as the encoder is for an unknown value), else short when the displacement
   * fits in a byte; undefined when the encoder must decide.
   */
  private firstPassJumpSize(insn: Insn): number | undefined {
    if (this.cur < 0) return undefined;
    const j = this.jumpShape(insn);
    if (!j) return undefined;
    const s = this.symbols.get(jumpTarget(insn));
    if (!s) return j.short;
    if (s.kind !== 'label' || s.value.unk || s.seg !== this.cur) return undefined;
    const d = s.off - (this.sections[this.cur].size + j.short);
    return d >= -128 && d <= 127 ? j.short : j.near;
  }

  private insn(insn: Insn, line: number, idx: number): void {
    if (this.phase === 'first' && insn.ops.length === 1 && insn.ops[0].k === 'imm' && (insn.mn[0] === 'j' || insn.mn === 'call')) {
      const size = this.firstPassJumpSize(insn);
      if (size !== undefined) {
        this.templateJumps++;
        this.sizedJump = idx;
        this.advance(size);
        return;
      }
    }
    if (this.phase === 'final' && this.kinds?.[idx] === 3 && this.finalJump(insn, idx, line)) {
      this.templateJumps++;
      return;
    }
    if (this.cur < 0 && this.phase !== 'final') {
      // Instructions in absolute space only advance the location counter.
    }
    let cache = this.caches[idx];
    const clean = this.clean;
    const mode = this.modeKey();
    if (cache === undefined) {
      if (clean.mode[idx] === mode && !(this.cur < 0 && this.phase === 'final')) {
        if (this.phase === 'final') this.emitClean(clean.at[idx], clean.len[idx], line);
        else this.advance(clean.len[idx]);
        return;
      }
      if (insn.shared && (cache = this.sharedCache.get(insn))) this.caches[idx] = cache;
      else if (!isConstInsn(insn)) {
        cache = { bits: -2, size: 0 };
        this.caches[idx] = cache;
      } else if (insn.shared) {
        cache = { bits: -1, size: 0 };
        this.caches[idx] = cache;
        if (this.sharedCache.size > 60_000) this.sharedCache.clear();
        this.sharedCache.set(insn, cache);
      }
      // else a constant instruction of one line: its encoding goes to `clean` below.
    }
    if (cache !== undefined && cache.bits === this.bits && cache.enc && cache.rel === this.defaultRel && cache.cpu === this.cpu) {
      if (this.phase !== 'final') {
        this.advance(cache.size);
        return;
      }
      if (!cache.enc.pcrel && cache.enc.warnings.length === 0) {
        this.emitBytes(cache.enc.bytes, cache.enc.fixes, line, cache.enc.pieces);
        return;
      }
    }
    const env = this.env;
    env.bits = this.bits;
    env.seg = this.cur;
    env.off = this.cur < 0 ? this.absOff : this.sections[this.cur].size;
    env.defaultRel = this.defaultRel;
    env.final = this.phase === 'final';
    env.cpu = this.cpu;
    this.undefinedName = undefined;
    let enc: Encoded;
    // Warnings of the operands' evaluation (a character constant too long), once each, before the encoder's.
    let evalWarns: string[] | undefined;
    this.ctx.onWarning = (m) => {
      evalWarns ??= [];
      if (!evalWarns.includes(m)) evalWarns.push(m);
    };
    try {
      enc = encode(insn, env);
    } catch (x) {
      if (this.phase === 'first' && x instanceof EncodeError && x.early) throw x;
      if (this.phase === 'final') {
        if (this.undefinedName !== undefined) this.undefinedError(line, this.undefinedCol);
        else throw x;
      }
      return;
    } finally {
      this.ctx.onWarning = this.evalWarning;
    }
    if (evalWarns) enc = { ...enc, warnings: [...evalWarns, ...enc.warnings] };
    if (this.phase === 'final') {
      if (this.undefinedName !== undefined) {
        this.undefinedError(line, this.undefinedCol);
      }
      for (const w of enc.warnings) this.warn(line, w);
      if (enc.shortCheck !== undefined) {
        this.err(line, 'short jump is out of range');
        // NASM writes the byte anyway, and its range check warns as well.
        this.warn(line, 'byte data exceeds bounds [-w+number-overflow]');
      }
    }
    if (cache === undefined) {
      if (enc.fixes.length === 0 && enc.warnings.length === 0 && !enc.pcrel && enc.shortCheck === undefined && enc.bytes.length < 256) {
        clean.mode[idx] = mode;
        clean.at[idx] = clean.arena.len;
        clean.len[idx] = enc.bytes.length;
        clean.arena.pushAll(enc.bytes);
      } else {
        cache = { bits: this.bits, rel: this.defaultRel, cpu: this.cpu, size: enc.bytes.length, enc: compactEncoding(enc) };
        this.caches[idx] = cache;
      }
    } else if (cache.bits !== -2) {
      cache.rel = this.defaultRel;
      cache.cpu = this.cpu;
      cache.bits = this.bits;
      cache.size = enc.bytes.length;
      cache.enc = compactEncoding(enc);
    }
    this.emitBytes(enc.bytes, enc.fixes, line, enc.pieces);
  }

  // ---------- layout and output ----------

  /** Section addresses as NASM's outbin gives them (binLayout.ts); its fatal errors end the assembly. */
  private layout(): void {
    type S2 = Section & { fixedStart?: bigint; fixedVstart?: bigint };
    const views: LayoutSection[] = (this.sections as S2[]).map((s) => ({
      name: s.name, nobits: s.nobits, size: s.size, align: s.align, explicitAlign: s.explicitAlign,
      follows: s.attrs.follows, vfollows: s.attrs.vfollows, fixedStart: s.fixedStart, fixedVstart: s.fixedVstart, start: 0n, vstart: 0n,
    }));
    this.layoutErrors = layoutBin(views, this.origin, this.originSet);
    views.forEach((v, i) => {
      this.sections[i].start = v.start;
      this.sections[i].vstart = v.vstart;
    });
  }

  /** What NASM's outbin refuses in the layout (a follows= naming no section, a vfollows cycle...). */
  private layoutErrors: LayoutError[] = [];

  /**
   * Produces the listing records by running the final pass again with recording on. The final
   * pass is deterministic, so this gives exactly what the first one emitted; most callers never
   * need a listing, and not keeping one record per line saves a lot of memory on big files.
   */
  relist(): ListRec[] {
    const saved = this.diags;
    const savedMaps = this.maps;
    this.diags = new Diags();
    this.recording = true;
    try {
      this.runPass('final');
    } finally {
      this.recording = false;
      this.diags = saved;
      this.maps = savedMaps;
    }
    return this.listing;
  }

  /**
   * NASM's layout errors are fatal and name no line: ours name the directive that asked for the
   * layout (or line 1). NASM lays out only an assembly without errors, so only then are they said.
   */
  private checkLayout(): boolean {
    if (this.diags.final.some((d) => d.severity === 'error')) return this.layoutErrors.length === 0;
    for (const e of this.layoutErrors) {
      const line = this.secByName.get(e.section)?.followsLine ?? 0;
      this.diags.seq = line;
      this.diags.add('final', 'error', this.pos(line), 1, e.message);
    }
    return this.layoutErrors.length === 0;
  }

  private checkOverlap(): void {
    const ps = this.sections.filter((s) => !s.nobits && s.size > 0).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    for (let i = 1; i < ps.length; i++) {
      const prev = ps[i - 1];
      if (prev.start + BigInt(prev.size) > ps[i].start) {
        // NASM: `fatal: sections .a and .b overlap!` (no line; we report line 1 of the main file).
        this.diags.add('final', 'error', { file: this.lines[0]?.file ?? '', line: 1 }, 1, `sections ${prev.name} and ${ps[i].name} overlap!`);
        return;
      }
    }
  }

  /** The file spans every section from the lowest start to the highest end; refuse what no one can write. */
  private checkFileSize(): void {
    const { lo, hi } = this.fileSpan();
    if (hi - lo <= BigInt(MAX_OUTPUT)) return;
    const far = this.sections.filter((s) => !s.nobits && s.size > 0).reduce((a, b) => (b.start + BigInt(b.size) > a.start + BigInt(a.size) ? b : a));
    const line = far.startLine ?? 0;
    const hex = (v: bigint): string => '0x' + BigInt.asUintN(64, v).toString(16);
    this.diags.seq = line;
    this.diags.add('final', 'error', this.pos(line), 1, `section ${far.name} ends at ${hex(far.start + BigInt(far.size))}, ${hi - lo} bytes from the start of the file at ${hex(lo)}: output would exceed ${MAX_OUTPUT} bytes`);
  }

  private fileSpan(): { lo: bigint; hi: bigint } {
    let lo = this.origin;
    let hi = this.origin;
    for (const s of this.sections) {
      if (s.nobits || s.size === 0) continue;
      if (s.start < lo) lo = s.start;
      const e = s.start + BigInt(s.size);
      if (e > hi) hi = e;
    }
    return { lo, hi };
  }

  private applyFixes(): void {
    const vs = (i: number): bigint => (i >= 0 ? this.sections[i].vstart : 0n);
    for (const s of this.sections) {
      for (const f of s.fixes) {
        let v = 0n;
        for (let k = f.size - 1; k >= 0; k--) v = (v << 8n) | BigInt(s.data.buf[f.at + k] ?? 0);
        v = BigInt.asUintN(f.size * 8, v + vs(f.plus) - vs(f.minus));
        for (let k = 0; k < f.size; k++) {
          s.data.buf[f.at + k] = Number(v & 0xffn);
          v >>= 8n;
        }
      }
    }
  }

  output(): Uint8Array {
    const progbits = this.sections.filter((s) => !s.nobits && (s.size > 0 || s.idx === 0));
    if (progbits.length === 0) return new Uint8Array(0);
    const { lo, hi } = this.fileSpan();
    const out = new Uint8Array(Number(hi - lo));
    for (const s of progbits) {
      const at = Number(s.start - lo);
      out.set(s.data.buf.subarray(0, Math.min(s.data.len, out.length - at)), at);
    }
    return out;
  }

  /** Symbols for `[map]`, in definition order: section-relative ones (seg >= 0) and absolute ones (seg -1). */
  mapSymbols(): { name: string; seg: number; off: bigint }[] {
    const out: { name: string; seg: number; off: bigint }[] = [];
    for (const [name, s] of this.symbols) {
      const v = s.value;
      if (v.unk || v.minus !== undefined || name.startsWith(LOCATION_PROBE)) continue;
      if (v.seg >= 0 ? !name.startsWith('..@') : true) out.push({ name, seg: v.seg, off: v.n });
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

/**
 * The label offsets the tight passes converge to, found at once. A tight program holds only
 * fixed-size runs, labels and `jmp/jcc label` (short when the target is within a byte of the
 * short form's end, else near), so a jump only ever grows: every pass, NASM's included, stays at or
 * below the least assignment of sizes in which each jump is near exactly when it must be, and
 * stops on it. That assignment is found here by growing, from all short, each jump that does not
 * fit and then re-checking the short jumps whose span covers it (only those within a short reach),
 * with the growth summed in a Fenwick tree. NASM needs a pass per step of a chain of such
 * growths (216 on the bench's jump-heavy file); the passes that follow find nothing to change.
 * Leaves `labelOff` alone when a jump's target is not a label of the program.
 */
/** The label a jumpShape jump goes to. */
function jumpTarget(insn: Insn): string {
  return ((insn.ops[0] as ImmOp).expr as Expr & { k: 'sym' }).name;
}

export function relaxJumps(prog: Int32Array, labelOff: Int32Array): void {
  let jumps = 0;
  for (let e = 0; e < prog.length; e += 4) if (prog[e] === 3) jumps++;
  const start = new Float64Array(jumps); // offset with every jump before it short
  const short = new Int32Array(jumps);
  const growth = new Int32Array(jumps); // near minus short
  const target = new Int32Array(jumps);
  const labelBase = new Float64Array(labelOff.length).fill(NaN);
  const jumpsBefore = new Int32Array(labelOff.length); // for each label, the jumps before it
  let off = 0;
  let j = 0;
  for (let e = 0; e < prog.length; e += 4) {
    const k = prog[e];
    if (k === 1) off += prog[e + 1];
    else if (k === 2) {
      labelBase[prog[e + 1]] = off;
      jumpsBefore[prog[e + 1]] = j;
    } else if (k === 3) {
      start[j] = off;
      target[j] = prog[e + 1];
      short[j] = prog[e + 2];
      growth[j] = prog[e + 3] - prog[e + 2];
      off += prog[e + 2];
      j++;
    }
  }
  for (let i = 0; i < jumps; i++) if (Number.isNaN(labelBase[target[i]])) return;
  // Fenwick tree of the growth of jumps made near: grownBefore(i) sums jumps 0..i-1.
  const tree = new Float64Array(jumps + 1);
  const grownBefore = (i: number): number => {
    let sum = 0;
    for (let x = i; x > 0; x -= x & -x) sum += tree[x];
    return sum;
  };
  const grow = (i: number): void => {
    for (let x = i + 1; x <= jumps; x += x & -x) tree[x] += growth[i];
  };
  const jumpAt = (i: number): number => start[i] + grownBefore(i);
  const labelAt = (l: number): number => labelBase[l] + grownBefore(jumpsBefore[l]);
  const near = new Uint8Array(jumps);
  const fits = (i: number): boolean => {
    const d = labelAt(target[i]) - (jumpAt(i) + short[i]);
    return d >= -128 && d <= 127;
  };
  // A short jump a growth can reach lies within a short jump's reach of it (128 bytes and the
  // jump itself); 512 leaves room for any instruction length.
  const REACH = 512;
  const work: number[] = [];
  for (let i = jumps - 1; i >= 0; i--) work.push(i);
  while (work.length) {
    const i = work.pop()!;
    if (near[i] || fits(i)) continue;
    near[i] = 1;
    grow(i);
    const grownI = grownBefore(i);
    const at = start[i] + grownI;
    // Forward short jumps before it whose target lies after it, backward ones after it whose target
    // lies before it. (Neighbours' growth is followed step by step, not asked of the tree each time.)
    let g = grownI;
    for (let k = i - 1; k >= 0; k--) {
      if (near[k]) g -= growth[k];
      if (start[k] + g < at - REACH) break;
      if (!near[k] && jumpsBefore[target[k]] > i) work.push(k);
    }
    g = grownI + growth[i];
    for (let k = i + 1; k < jumps; k++) {
      if (start[k] + g > at + REACH) break;
      if (!near[k] && jumpsBefore[target[k]] <= i) work.push(k);
      if (near[k]) g += growth[k];
    }
  }
  for (let l = 0; l < labelOff.length; l++) labelOff[l] = labelAt(l);
}
