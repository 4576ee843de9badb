// Parser: preprocessed lines to statements (the parsed form every pass walks). Local labels are
// qualified here, once, because their meaning depends only on textual position.

import { ExprParser, ExprError, type Expr, isConstExpr, evaluate, NUM, someLeaf } from './expr.js';
import { tokenize, LexError, utfEncode, type Tok } from './lexer.js';
import { lookupReg, type Reg } from './registers.js';
import { prefixSlot, SIZE_KEYWORDS, type ImmOp, type Operand, type MemOp } from './operands.js';
import { MNEMONICS } from './encoder.js';
import { UNSUPPORTED_MNEMONICS } from './table.js';
import { parseSimpleInsn, parseSimpleLabel } from './simpleLine.js';

export type DataItem =
  | { k: 'expr'; e: Expr; col: number }
  | { k: 'str'; bytes: string }
  | { k: 'float'; text: string; col: number }
  | { k: 'uninit' }
  /** `n dup (items)`, `%(items)` (n = 1) and `size (items)`; `unit` overrides the element size inside. */
  | { k: 'dup'; count: Expr; items: DataItem[]; unit?: number };

export interface Insn {
  mn: string;
  ops: Operand[];
  prefixes: string[]; // lock rep repe repne, segment names, o16 o32 o64 a16 a32 a64
  col: number;
  shared?: boolean; // the same object serves several identical source lines (set from the second on)
  er?: 'rn' | 'rd' | 'ru' | 'rz' | 'sae'; // AVX-512 embedded rounding / suppress-all-exceptions operand
  erOp?: number; // the operand it was written after
}

export type StmtBody =
  | { k: 'label'; name: string; col: number }
  | { k: 'insn'; insn: Insn }
  /** A constant instruction lineEncoder.ts encoded while parsing: `len` bytes at `at` of its arena, for `mode`. */
  | { k: 'enc'; at: number; len: number; mode: number }
  | { k: 'data'; unit: number; items: DataItem[] }
  | { k: 'res'; unit: number; count: Expr }
  | { k: 'times'; count: Expr; body: Stmt | null; col: number }
  | { k: 'equ'; name: string; expr: Expr; col: number }
  | { k: 'org'; expr: Expr }
  | { k: 'bits'; bits: number }
  | { k: 'section'; name: string; attrs: SectionAttrs }
  | { k: 'absolute'; expr: Expr }
  | { k: 'align'; n: Expr; fill: Stmt | null; b: boolean }
  | { k: 'incbin'; name: string; skip: Expr | null; len: Expr | null }
  | { k: 'default'; rel: boolean }
  | { k: 'cpu'; level: number }
  | { k: 'sectalign'; n: Expr }
  | { k: 'map'; args: string }
  | { k: 'nop' };

export type Stmt = StmtBody & { line: number };

export interface SectionAttrs {
  align?: Expr;
  start?: Expr;
  vstart?: Expr;
  follows?: string;
  vfollows?: string;
  nobits?: boolean;
  progbits?: boolean;
  /** Words the bin format does not know (`exec`, `write`): NASM warns and ignores them. */
  unknown?: string[];
}

export class ParseError extends Error {
  constructor(message: string, public col: number) {
    super(message);
  }
}

const DATA_UNITS: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8, dt: 10, do: 16, dy: 32, dz: 64 };
const RES_UNITS: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8, rest: 10, reso: 16, resy: 32, resz: 64 };
const PREFIXES = new Set([
  'lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'o16', 'o32', 'o64', 'a16', 'a32', 'a64', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', 'wait',
  'osp', 'asp', 'xacquire', 'xrelease', 'bnd', 'nobnd', '{rex}', '{vex}', '{vex2}', '{vex3}', '{evex}',
]);
/** The encoding-choice prefixes `{rex}`, `{vex}`, `{vex2}`, `{vex3}`, `{evex}` become one prefix token each. */
function braceprefixes(toks: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.v === '{' && toks[i + 2]?.v === '}' && toks[i + 1].t === 'id' && /^(rex|vex[23]?|evex)$/i.test(toks[i + 1].v)) {
      out.push({ ...toks[i + 1], v: `{${toks[i + 1].v.toLowerCase()}}`, col: t.col });
      i += 2;
    } else out.push(t);
  }
  return out;
}
const DIRECTIVES = new Set([
  'bits', 'use16', 'use32', 'use64', 'org', 'section', 'segment', 'absolute', 'align', 'alignb', 'incbin', 'default', 'cpu', 'global', 'extern', 'common', 'static', 'sectalign', 'times', 'equ', 'map', 'warning', 'float', 'required',
]);

/** Directives NASM knows only in brackets (the others also have a standard macro without them). */
const BRACKET_ONLY = new Set(['warning', 'map']);

/** NASM's mnemonics without rows in our table: instructions to NASM, so never labels, but refused. */
const UNSUPPORTED = new Set(UNSUPPORTED_MNEMONICS.split(/\s+/).filter(Boolean));

/** Words that cannot be labels without a colon (asked for every label and label operand). */
const RESERVED = new Set([...MNEMONICS, ...UNSUPPORTED, ...Object.keys(DATA_UNITS), ...Object.keys(RES_UNITS), ...PREFIXES, ...[...DIRECTIVES].filter((d) => !BRACKET_ONLY.has(d))]);

export function isReservedWord(w: string): boolean {
  return RESERVED.has(w.toLowerCase());
}

/**
 * Lines that parse to one position-independent statement are parsed once per distinct text, also
 * across assemble() calls: the parsed form is immutable and depends on nothing but the text
 * (lines with local labels, labels, dots or strings are never cached).
 */
const PARSE_CACHE = new Map<string, StmtBody>();
const UNCACHED = new Set(['label', 'times', 'align']);
/** An operand's segment override; NASM refuses a second one (and keeps the first). */
function setSegment(m: MemOp, seg: Reg, col: number, onConflict: (msg: string, col: number) => void): void {
  if (m.seg !== undefined) onConflict('instruction has conflicting segment overrides', col);
  else m.seg = seg;
}

/** A `times` of one such statement is cached after all (a copy made per line carries the line). */
const cacheableTimes = (st: Stmt): boolean => st.k === 'times' && st.body !== null && !UNCACHED.has(st.body.k);
/** A word that starts an instruction statement (not a prefix, data word or directive). */
const INSN_START = new Set([...MNEMONICS].filter((w) => !PREFIXES.has(w) && !(w in DATA_UNITS) && !(w in RES_UNITS) && !DIRECTIVES.has(w)));
export const startsInsn = (w: string): boolean => INSN_START.has(w);

export class LineParser {
  /** Names declared `extern` (the bin format cannot resolve them). */
  readonly externs = new Set<string>();
  /** The last non-local label: `.x` becomes `<base>.x`. */
  localBase = '';
  orphanWarnings: { line: number; col: number }[] = [];
  /** `[warning ...]` directives in line order: their switches apply from that line on. */
  warningDirectives: { line: number; col: number; value: string }[] = [];

  /** Lines simpleLine.ts's fast path parsed. */
  simpleCount = 0;

  qualify = (name: string): string => {
    if (name.startsWith('.') && !name.startsWith('..')) return this.localBase + name;
    return name;
  };


  /**
   * Parses a line into `out`. `onError` takes the errors NASM's parser gives without dropping the
   * line (its other errors come after them: `es mov ax, [cs:bx]` in 64-bit mode); the others throw.
   */
  parseLine(text: string, line: number, out: Stmt[], onWarn: (msg: string, col: number) => void, onError: (msg: string, col: number) => void = onWarn): void {
    // A line that is only a label (never cached: it changes the local-label base).
    const label = parseSimpleLabel(text, isReservedWord);
    if (label) {
      this.simpleCount++;
      out.push({ k: 'label', name: this.defineLabelName(label.name), col: label.col, line });
      return;
    }
    // A dot may be a local label (`.x` means `<base>.x`): then the key includes the base label.
    const key = text.includes('.') ? `${this.localBase}\n${text}` : text;
    const hit = PARSE_CACHE.get(key);
    if (hit) {
      // From its second line on, an instruction is shared: the assembler keeps its encoding with it.
      if (hit.k === 'insn') hit.insn.shared = true;
      if (hit.k === 'times' && hit.body) {
        // (Its statement carries the line too.)
        if (hit.body.k === 'insn') hit.body.insn.shared = true;
        out.push({ ...hit, line, body: { ...hit.body, line } });
      } else out.push({ ...hit, line } as Stmt);
      return;
    }
    const simple = parseSimpleInsn(text, startsInsn, isReservedWord, this.qualify);
    if (simple) {
      this.simpleCount++;
      const st: Stmt = { k: 'insn', insn: simple, line };
      out.push(st);
      if (PARSE_CACHE.size >= 50_000) PARSE_CACHE.clear();
      PARSE_CACHE.set(key, st);
      return;
    }
    // `bits` takes its value as text (NASM's directives are not tokenized): `bits 16a` is `bits 16`.
    const bits = BITS_LINE.exec(text);
    if (bits) {
      const value = bits[1] ?? bits[2];
      out.push({ k: 'bits', bits: segmentSize(value, text.indexOf(value) + 1), line });
      return;
    }
    let warned = false;
    const warn = (msg: string, col: number): void => {
      warned = true;
      onWarn(msg, col);
    };
    this.lineWarn = warn;
    this.lineError = (msg, col) => {
      warned = true;
      onError(msg, col);
    };
    const toks = tokenize(text, warn);
    if (toks.length === 0) return;
    const before = out.length;
    const directivesBefore = this.warningDirectives.length;
    this.parseToks(toks, line, out, text.length + 1);
    // NASM's parser warns about a data declaration without operands, once per line read.
    for (let k = before; k < out.length; k++) {
      const o = out[k];
      const data = o.k === 'data' ? o : o.k === 'times' && o.body?.k === 'data' ? o.body : undefined;
      if (data?.items.length === 0) {
        warned = true;
        onWarn('no operand for data declaration [-w+db-empty]', 1);
      }
    }
    // Single statements are cached, except those that change parser state (labels, struc, extern) or may warn (strings).
    const st = out[before];
    // Statements with a nested statement (align, at) are not cached: the nested one carries its line.
    if (out.length === before + 1 && (!UNCACHED.has(st.k) || cacheableTimes(st)) && !/['"`]/.test(text) && this.warningDirectives.length === directivesBefore && !declaresExtern(toks) && !warned) {
      if (PARSE_CACHE.size >= 50_000) PARSE_CACHE.clear();
      PARSE_CACHE.set(key, st);
    }
  }

  private parseToks(toks: Tok[], line: number, out: Stmt[], endCol: number): void {
    let i = 0;
    if (toks.some((t) => t.v === '{')) toks = braceprefixes(toks);
    // Bracketed directive: [bits 16], [org 0x7c00], [section .text], [map all x.map], ...
    if (toks[0].t === 'op' && toks[0].v === '[') {
      const close = toks.findIndex((t) => t.t === 'op' && t.v === ']');
      const inner = toks.slice(1, close < 0 ? toks.length : close);
      if (close < 0 || !inner.length || inner[0].t !== 'id') throw new ParseError('invalid directive line', toks[0].col);
      const w = inner[0].v.toLowerCase();
      if (!DIRECTIVES.has(w) && w !== 'list') throw new ParseError(`unrecognised directive [${inner[0].v}]`, inner[0].col);
      this.directive(w, inner, 1, line, out, endCol);
      return;
    }
    const first = toks[0];
    if (first.t !== 'id' && !(first.t === 'op' && first.v === '[')) throw new ParseError('label or instruction expected at start of line', first.col);
    // Label?
    if (first.t === 'id' && (first.forced || !isReservedWord(first.v) || (toks[1]?.t === 'op' && toks[1].v === ':' && !PREFIXES.has(first.v.toLowerCase())))) {
      const next = toks[1];
      const nextIsColon = next && next.t === 'op' && next.v === ':';
      const nextWord = next && next.t === 'id' ? next.v.toLowerCase() : '';
      if (nextWord === 'equ' && !nextIsColon) {
        this.equ(first, toks, 2, line, out, endCol);
        return;
      }
      if (nextIsColon && toks[2]?.t === 'id' && toks[2].v.toLowerCase() === 'equ') {
        this.equ(first, toks, 3, line, out, endCol);
        return;
      }
      if (!next) this.orphanWarnings.push({ line, col: first.col });
      const name = this.defineLabelName(first.v);
      out.push({ k: 'label', name, col: first.col, line });
      i = nextIsColon ? 2 : 1;
      if (!nextIsColon && next && !(next.t === 'id' && isReservedWord(next.v) && !next.forced)) {
        throw new ParseError('parser: instruction expected', next.col);
      }
    }
    if (i >= toks.length) return;
    const st = this.statement(toks, i, line, endCol);
    if (st) out.push(st);
  }

  private defineLabelName(raw: string): string {
    if (raw.startsWith('.') && !raw.startsWith('..')) return this.localBase + raw;
    if (!raw.startsWith('..@') && !raw.startsWith('..')) this.localBase = raw;
    return raw;
  }

  private equ(nameTok: Tok, toks: Tok[], i: number, line: number, out: Stmt[], endCol: number): void {
    const name = nameTok.v.startsWith('.') && !nameTok.v.startsWith('..') ? this.localBase + nameTok.v : nameTok.v;
    if (i >= toks.length) throw new ParseError('bad syntax for EQU', endCol);
    // EQU's operand is read like an instruction's: a trailing comma is dropped, a second operand refused.
    const parts = splitComma(toks.slice(i));
    if (parts.length > 1 && parts[parts.length - 1].length === 0) parts.pop();
    if (parts.some((p) => p.length === 0)) throw new ParseError('expression syntax error', endCol);
    if (parts.length !== 1) throw new ParseError('bad syntax for EQU', endCol);
    const e = this.expr(parts[0], 0, endCol, true);
    out.push({ k: 'equ', name, expr: e, col: nameTok.col, line });
  }

  /** Parses an expression that must span the rest of the token list. */
  expr(toks: Tok[], i: number, endCol: number, whole = true): Expr {
    if (i >= toks.length) throw new ParseError('expression syntax error', endCol);
    const p = new ExprParser(toks.slice(i), this.qualify, false, endCol);
    const e = p.parse();
    if (whole && p.pos < toks.length - i) throw new ParseError('expression syntax error', toks[i + p.pos].col);
    return e;
  }

  private statement(toks: Tok[], i: number, line: number, endCol: number): Stmt | null {
    const t = toks[i];
    // A word written with `$` is an identifier, never a keyword (`x: $db 1`).
    if (t.t !== 'id' || t.forced) throw new ParseError('parser: instruction expected', t.col);
    const w = t.v.toLowerCase();
    if (PREFIXES.has(w) && !t.forced) {
      // Prefixes before data are dropped (NASM: `es db 0` is `00`); before TIMES they apply to
      // each repetition of the instruction it repeats.
      let j = i;
      while (j < toks.length && toks[j].t === 'id' && !toks[j].forced && PREFIXES.has(toks[j].v.toLowerCase())) j++;
      const nw = toks[j]?.t === 'id' && !toks[j].forced ? toks[j].v.toLowerCase() : '';
      if (Object.hasOwn(DATA_UNITS, nw)) return this.statement(toks, j, line, endCol);
      if (nw === 'times') {
        const st = this.statement(toks, j, line, endCol);
        if (st?.k === 'times' && st.body?.k === 'insn') st.body.insn.prefixes.unshift(...toks.slice(i, j).map((x) => x.v.toLowerCase()));
        return st;
      }
    }
    if (w === 'times') {
      const rest = toks.slice(i + 1);
      const p = new ExprParser(rest, this.qualify, false, endCol);
      const count = p.parse();
      const bodyToks = rest.slice(p.pos);
      let body: Stmt | null = null;
      if (bodyToks.length) body = this.statement(bodyToks, 0, line, endCol);
      return { k: 'times', count, body, col: t.col, line };
    }
    if (Object.hasOwn(DATA_UNITS, w)) return { k: 'data', unit: DATA_UNITS[w], items: this.dataItems(toks, i + 1, endCol), line };
    if (Object.hasOwn(RES_UNITS, w)) return { k: 'res', unit: RES_UNITS[w], count: this.expr(toks, i + 1, endCol), line };
    if (DIRECTIVES.has(w) && !BRACKET_ONLY.has(w)) {
      const out: Stmt[] = [];
      this.directive(w, toks.slice(i), 0, line, out, endCol);
      return out[0] ?? null;
    }
    return { k: 'insn', insn: this.insn(toks, i, endCol), line };
  }

  private directive(w: string, toks: Tok[], i: number, line: number, out: Stmt[], endCol: number): void {
    const argToks = toks.slice(1);
    const argText = (): string => {
      // The arguments as written: a space only where the source had one.
      let raw = '';
      argToks.forEach((t, k) => {
        const prev = argToks[k - 1];
        if (prev && t.col > prev.col + prev.v.length) raw += ' ';
        raw += t.t === 'str' ? JSON.stringify(t.v) : t.v;
      });
      return raw;
    };
    switch (w) {
      case 'bits':
        out.push({ k: 'bits', bits: segmentSize(argText(), argToks[0]?.col ?? endCol), line });
        return;
      case 'use16':
      case 'use32':
      case 'use64':
        out.push({ k: 'bits', bits: parseInt(w.slice(3), 10), line });
        return;
      case 'org':
        // NASM ignores anything after the origin expression.
        out.push({ k: 'org', expr: this.expr(argToks, 0, endCol, false), line });
        return;
      case 'section':
      case 'segment': {
        if (!argToks.length) throw new ParseError('segment name expected', endCol);
        // Section names may contain characters the lexer splits; rebuild from adjacent tokens.
        let name = argToks[0].v;
        let j = 1;
        while (j < argToks.length && argToks[j].col === argToks[j - 1].col + argToks[j - 1].v.length && !(argToks[j].t === 'op' && argToks[j].v === '=')) {
          name += argToks[j].v;
          j++;
        }
        const attrs: SectionAttrs = {};
        while (j < argToks.length) {
          const a = argToks[j];
          const key = a.v.toLowerCase();
          if (argToks[j + 1]?.t === 'op' && argToks[j + 1].v === '=') {
            // value runs to the next whitespace-separated attribute
            let k = j + 2;
            const start = k;
            while (k < argToks.length && !(k > start && argToks[k + 1]?.t === 'op' && argToks[k + 1].v === '=' && argToks[k].t === 'id' && argToks[k].col > argToks[k - 1].col + argToks[k - 1].v.length)) {
              if (k > start && argToks[k].t === 'id' && argToks[k].col > argToks[k - 1].col + argToks[k - 1].v.length && ['progbits', 'nobits', 'noalloc', 'alloc', 'exec', 'noexec', 'write', 'nowrite'].includes(argToks[k].v.toLowerCase())) break;
              k++;
            }
            const valToks = argToks.slice(start, k);
            if (key === 'follows' || key === 'vfollows') {
              attrs[key] = valToks.map((x) => x.v).join('');
            } else if (key === 'align' || key === 'start' || key === 'vstart') {
              attrs[key] = this.expr(valToks, 0, endCol);
            } else (attrs.unknown ??= []).push(`${a.v}=${valToks.map((x) => x.v).join('')}`);
            j = k;
          } else {
            if (key === 'nobits') attrs.nobits = true;
            else if (key === 'progbits') attrs.progbits = true;
            else (attrs.unknown ??= []).push(a.v);
            j++;
          }
        }
        out.push({ k: 'section', name, attrs, line });
        return;
      }
      case 'absolute':
        out.push({ k: 'absolute', expr: this.expr(argToks, 0, endCol), line });
        return;
      case 'align':
      case 'alignb': {
        const comma = argToks.findIndex((x) => x.t === 'op' && x.v === ',');
        const n = this.expr(comma < 0 ? argToks : argToks.slice(0, comma), 0, endCol);
        let fill: Stmt | null = null;
        if (comma >= 0 && comma + 1 < argToks.length) fill = this.statement(argToks.slice(comma + 1), 0, line, endCol);
        out.push({ k: 'align', n, fill, b: w === 'alignb', line });
        return;
      }
      case 'sectalign':
        out.push({ k: 'sectalign', n: this.expr(argToks, 0, endCol), line });
        return;
      case 'incbin': {
        if (!argToks.length || argToks[0].t !== 'str') throw new ParseError('`incbin\' expects a file name', argToks[0]?.col ?? endCol);
        const parts = splitComma(argToks.slice(1));
        const skip = parts[1] && parts[1].length ? this.expr(parts[1], 0, endCol) : null;
        const len = parts[2] && parts[2].length ? this.expr(parts[2], 0, endCol) : null;
        let name = argToks[0].v;
        try {
          name = new TextDecoder().decode(Uint8Array.from(name, (c) => c.charCodeAt(0)));
        } catch {
          /* keep bytes */
        }
        out.push({ k: 'incbin', name, skip, len, line });
        return;
      }
      case 'cpu': {
        const r = cpuSetting(argText());
        if (typeof r === 'string') throw new ParseError(r, argToks[0]?.col ?? endCol);
        // Only the flags (`latevex`, `evex`, `vex`) given: the level stays.
        if (r !== undefined) out.push({ k: 'cpu', level: r, line });
        return;
      }
      case 'default': {
        const a = argToks[0]?.v.toLowerCase();
        if (a === 'rel' || a === 'abs') out.push({ k: 'default', rel: a === 'rel', line });
        // `default bnd` would put F2 on every branch (and change jump sizes): refused rather than ignored.
        else if (a === 'bnd') throw new ParseError("`default bnd' is not supported by Bootlab's assembler", argToks[0].col);
        else if (a !== 'nobnd') throw new ParseError('unknown `default\' parameter', argToks[0]?.col ?? endCol);
        return;
      }
      case 'map':
        out.push({ k: 'map', args: argText(), line });
        return;
      case 'equ':
        throw new ParseError('EQU not preceded by label', toks[0].col);
      case 'warning':
        this.warningDirectives.push({ line, col: toks[0].col, value: argText() });
        out.push({ k: 'nop', line });
        return;
      case 'times':
        out.push(this.statement(toks, 0, line, endCol)!);
        return;
      case 'extern':
        // Accepted, and remembered: a reference to one is NASM's "does not support external references".
        for (const t of argToks) if (t.t === 'id') this.externs.add(t.v);
        out.push({ k: 'nop', line });
        return;
      default:
        // cpu, global, warning, float, list, ...: accepted and ignored in flat binary output.
        out.push({ k: 'nop', line });
    }
  }

  private dataItems(toks: Tok[], i: number, endCol: number): DataItem[] {
    const parts = splitComma(toks.slice(i));
    const items: DataItem[] = [];
    // NASM accepts an empty list and a trailing comma.
    if (parts.length && parts[parts.length - 1].length === 0) parts.pop();
    for (const [pi, p] of parts.entries()) {
      if (p.length === 0) throw new ParseError('expression syntax error', endCol);
      if (p.some((t) => t.t === 'str' && t.unterminated)) throw new ParseError('expression syntax error', p[0].col);
      // A register is no value: NASM says so for the element and reads on (a syntax error stops it).
      if (p.length === 1 && p[0].t === 'id' && !p[0].forced && lookupReg(p[0].v) !== undefined) {
        this.lineError('expression is not simple or relocatable', p[0].col);
        continue;
      }
      // A size keyword before an element sets its size (`dd 2 dup (dword 1)`, `db word 5`), also
      // before a count (`db byte 3 dup 1`); `size (list)` is a group, below.
      const lead = p[0].t === 'id' && !p[0].forced && !isOpTok(p[1], '(') ? sizeKeyword(p[0].v) : undefined;
      if (lead !== undefined) {
        // A size and nothing after it ends the list without an element (then a comma is an expression's error).
        if (p.length === 1) {
          if (pi < parts.length - 1) throw new ParseError('expression syntax error', p[0].col);
          continue;
        }
        const inner = this.dataItems(p, 1, endCol);
        if (inner.length) items.push({ k: 'dup', count: { k: 'num', v: 1n }, items: inner, unit: lead / 8 });
        continue;
      }
      // `count dup (items)` (NASM 2.15+)
      const dupAt = topLevelDup(p);
      // `%(list)` and `size (list)` group items like `1 dup (list)`, the latter with its own element size.
      const groupAt = dupAt > 0 ? dupAt + 1 : p[0].t === 'op' && p[0].v === '%' ? 1 : 0;
      const sizeWord = p[groupAt]?.t === 'id' && !p[groupAt].forced ? sizeKeyword(p[groupAt].v) : undefined;
      const openAt = sizeWord !== undefined ? groupAt + 1 : groupAt;
      const isGroup = dupAt > 0 || groupAt === 1 || (sizeWord !== undefined && p[openAt]?.t === 'op' && p[openAt].v === '(');
      if (dupAt > 0 && !isOpTok(p[openAt], '(')) {
        // `3 dup 4`, `3 dup byte 4`: NASM repeats the element that follows, parentheses or not.
        const count = this.expr(p.slice(0, dupAt), 0, endCol);
        const rest = p.slice(dupAt + 1);
        if (pi < parts.length - 1 && rest.length && rest.every((t) => t.t === 'id' && !t.forced && sizeKeyword(t.v) !== undefined)) throw new ParseError('expression syntax error', rest[0].col);
        const inner = this.dataItems(p, dupAt + 1, endCol);
        if (inner.length) items.push({ k: 'dup', count, items: inner });
        continue;
      }
      if (isGroup) {
        const open = p[openAt];
        const last = p[p.length - 1];
        if (!open || open.t !== 'op' || open.v !== '(') throw new ParseError('expression syntax error', (p[openAt] ?? p[p.length - 1]).col);
        const close = matchingParen(p, openAt);
        if (close < 0) throw new ParseError("expected `)' after subexpression, got end of line", last.col);
        if (close !== p.length - 1) throw new ParseError('comma expected after operand', p[close + 1].col);
        const count = dupAt > 0 ? this.expr(p.slice(0, dupAt), 0, endCol) : ({ k: 'num', v: 1n } as Expr);
        const inner = this.dataItems(p.slice(openAt + 1, p.length - 1), 0, endCol);
        items.push(sizeWord !== undefined ? { k: 'dup', count, items: inner, unit: sizeWord / 8 } : { k: 'dup', count, items: inner });
        continue;
      }
      if (p.length === 1 && p[0].t === 'str') {
        items.push({ k: 'str', bytes: p[0].v });
        continue;
      }
      if (p.length === 1 && p[0].t === 'op' && p[0].v === '?') {
        items.push({ k: 'uninit' });
        continue;
      }
      const specialAt = p.length === 1 ? 0 : p.length === 2 && p[0].t === 'op' && (p[0].v === '-' || p[0].v === '+') ? 1 : -1;
      if (specialAt >= 0 && p[specialAt].t === 'id' && /^__\??(infinity|nan|qnan|snan)\??__$/i.test(p[specialAt].v)) {
        items.push({ k: 'float', text: (specialAt ? p[0].v : '') + p[specialAt].v, col: p[0].col });
        continue;
      }
      if (p[0].t === 'float' || (p.length >= 2 && p[0].t === 'op' && (p[0].v === '-' || p[0].v === '+') && p[1].t === 'float')) {
        const signed = p[0].t !== 'float';
        const text = signed ? p[0].v + p[1].v : p[0].v;
        items.push({ k: 'float', text, col: p[0].col });
        // After a float NASM takes no stray token: a `)` ends the list, anything else wants a comma.
        const extra = p[signed ? 2 : 1];
        if (extra === undefined) continue;
        if (isOpTok(extra, ')')) return items;
        throw new ParseError('comma expected after operand', extra.col);
      }
      if (p[0].t === 'id' && /^__\??utf(16|32)(le|be)?\??__$/i.test(p[0].v)) {
        const m = /utf(16|32)(le|be)?/i.exec(p[0].v)!;
        const strTok = p.find((x) => x.t === 'str');
        if (!strTok) throw new ParseError('expression syntax error', p[0].col);
        items.push({ k: 'str', bytes: utfEncode(strTok.v, m[1] === '16' ? 16 : 32, (m[2] ?? 'le').toLowerCase() === 'be') });
        continue;
      }
      // NASM's data lists take one stray token after an expression (`db 1 2` is `db 1`, `db 1], 2`
      // is `db 1, 2`) and end at a `)`; a second one is "comma expected after operand".
      const ep = new ExprParser(p, this.qualify, false, endCol);
      items.push({ k: 'expr', e: ep.parse(), col: p[0].col });
      const tail = p.slice(ep.pos);
      if (tail.length === 0 || tail.length === 1) continue;
      if (isOpTok(tail[0], ')') || isOpTok(tail[1], ')')) return items;
      if (!isOpTok(tail[1], ',')) throw new ParseError('comma expected after operand', tail[1].col);
      // A comma the list's split kept inside an unclosed bracket: the rest is the list's continuation.
      items.push(...this.dataItems(tail, 2, endCol));
    }
    return items;
  }

  /** Warnings and errors that keep the line, of the line being parsed (set by parseLine). */
  private lineWarn: (msg: string, col: number) => void = () => {};
  private lineError: (msg: string, col: number) => void = () => {};

  /** Address size written inside an operand's brackets (`[a64 foo]`), for the instruction being parsed. */
  private memAsize: string | undefined;

  private insn(toks: Tok[], i: number, endCol: number): Insn {
    const prefixes: string[] = [];
    this.memAsize = undefined;
    while (i < toks.length && toks[i].t === 'id' && PREFIXES.has(toks[i].v.toLowerCase()) && !toks[i].forced) {
      // `wait` is an instruction on its own unless other prefixes or a mnemonic come with it.
      if (toks[i].v.toLowerCase() === 'wait' && i + 1 >= toks.length && prefixes.length === 0) break;
      const p = toks[i].v.toLowerCase();
      // One prefix of each kind (NASM's prefix slots): the same again is redundant, another conflicts.
      const same = prefixes.find((q) => prefixSlot(q) === prefixSlot(p));
      if (same === p) this.lineWarn('instruction has redundant prefixes [-w+other]', toks[i].col);
      else if (same !== undefined) {
        // NASM keeps the later one.
        this.lineError('instruction has conflicting prefixes', toks[i].col);
        prefixes[prefixes.indexOf(same)] = p;
      } else prefixes.push(p);
      i++;
    }
    if (i >= toks.length) return { mn: '', ops: [], prefixes, col: toks[toks.length - 1].col, shared: false };
    const mt = toks[i];
    if (mt.t === 'id' && !mt.forced && UNSUPPORTED.has(mt.v.toLowerCase())) throw new ParseError(`instruction \`${mt.v}' is not supported by Bootlab's assembler`, mt.col);
    if (mt.t !== 'id' || !MNEMONICS.has(mt.v.toLowerCase()) || mt.forced) {
      throw new ParseError('parser: instruction expected', mt.col);
    }
    const mn = mt.v.toLowerCase();
    const ops: Operand[] = [];
    const parts = splitComma(toks.slice(i + 1));
    if (parts.length > 1 && parts[parts.length - 1].length === 0) parts.pop(); // NASM ignores a trailing comma
    let er: Insn['er'];
    let erOp = -1;
    if (!(parts.length === 1 && parts[0].length === 0)) {
      for (const p of parts) {
        if (p.length === 0) throw new ParseError('expression syntax error', endCol);
        // An unterminated string is data's (`db 'ab`), never an operand's.
        if (p.some((t) => t.t === 'str' && t.unterminated)) throw new ParseError('expression syntax error', p[0].col);
        // `{rn-sae}` / `{sae}` is written as an operand of its own but belongs to the instruction.
        if (p.length === 1 && p[0].t === 'op' && /^\{(r[nduz]-)?sae\}$/.test(p[0].v)) {
          er = p[0].v.slice(1, 3) === 'sa' ? 'sae' : (p[0].v.slice(1, 3) as Insn['er']);
          erOp = ops.length - 1;
          continue;
        }
        ops.push(this.operand(p, endCol));
      }
    }
    // A segment in an operand after a segment prefix, or in two operands: NASM has one override.
    const overrides = ops.filter((o) => o.k === 'mem' && o.seg !== undefined).length + (prefixes.some((q) => prefixSlot(q) === 'seg') ? 1 : 0);
    if (overrides > 1) this.lineError('instruction has conflicting segment overrides', mt.col);
    if (this.memAsize !== undefined) {
      const own = prefixes.find((x) => /^a(16|32|64)$/.test(x));
      if (own !== undefined && own !== this.memAsize) throw new ParseError('conflicting address size specifications', mt.col);
      if (own === undefined) prefixes.push(this.memAsize);
    }
    return er ? { mn, ops, prefixes, col: mt.col, shared: false, er, erOp } : { mn, ops, prefixes, col: mt.col, shared: false };
  }

  operand(toks: Tok[], endCol: number): Operand {
    // AVX-512 decorators after the operand: an opmask `{k1}` and zeroing `{z}`.
    // Broadcast `{1to16}` on a memory source (one token from the lexer).
    let mask = 0;
    let zero = false;
    let bcst = 0;
    for (;;) {
      const last = toks[toks.length - 1];
      if (toks.length >= 2 && last.t === 'op' && last.v.startsWith('{1to')) {
        bcst = +last.v.slice(4, -1);
        toks = toks.slice(0, -1);
        continue;
      }
      if (!(toks.length >= 4 && last.v === '}' && toks[toks.length - 3].v === '{' && toks[toks.length - 2].t === 'id')) break;
      const d = toks[toks.length - 2].v.toLowerCase();
      if (/^k[1-7]$/.test(d)) mask = +d[1];
      else if (d === 'z') zero = true;
      else break;
      toks = toks.slice(0, -3);
    }
    const op = this.plainOperand(toks, endCol);
    if ((mask || zero) && (op.k === 'reg' || op.k === 'mem')) Object.assign(op, mask ? { mask } : {}, zero ? { zero } : {});
    if (bcst && (op.k === 'mem' || op.k === 'reg')) op.bcst = bcst; // the encoder says where it is not permitted
    return op;
  }

  private plainOperand(toks: Tok[], endCol: number): Operand {
    let i = 0;
    let size = 0;
    let strict = false;
    let jmp: 'short' | 'near' | 'far' | undefined;
    let twoDistances = false;
    let to = false;
    const col = toks[0].col;
    for (; i < toks.length; i++) {
      const t = toks[i];
      if (t.t !== 'id' || t.forced) break;
      const w = t.v.toLowerCase();
      if (Object.hasOwn(SIZE_KEYWORDS, w)) size = SIZE_KEYWORDS[w];
      else if (w === 'strict') strict = true;
      else if (w === 'short' || w === 'near' || w === 'far') {
        if (jmp !== undefined && jmp !== w) twoDistances = true;
        jmp = w;
      } else if (w === 'to') to = true;
      else break;
    }
    if (i >= toks.length) throw new ParseError('expression syntax error', endCol);
    const t = toks[i];
    if (t.t === 'op' && t.v === '[') {
      const close = matchingBracket(toks, i);
      if (close < 0) throw new ParseError('expecting ] at end of memory operand', endCol);
      if (close !== toks.length - 1) throw new ParseError('expression syntax error', toks[close + 1].col);
      const m = this.memory(toks.slice(i + 1, close), endCol, col);
      m.size = size;
      m.far = jmp === 'far';
      m.strict = strict;
      return m;
    }
    // Segment override written before the bracket: es:[bx]
    if (t.t === 'id' && toks[i + 1]?.t === 'op' && toks[i + 1].v === ':' && toks[i + 2]?.t === 'op' && toks[i + 2].v === '[') {
      const r = lookupReg(t.v);
      if (r && r.cls === 'seg') {
        const inner = this.operand([...toks.slice(0, i), ...toks.slice(i + 2)], endCol);
        if (inner.k === 'mem') setSegment(inner, r, t.col, this.lineError);
        return inner;
      }
    }
    // Memory written without leading brackets: `4[bx]`, `label[bx+si]`, `es:4`, `es:bx`, `es:4[bx]`.
    const naked = this.nakedMemory(toks.slice(i), endCol, col);
    if (naked) {
      naked.size = size;
      naked.far = jmp === 'far';
      naked.strict = strict;
      return naked;
    }
    // A register set `zmm1+3` (AVX512_4FMAPS/4VNNIW: four registers from zmm1).
    if (t.t === 'id' && !t.forced && i === toks.length - 3 && toks[i + 1].v === '+' && toks[i + 2].t === 'num') {
      const r = lookupReg(t.v);
      if (r && (r.cls === 'xmm' || r.cls === 'ymm' || r.cls === 'zmm')) return { k: 'reg', reg: r, col: t.col, group: Number(toks[i + 2].n) };
    }
    if (t.t === 'id' && !t.forced && i === toks.length - 1) {
      const r = lookupReg(t.v);
      if (r) return to ? { k: 'reg', reg: r, col: t.col, to } : { k: 'reg', reg: r, col: t.col };
    }
    const rest = toks.slice(i);
    const colon = topLevelIndex(rest, ':');
    if (colon >= 0) {
      const seg = this.expr(rest.slice(0, colon), 0, endCol);
      const off = this.expr(rest.slice(colon + 1), 0, endCol);
      return { k: 'far', seg, off, size, col, farKw: jmp === 'far' };
    }
    const p = new ExprParser(rest, this.qualify, false, endCol);
    const e = p.parse();
    if (p.pos < rest.length) throw new ParseError('comma, colon, decorator or end of line expected after operand', rest[p.pos].col);
    const imm: ImmOp = { k: 'imm', expr: e, size, strict, jmp, col };
    if (twoDistances) imm.twoDistances = true;
    return imm;
  }

  /**
   * NASM's memory references without leading brackets: a segment register and a colon before any
   * address (`es:4`, `es:bx`), and an expression before the bracket, added to its displacement
   * (`4[bx]`, `label[bx+si]`, `bx[si]`; MASM's `word ptr [bx]` is `word (ptr)[bx]` to NASM).
   */
  private nakedMemory(toks: Tok[], endCol: number, col: number): MemOp | undefined {
    const first = toks[0];
    if (first.t === 'id' && !first.forced && isOpTok(toks[1], ':') && toks.length > 2 && lookupReg(first.v)?.cls === 'seg') {
      const rest = toks.slice(2);
      const m = isOpTok(rest[0], '[') && matchingBracket(rest, 0) === rest.length - 1
        ? this.memory(rest.slice(1, -1), endCol, col)
        : (this.nakedMemory(rest, endCol, col) ?? this.memory(rest, endCol, col));
      setSegment(m, lookupReg(first.v)!, first.col, this.lineError);
      return m;
    }
    const open = toks.findIndex((t, k) => k > 0 && isOpTok(t, '['));
    if (open < 0 || topLevelIndex(toks.slice(0, open), ':') >= 0 || matchingBracket(toks, open) !== toks.length - 1) return undefined;
    // Keywords inside the brackets (`rel`, a displacement size, `es:`) stay in front of the sum.
    const inner = toks.slice(open + 1, -1);
    let k = 0;
    while (k < inner.length && inner[k].t === 'id' && !inner[k].forced) {
      const w = inner[k].v.toLowerCase();
      if (Object.hasOwn(SIZE_KEYWORDS, w) || ['rel', 'abs', 'nosplit', 'strict', 'a16', 'a32', 'a64'].includes(w)) k++;
      else if (isOpTok(inner[k + 1], ':') && lookupReg(w)?.cls === 'seg') k += 2;
      else break;
    }
    const op = (v: string, at: Tok): Tok => ({ t: 'op', v, col: at.col });
    const sum = [...inner.slice(0, k), op('(', toks[0]), ...toks.slice(0, open), op(')', toks[open]), op('+', toks[open]), op('(', toks[open]), ...inner.slice(k), op(')', toks[toks.length - 1])];
    return this.memory(sum, endCol, col);
  }

  private memory(toks: Tok[], endCol: number, col: number): MemOp {
    const m: MemOp = { k: 'mem', size: 0, scale: 1, dispSize: 0, nosplit: false, far: false, strict: false, col };
    let i = 0;
    for (; i < toks.length; i++) {
      const t = toks[i];
      if (t.t !== 'id' || t.forced) break;
      const w = t.v.toLowerCase();
      if (Object.hasOwn(SIZE_KEYWORDS, w)) m.dispSize = SIZE_KEYWORDS[w];
      else if (w === 'rel') m.rel = true;
      else if (w === 'abs') m.rel = false;
      else if (w === 'nosplit') m.nosplit = true;
      else if (w === 'strict') continue;
      else if (w === 'a16' || w === 'a32' || w === 'a64') {
        // An address size inside the brackets is the instruction's address-size prefix.
        if (this.memAsize !== undefined && this.memAsize !== w) throw new ParseError('conflicting address size specifications', t.col);
        this.memAsize = w;
      }
      else if (toks[i + 1]?.t === 'op' && toks[i + 1].v === ':' && lookupReg(w)?.cls === 'seg') {
        setSegment(m, lookupReg(w)!, t.col, this.lineError);
        i++;
      } else break;
    }
    let rest = toks.slice(i);
    // NASM's split form `[base+disp, index*scale]`: the part after the comma is only the index.
    const comma = topLevelIndex(rest, ',');
    let mibIndex: { reg: Reg; scale: number } | undefined;
    if (comma >= 0) {
      const second = rest.slice(comma + 1);
      rest = rest.slice(0, comma);
      if (second.length === 0) throw new ParseError('expression syntax error', endCol);
      const p2 = new ExprParser(second, this.qualify, true, endCol);
      const e2 = p2.parse();
      if (p2.pos < second.length) throw new ParseError('expression syntax error', second[p2.pos].col);
      const r2: { reg: Reg; scale: number }[] = [];
      const d2: Expr[] = [];
      linearize(e2, 1, r2, d2);
      const live = r2.filter((r) => r.scale !== 0);
      if (live.length !== 1 || d2.length > 0) throw new ParseError('invalid mib expression', col);
      mibIndex = live[0];
    }
    if (rest.length === 0) throw new ParseError('expression syntax error', endCol);
    const p = new ExprParser(rest, this.qualify, true, endCol);
    const e = p.parse();
    if (p.pos < rest.length) throw new ParseError('expression syntax error', rest[p.pos].col);
    const regs: { reg: Reg; scale: number }[] = [];
    const disp: Expr[] = [];
    linearize(e, 1, regs, disp);
    if (mibIndex) {
      const live = regs.filter((r) => r.scale !== 0);
      if (live.length > 1 || (live.length === 1 && live[0].scale !== 1)) throw new ParseError('invalid mib expression', col);
      if (mibIndex.reg.cls !== 'gpr' || mibIndex.reg.size === 8) throw new ParseError('invalid effective address', col);
    }
    // Merge repeated registers (NASM adds their coefficients).
    const merged: { reg: Reg; scale: number }[] = [];
    for (const r of regs) {
      const f = merged.find((x) => x.reg.name === r.reg.name);
      if (f) f.scale += r.scale;
      else merged.push({ ...r });
    }
    const used = merged.filter((r) => r.scale !== 0);
    // A vector register is a VSIB index (gathers and scatters), whatever its place.
    const isVec = (r: Reg): boolean => r.cls === 'xmm' || r.cls === 'ymm' || r.cls === 'zmm';
    for (const r of used) if ((r.reg.cls !== 'gpr' && !isVec(r.reg)) || r.reg.size === 8) throw new ParseError('invalid effective address', col);
    const vec = used.findIndex((r) => isVec(r.reg));
    if (vec >= 0 && used.length <= 2) {
      if (used.filter((r) => isVec(r.reg)).length > 1) throw new ParseError('invalid effective address: two index registers', col);
      if (used.length === 2 && used[1 - vec].scale !== 1) throw new ParseError('invalid effective address', col);
      m.index = used[vec].reg;
      m.scale = used[vec].scale;
      if (used.length === 2) m.base = used[1 - vec].reg;
      used.length = 0;
    }
    if (used.length > 2) throw new ParseError('invalid effective address: too many registers', col);
    if (used.length === 2) {
      let [a, b] = used;
      if (a.scale !== 1 && b.scale === 1) [a, b] = [b, a];
      if (a.scale !== 1) throw new ParseError('invalid effective address: impossible register', col);
      m.base = a.reg;
      m.index = b.reg;
      m.scale = b.scale;
    } else if (used.length === 1) {
      const r = used[0];
      if (r.scale === 1) m.base = r.reg;
      else {
        m.index = r.reg;
        m.scale = r.scale;
      }
    }
    // The split form's index stays the index, even with a scale of 1 and no base.
    if (mibIndex) {
      m.index = mibIndex.reg;
      m.scale = mibIndex.scale;
      if (!m.base) m.nosplit = true;
    }
    if (disp.length) {
      let d = disp[0];
      for (let k = 1; k < disp.length; k++) d = { k: 'bin', op: '+', a: d, b: disp[k] };
      m.disp = d;
    }
    return m;
  }
}

function linearize(e: Expr, sign: number, regs: { reg: Reg; scale: number }[], disp: Expr[]): void {
  if (e.k === 'reg') {
    regs.push({ reg: e.reg, scale: sign });
    return;
  }
  if (!hasReg(e)) {
    disp.push(sign === 1 ? e : { k: 'un', op: '-', a: e });
    return;
  }
  if (e.k === 'bin' && (e.op === '+' || e.op === '-')) {
    // The left spine of a long `a+b+c...` is walked in a loop, not by recursion.
    const spine: (Expr & { k: 'bin' })[] = [];
    let x: Expr = e;
    while (x.k === 'bin' && (x.op === '+' || x.op === '-')) {
      spine.push(x);
      x = x.a;
    }
    linearize(x, sign, regs, disp);
    for (let i = spine.length - 1; i >= 0; i--) linearize(spine[i].b, spine[i].op === '-' ? -sign : sign, regs, disp);
    return;
  }
  if (e.k === 'bin' && e.op === '*') {
    const [r, c] = hasReg(e.a) ? [e.a, e.b] : [e.b, e.a];
    if (hasReg(c) || !isConstExpr(c)) throw new ParseError('invalid effective address', 0);
    const k = Number(evaluate(c, { sym: () => undefined, here: NUM(0n), base: NUM(0n) }).n);
    const sub: { reg: Reg; scale: number }[] = [];
    const subDisp: Expr[] = [];
    linearize(r, 1, sub, subDisp);
    for (const s of sub) regs.push({ reg: s.reg, scale: s.scale * k * sign });
    for (const d of subDisp) disp.push({ k: 'bin', op: '*', a: d, b: { k: 'num', v: BigInt(k * sign) } });
    return;
  }
  if (e.k === 'un' && e.op === '-') {
    linearize(e.a, -sign, regs, disp);
    return;
  }
  throw new ParseError('invalid effective address', 0);
}

function hasReg(e: Expr): boolean {
  return someLeaf(e, (x) => x.k === 'reg');
}

/**
 * NASM 2.16.01's `cpu` names in its order of lookup, with the levels used by the instruction
 * table; a negative level is a flag (`latevex`, `evex`, `vex`).
 */
const CPU_NAMES: [string, number][] = [
  ['default', 14], ['8086', 0], ['186', 1], ['286', 2], ['386', 3], ['486', 4], ['586', 5], ['pentium', 5], ['pentiummmx', 5],
  ['686', 6], ['p6', 6], ['ppro', 6], ['pentiumpro', 6], ['p2', 6], ['pentiumii', 6], ['p3', 7], ['katmai', 7], ['p4', 8],
  ['willamette', 8], ['prescott', 9], ['x64', 10], ['x86-64', 10], ['ia64', 14], ['ia-64', 14], ['itanium', 14], ['itanic', 14],
  // NASM 2.16.01's `cpu ivybridge` admits every instruction it knows (AVX-512, CET, AMX... included).
  ['merced', 14], ['nehalem', 11], ['westmere', 11], ['sandybridge', 12], ['ivybridge', 14], ['any', 14], ['all', 14],
  ['latevex', -1], ['evex', -1], ['vex', -1],
];

/** A `cpu` name as NASM looks it up: the first name that begins with it, ignoring case. */
export function cpuLevel(name: string): number | undefined {
  const n = name.toLowerCase();
  return n === '' ? undefined : CPU_NAMES.find(([k]) => k.startsWith(n))?.[1];
}

/**
 * `cpu`'s value as NASM's set_cpu() reads it: words separated by blanks or commas, each a level or
 * a flag with an optional `+`, `-`, `*` or `no` before it. The last level named (undefined when
 * only flags are), or NASM's error. The flags are accepted; what they change (`{evex}` needed for
 * EVEX forms under `cpu noevex`...) is not modelled.
 */
export function cpuSetting(value: string): number | string | undefined {
  let level: number | undefined;
  for (let word of value.split(/[ ,]/)) {
    word = word.replace(/^[-+*]+/, '');
    if (word === '') continue;
    const found = cpuLevel(word) ?? (word.length >= 3 && /^no/i.test(word) ? cpuLevel(word.slice(2)) : undefined);
    if (found === undefined) return `unknown CPU type or flag '${word}'`;
    if (found >= 0 && !(word.length >= 3 && /^no/i.test(word) && cpuLevel(word) === undefined)) level = found;
  }
  return level;
}

/** Index of the `)` closing the `(` at `open`, or -1. */
function matchingParen(toks: Tok[], open: number): number {
  return matchingClose(toks, open, '(', ')');
}

/** Index of the `]` closing the `[` at `open`, or -1. */
function matchingBracket(toks: Tok[], open: number): number {
  return matchingClose(toks, open, '[', ']');
}

function matchingClose(toks: Tok[], open: number, opening: string, closing: string): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    if (isOpTok(toks[i], opening)) depth++;
    else if (isOpTok(toks[i], closing) && --depth === 0) return i;
  }
  return -1;
}

/** A line that is only `bits VALUE` or `[bits VALUE]`. */
const BITS_LINE = /^\s*(?:bits\s+([^\s\]][^\]]*?)|\[\s*bits\s+([^\s\]][^\]]*?)\s*\])\s*$/i;

/**
 * `bits`'s value as NASM's directive reads it, with C's atoi(): leading decimal digits count and
 * the rest is ignored (`bits 32 junk` and `bits 16a` are fine, `bits 0x20` is 0, not a size).
 */
function segmentSize(value: string, col: number): number {
  const v = Number(/^\s*([+-]?\d+)/.exec(value)?.[1] ?? 0);
  if (v !== 16 && v !== 32 && v !== 64) throw new ParseError(`\`${value}' is not a valid segment size; must be 16, 32 or 64`, col);
  return v;
}

/** An `extern` line: never cached, since the parser must see each to remember its names. */
function declaresExtern(toks: Tok[]): boolean {
  const first = isOpTok(toks[0], '[') ? toks[1] : toks[0];
  return first?.t === 'id' && first.v.toLowerCase() === 'extern';
}

/** The bits of a size keyword (`byte`...`zword`), undefined for any other word (`constructor` too). */
function sizeKeyword(word: string): number | undefined {
  const w = word.toLowerCase();
  return Object.hasOwn(SIZE_KEYWORDS, w) ? SIZE_KEYWORDS[w] : undefined;
}

function isOpTok(t: Tok | undefined, v: string): boolean {
  return t !== undefined && t.t === 'op' && t.v === v;
}

function topLevelDup(toks: Tok[]): number {
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.t === 'op' && (t.v === '(' || t.v === '[')) depth++;
    else if (t.t === 'op' && (t.v === ')' || t.v === ']')) depth--;
    else if (depth === 0 && t.t === 'id' && !t.forced && t.v.toLowerCase() === 'dup') return i;
  }
  return -1;
}

export function splitComma(toks: Tok[]): Tok[][] {
  const parts: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.t === 'op' && (t.v === '(' || t.v === '[')) depth++;
    else if (t.t === 'op' && (t.v === ')' || t.v === ']')) depth--;
    if (t.t === 'op' && t.v === ',' && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts;
}

function topLevelIndex(toks: Tok[], op: string): number {
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.t === 'op' && (t.v === '(' || t.v === '[')) depth++;
    else if (t.t === 'op' && (t.v === ')' || t.v === ']')) depth--;
    else if (depth === 0 && t.t === 'op' && t.v === op) return i;
  }
  return -1;
}

export { ExprError, LexError };
