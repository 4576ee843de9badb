// Constant instruction lines encoded as they are read. Most lines of a large source are an
// instruction whose operands are registers and plain numbers (`mov rax, [rbx+16]`): its bytes
// depend only on the text and the mode (`bits`, `cpu`, `default rel`, -O level). Such a line
// becomes an `enc` statement pointing into one byte arena, so the passes only add its size and the
// final pass copies its bytes: no parsed instruction object outlives its line. The text keeps its
// encoding across assemblies (a cache like the parser's), so a repeated line is neither parsed
// nor encoded again.
//
// Exactness: a line is taken only when simpleLine.ts's fast path parses it (the general parser
// would build the same instruction), its operand values are numbers, and its encoding has no
// fix-ups, warnings, errors or RIP/branch-relative part. The mode is followed from the `bits`,
// `cpu` and `default` statements as pass 1 meets them; each `enc` statement carries its mode, and
// the assembler encodes the line the ordinary way in any pass whose mode differs.

import { ByteBuf } from './byteBuf.js';
import { encode, type EncodeEnv, type NumberField } from './encoder.js';
import { makeTemplate, readShape, ShapeTable, writeTemplate } from './lineShape.js';
import { evaluate, isConstExpr, type EvalCtx, type Expr, type Value } from './expr.js';
import { isReservedWord, startsInsn, type Insn, type Stmt } from './parser.js';
import { parseSimpleInsn } from './simpleLine.js';

/** The mode an instruction's bytes depend on besides its operands, as one positive number. */
export function modeKey(bits: number, defaultRel: boolean, cpu: number | undefined, optimize: 0 | 1 | 2): number {
  return bits | (defaultRel ? 128 : 0) | (((cpu ?? -1) + 2) << 8) | (optimize << 24);
}

/** Whether every operand value is a plain number (so the encoding depends only on the mode). */
export function isConstInsn(insn: Insn): boolean {
  for (const op of insn.ops) {
    if (op.k === 'reg') continue;
    if (op.k === 'imm') {
      if (!isConstExpr(op.expr)) return false;
    } else if (op.k === 'far') {
      if (!isConstExpr(op.seg) || !isConstExpr(op.off)) return false;
    } else if (op.disp && !isConstExpr(op.disp)) return false;
  }
  return true;
}

/** The instruction on a line this module took, parsed again (for a pass whose mode differs). */
export function reparseLine(text: string): Insn | undefined {
  return parseSimpleInsn(text, startsInsn, isReservedWord, keepName);
}

/** What a constant instruction line is in `mode`: its bytes, or its parsed instruction when those are not all there is to it. */
interface CachedLine {
  mode: number;
  bytes?: number[];
  insn?: Insn;
}

/** Line text to what it was when last read. Kept across assemble() calls, bounded. */
const LINE_CACHE = new Map<string, CachedLine>();
const LINE_CACHE_LIMIT = 50_000;

/** lineShape.ts's templates per mode, kept across assemblies like LINE_CACHE, bounded. */
const SHAPES = new Map<number, ShapeTable>();
let shapesInUse = true;
/** Lines written from a template (tests check the templates were used at all). */
export const templateUses = { count: 0 };
/** Tests compare assemblies with and without the templates, each from empty caches. */
export function useShapeTemplates(on: boolean): void {
  shapesInUse = on;
  LINE_CACHE.clear();
  SHAPES.clear();
}
function shapesOf(mode: number): ShapeTable | undefined {
  if (!shapesInUse) return undefined;
  let m = SHAPES.get(mode);
  if (m === undefined) SHAPES.set(mode, (m = new ShapeTable()));
  return m;
}

/** Names need no qualifying: lines with a dot (local labels) are left to the parser. */
const keepName = (name: string): string => name;

const CONSTANTS_ONLY: EvalCtx = {
  sym: () => undefined,
  here: { n: 0n, seg: -1, unk: false },
  base: { n: 0n, seg: -1, unk: false },
};

export class LineEncoder {
  /** Bytes of every `enc` statement of this assembly (the assembler appends its own there too). */
  readonly arena = new ByteBuf();
  private bits: 16 | 32 | 64 = 16;
  private cpu: number | undefined;
  private defaultRel = false;
  private mode: number;
  private readonly env: EncodeEnv;
  /** Fields of the last clean encoding (for lineShape.ts's templates). */
  private readonly fields: NumberField[] = [];
  /** Templates of the current mode. */
  private shapes: ShapeTable | undefined;

  constructor(private readonly optimize: 0 | 1 | 2) {
    this.mode = modeKey(16, false, undefined, optimize);
    this.shapes = shapesOf(this.mode);
    this.env = {
      fields: this.fields,
      bits: 16,
      seg: 0,
      off: 0,
      eval: (e: Expr): Value => evaluate(e, CONSTANTS_ONLY),
      o0: optimize === 0,
      o1: optimize === 1,
      defaultRel: false,
      final: false,
    };
  }

  /**
   * Reads a line that is a simple instruction, appending its statement; false when the line is
   * something else (the parser's job), after which `follow` must see what the parser appended.
   */
  read(text: string, line: number, out: Stmt[]): boolean {
    // Local labels (a dot) and lines ending in a colon (labels) are the parser's.
    if (text.charCodeAt(text.length - 1) === 58 || text.includes('.')) return false;
    const shapes = this.shapes;
    const shaped = shapes !== undefined && readShape(text);
    if (shaped) {
      const t = shapes.find();
      if (t !== undefined) {
        templateUses.count++;
        const at = this.arena.reserve(t.bytes.length);
        writeTemplate(t, this.arena.buf, at);
        out.push({ k: 'enc', at, len: t.bytes.length, mode: this.mode, line });
        return true;
      }
    }
    let hit = LINE_CACHE.get(text);
    // From its second line on, an instruction is shared: the assembler keeps its encoding with it.
    if (hit?.insn) hit.insn.shared = true;
    if (hit === undefined || hit.mode !== this.mode) {
      const insn = hit?.insn ?? reparseLine(text);
      if (!insn) return false;
      if (!isConstInsn(insn)) {
        // Its bytes depend on symbols: nothing to keep but the parse, which is cheap to repeat
        // (and such lines, `jz L5`, are mostly each different).
        out.push({ k: 'insn', insn, line });
        return true;
      }
      const bytes = this.encodeClean(insn);
      hit = bytes ? { mode: this.mode, bytes } : { mode: this.mode, insn };
      if (bytes && shaped) {
        // readShape's key and sums still describe this line: nothing since has read a shape.
        const t = makeTemplate(bytes, this.fields);
        if (t) shapes.add(t);
      }
      if (LINE_CACHE.size >= LINE_CACHE_LIMIT) LINE_CACHE.clear();
      LINE_CACHE.set(text, hit);
    }
    if (hit.bytes) {
      const at = this.arena.len;
      this.arena.pushAll(hit.bytes);
      out.push({ k: 'enc', at, len: hit.bytes.length, mode: this.mode, line });
    } else out.push({ k: 'insn', insn: hit.insn!, line });
    return true;
  }

  /** Follows the mode through statements the parser appended from index `from` on (as pass 1 executes them). */
  follow(stmts: Stmt[], from: number): void {
    for (let i = from; i < stmts.length; i++) {
      const st = stmts[i];
      if (st.k === 'bits') {
        // The assembler refuses these (and keeps the mode).
        if (st.bits === 64 && this.cpu !== undefined && this.cpu < 10) continue;
        if (st.bits === 32 && this.cpu !== undefined && this.cpu < 3) continue;
        this.bits = st.bits as 16 | 32 | 64;
      } else if (st.k === 'cpu') this.cpu = st.level;
      else if (st.k === 'default') this.defaultRel = st.rel;
      else continue;
      this.mode = modeKey(this.bits, this.defaultRel, this.cpu, this.optimize);
      this.shapes = shapesOf(this.mode);
    }
  }

  /** The instruction's bytes when they are all there is to it (no fix-up, warning, error or relative part). */
  private encodeClean(insn: Insn): number[] | undefined {
    const env = this.env;
    this.fields.length = 0;
    env.bits = this.bits;
    env.cpu = this.cpu;
    env.defaultRel = this.defaultRel;
    try {
      const enc = encode(insn, env);
      if (enc.fixes.length || enc.warnings.length || enc.pcrel || enc.shortCheck !== undefined) return undefined;
      return enc.bytes.slice();
    } catch {
      return undefined; // the assembler reports it in the pass NASM does
    }
  }
}
