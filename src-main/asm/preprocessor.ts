// NASM preprocessor: runs once, before any pass, and turns the source into a flat list of lines,
// each remembering where it came from (for diagnostics) and how it should appear in a listing.

import { Diags, UnreadableFile, type MacroOrigin, type Pos } from './diagnostics.js';
import { ExprParser, evaluate, ExprError, someLeaf, type Value } from './expr.js';
import { tokenize, LexError, readString, isIdStart, isIdChar, utf8 } from './lexer.js';
import { readMacroHeader } from './macroHeader.js';
import { MISSING_PACKAGES, packageSource } from './packages.js';

/**
 * NASM's compile-time macros (its define_macros()): local and UTC date and time as strings and
 * numbers, and the POSIX time. compileTime(): SOURCE_DATE_EPOCH, where set, stands for the clock
 * (reproducible builds).
 */
export function compileTime(env: PreprocessOptions['env']): number {
  const epoch = env?.('SOURCE_DATE_EPOCH')?.trim();
  return epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
}

function compileTimeMacros(ms: number): Record<string, string> {
  const now = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const parts = (utc: boolean): { date: string; time: string } => {
    const [y, mo, d, h, mi, se] = utc
      ? [now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds()]
      : [now.getFullYear(), now.getMonth() + 1, now.getDate(), now.getHours(), now.getMinutes(), now.getSeconds()];
    return { date: `${String(y).padStart(4, '0')}${two(mo)}${two(d)}`, time: `${two(h)}${two(mi)}${two(se)}` };
  };
  const out: Record<string, string> = {};
  for (const [prefix, utc] of [['', false], ['UTC_', true]] as const) {
    const { date, time } = parts(utc);
    out[`__?${prefix}DATE?__`] = `"${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}"`;
    out[`__?${prefix}DATE_NUM?__`] = date;
    out[`__?${prefix}TIME?__`] = `"${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4)}"`;
    out[`__?${prefix}TIME_NUM?__`] = time;
  }
  out['__?POSIX_TIME?__'] = String(Math.floor(now.getTime() / 1000));
  return out;
}

/** UTF-8 that refuses malformed input (the callers fall back to bytes). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A multi-line macro's name at the start of `%macro`/`%ifmacro`'s text. */
const MACRO_NAME = /^\s*([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)/;
/** A directive's macro name and the rest of its line (`%defstr NAME text`). */
const NAME_AND_REST = /^\s*([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)\s*(.*)$/;

export interface PLine {
  text: string;
  file: string;
  line: number; // line reported in diagnostics (the invocation line for macro bodies)
  listLine: number; // line number shown in the listing (the body line inside a macro)
  listText: string; // text shown in the listing (the unsubstituted macro body line)
  depth: number; // include/macro nesting depth, shown as `<1>` in listings
  fromMacro?: boolean; // read from a macro or %rep body
  macros?: MacroOrigin[]; // the macro body lines this came from (outermost first), for diagnostics
  listAs?: number; // line of a .nolist macro: listed as part of this (invocation) line instead
}

export interface PreprocessOptions {
  fileName: string;
  readFile?: (path: string) => string | Uint8Array | undefined;
  includePaths?: string[];
  defines?: Record<string, string>;
  /** Environment variables for `%!NAME` and `%ifenv` (none when absent). */
  env?: (name: string) => string | undefined;
  /** The compile time for `__DATE__` and its kin, in ms since 1970 (read once per assembly, as NASM does; now when absent). */
  compileTime?: number;
  /** Files read before the source, as if %included at its top (NASM's -p/-P). */
  preIncludes?: string[];
  /** Record `emitted` (NASM's `-E` output). */
  preprocessOnly?: boolean;
  /**
   * Values to use for the `%if`/`%elif`/`%assign`/`%rep` expressions that refer to the assembly
   * (`$`, `$$`, labels, EQUs), in the order they are met (0 when not given). NASM preprocesses
   * every pass and sees that pass's symbols; ours runs once, so the assembly is repeated with the
   * values the previous one found at each such line.
   */
  locationValues?: readonly (LocationValue | undefined)[];
}

/**
 * What the assembly found for such an expression at its line: a number or section-relative value
 * (`seg` >= 0), or the symbol that was not defined yet when pass 1 got there.
 */
export type LocationValue = { n: bigint; seg: number } | { notYetDefined: string };

/** Prefix of the `equ` a location-dependent expression leaves for the assembler to evaluate. */
export const LOCATION_PROBE = '..@location?';

/** A line as NASM's preprocessor hands it to the assembler (what `nasm -E` prints), and its origin. */
export interface EmittedLine {
  text: string;
  file: string;
  line: number;
}

interface SMacro {
  params: string[] | null; // null: no parameter list
  body: string;
  ci: boolean;
  /** Definitions of the same name with other parameter counts (NASM overloads by count). */
  overloads?: SMacro[];
  /** Per-parameter flags (`=x`, `&x`, `&&x`, `!x`, `x+`: the SP_ bits), only when some parameter has one. */
  pflags?: number[];
  /** `%defalias`: the name this one stands for. */
  alias?: string;
  /** The name as defined, kept when the body names the macro itself (`%?`, `%??`, `%*?`, `%*??`). */
  name?: string;
  /** An alias whose macro is not defined: it expands to that macro's name but is not defined itself. */
  unresolved?: boolean;
  /** A case-insensitive macro's name as written in its definition (for NASM's shadowing warning). */
  defName?: string;
  /** Order of definition, kept once a case-insensitive macro exists: the newer of two spellings wins. */
  seq?: number;
}

/** A single-line macro's body with `%?`/`%*?` (the name as invoked) and `%??`/`%*??` (as defined) in place. */
function selfNamed(m: SMacro, invoked: string): string {
  if (m.name === undefined) return m.body;
  return m.body.replace(/%\*?\?\??/g, (tok, at: number) => (insideString(m.body, at) ? tok : tok.endsWith('??') ? m.name! : invoked));
}

/** Single-line macro parameter flags (NASM 2.15): evaluate, stringize, no brace stripping, greedy, keep a string as is. */
const SP_EVAL = 1;
const SP_STR = 2;
const SP_NOSTRIP = 4;
const SP_GREEDY = 8;
const SP_CONDQUOTE = 16;

/** Whether `def` takes `n` arguments (a greedy last parameter may also be left out or take several). */
function smacroTakes(def: SMacro, n: number): boolean {
  const k = def.params!.length;
  if (n === k) return true;
  const last = def.pflags?.[k - 1] ?? 0;
  return (last & SP_GREEDY) !== 0 && n >= k - 1;
}

interface MMacro {
  name: string;
  ci: boolean;
  min: number;
  max: number; // Infinity for `*`
  greedy: boolean;
  defaults: string[];
  body: { text: string; line: number }[];
  file: string;
  nolist: boolean;
  /** `%rmacro`: may be called again from its own expansion (a `%macro` is not, its name is left as written). */
  recursive?: boolean;
}

interface MacroCtx {
  args: string[];
  id: number;
  mac: MMacro;
  label: string; // label written before the invocation, for %00
  name: string; // name as invoked, for %?
}

interface Frame {
  kind: 'file' | 'macro' | 'rep';
  lines: { text: string; line: number }[];
  idx: number;
  file: string;
  mac?: MacroCtx; // macro whose parameters are substituted into lines read from this frame
  reportLine?: number; // for macro/rep frames: the line in the enclosing file to report
  reps?: number; // remaining repetitions (rep frames)
  listAs?: number; // inside a .nolist macro: output index of the invocation line
  /**
   * Inside a .nolist macro: where `-E` places each line, first the place of the invocation line.
   * NASM does not move its line number while such a macro (or anything it calls, repeats or
   * includes) runs, except to an %include's line; the frames of one such macro share this object.
   */
  emitAt?: { file: string; line: number };
  condDepth: number; // %if stack depth when the frame started
  lineMap?: LineMap; // after a `%line`: how this file's lines are reported
}

/** `%line n+inc file` at source line `at`: line at+k is reported as n+inc*k of `file`. */
interface LineMap {
  at: number;
  n: number;
  inc: number;
  file: string;
  /** The mapping before this `%line` (its own line is still numbered by that one). */
  prev?: LineMap;
}

interface Cond {
  active: boolean; // lines are being emitted
  done: boolean; // some branch was already taken
  parentActive: boolean;
  sawElse: boolean;
}

const MAX_INCLUDE_DEPTH = 50;
const CC_PAIRS = [['o', 'no'], ['b', 'nb'], ['c', 'nc'], ['ae', 'nae'], ['e', 'ne'], ['z', 'nz'], ['be', 'nbe'], ['a', 'na'], ['s', 'ns'], ['p', 'np'], ['pe', 'po'], ['l', 'nl'], ['ge', 'nge'], ['le', 'nle'], ['g', 'ng']];
const INVERSE_CC: Record<string, string> = Object.fromEntries(CC_PAIRS.flatMap(([x, y]) => [[x, y], [y, x]]));
const FIRST_WORDS = /^\s*([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)(?:\s*:?\s*([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*))?/y;
const DYNAMIC: SMacro = { params: null, body: '', ci: false };
/** How many blanks `text.trimStart()` would remove, without making the trimmed copy. */
function leadingBlanks(text: string): number {
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // Other Unicode blanks: trimStart's own judgement.
    if (c > 127) return text.length - text.trimStart().length;
    break;
  }
  return i;
}

/** `bits N` or `useN`, bracketed or not: the mode __?BITS?__ follows. */
const BITS_DIRECTIVE = /^\s*(?:\[\s*)?(?:bits\s+(16|32|64)|use(16|32|64))\b/i;

/**
 * Whether a line may be a bracketed directive, before a regex: its first character that is no
 * ASCII blank or control must be `[` (anything non-ASCII, which may be a Unicode blank, is left to
 * the regex). The unbracketed ones are standard macro calls (Preprocessor.standardCall()).
 */
function mayBeBracketed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) continue;
    return c === 91 || c > 127;
  }
  return false;
}

/**
 * A word's length (modulo 64) and the low five bits of its first and last characters, as an index
 * into a bitmap of the macro names (Preprocessor.macroWords): letters match in any case, and
 * the few other words that share an index are told apart by looking the name up.
 */
function wordKey(text: string, from: number, to: number): number {
  return (((to - from) & 63) << 10) | ((text.charCodeAt(from) & 31) << 5) | (text.charCodeAt(to - 1) & 31);
}

/** The wordKey() bitmap of NASM's standard macro names. */
function standardMacroWords(): Uint8Array {
  const words = new Uint8Array(1 << 16);
  for (const k of Object.keys(STANDARD_MACROS)) words[wordKey(k, 0, k.length)] = 1;
  return words;
}

/** FIRST_WORDS's character classes for ASCII (non-ASCII characters are left to the regex). */
const wordStart = (c: number): boolean => ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95 || c === 46 || c === 63 || c === 64 || c === 36;
const wordChar = (c: number): boolean => wordStart(c) || (c >= 48 && c <= 57) || c === 35 || c === 126;
const isAsciiSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
/** The ASCII character classes maybeMacroLine() reads words with, as bits. */
const WORD_START = 1;
const WORD_CHAR = 2;
const BLANK = 4;
const WORD_CLASS = Uint8Array.from({ length: 128 }, (_, c) => (wordStart(c) ? WORD_START | WORD_CHAR : wordChar(c) ? WORD_CHAR : 0) | (isAsciiSpace(c) ? BLANK : 0));

function skipAsciiSpaces(text: string, i: number): number {
  let c = 0;
  while (i < text.length && (c = text.charCodeAt(i)) < 128 && WORD_CLASS[c] & BLANK) i++;
  return i;
}

/** End of the FIRST_WORDS word at `i` (`i` when none starts there); -1 at a non-ASCII character (the regex's to judge). */
function asciiWordEnd(text: string, i: number): number {
  if (i >= text.length) return i;
  let c = text.charCodeAt(i);
  if (c > 127) return -1;
  if (!(WORD_CLASS[c] & WORD_START)) return i;
  let j = i + 1;
  while (j < text.length && (c = text.charCodeAt(j)) < 128 && WORD_CLASS[c] & WORD_CHAR) j++;
  return j < text.length && c > 127 ? -1 : j;
}

/** The empty guard of a top-level expansion (guards are copied, never changed). */
const NO_GUARD: ReadonlySet<string> = new Set();
const ID_RE = /[A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*/g;
const MAX_LINES = 2_000_000;
/** `%stacksize` kinds: stack slot size, frame pointer, first argument offset (NASM manual 4.8). */
const STACK_FRAMES: Record<string, { slot: number; pointer: string; argOffset: number; localOffset: number }> = {
  flat: { slot: 4, pointer: 'ebp', argOffset: 8, localOffset: 0 },
  flat64: { slot: 8, pointer: 'rbp', argOffset: 16, localOffset: 0 },
  large: { slot: 2, pointer: 'bp', argOffset: 4, localOffset: 0 },
  small: { slot: 2, pointer: 'bp', argOffset: 6, localOffset: 0 },
};
const STACK_SIZES: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8, tword: 10, oword: 16, yword: 32 };

/** True when `at` lies inside a quoted string of the line `text`. */
function insideString(text: string, at: number): boolean {
  let quote = '';
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '`') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') quote = c;
  }
  return quote !== '';
}
/** Each run of blanks outside quoted strings as one space. */
function collapseBlanks(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      while (text[i + 1] === ' ' || text[i + 1] === '\t') i++;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop - 1;
    } else out += c;
  }
  return out;
}

/**
 * NASM 2.16.01's standard macros that become one bracketed directive (standard.mac), as `-E`
 * prints them: `bits 32` is `[bits 32]`, `use16` is `[bits 16]`, `section .text` is `[section .text]`.
 */
const BRACKETED = /^\s*(bits|section|segment|org|default|cpu|absolute|sectalign|global|extern|common|static|required|float)\s+(.*)$|^\s*use(16|32|64)\s*$/i;

/**
 * A line as NASM's `-E` prints it: each run of blanks outside strings as one space, none at the
 * end (the comment is already gone), standard directive macros expanded.
 */
function ppOutputText(text: string): string {
  const t = collapseBlanks(text).trimEnd();
  const m = BRACKETED.exec(t);
  if (!m) return t;
  if (m[3]) return `[bits ${m[3]}]`;
  const name = m[1].toLowerCase();
  return `[${name} ${m[2]}]`;
}

/**
 * The label written before a multi-line macro call as `-E` prints it (NASM makes it the first
 * line of the expansion): the text before the macro name, each run of blanks one space, and a
 * colon added after it when it had none (`x m` gives `x :`, `y: m` gives `y: `).
 */
function labelLineText(beforeName: string, hasColon: boolean): string {
  return collapseBlanks(beforeName) + (hasColon ? '' : ':');
}

/** Marks the parameter names of a macro body (outside strings) so that expansion leaves them alone. */
function protectParams(body: string, params: string[]): string {
  return body.replace(ID_RE, (id: string, at: number) => {
    const k = params.indexOf(id);
    return k < 0 || insideString(body, at) ? id : `\u0002${k}\u0003`;
  });
}
/** `%!NAME`, `%!'NAME'` or `%!"NAME"`: an environment variable. */
const ENV_REF = /%!(?:'([^']*)'|"([^"]*)"|([A-Za-z_.?@$][A-Za-z0-9_$#@~.?]*))/g;
/**
 * NASM 2.16.01's standard macros (macros/standard.mac and the bin format's org):
 * name -> [min params, max params, greedy].
 */
const STANDARD_MACROS: Record<string, [number, number, boolean]> = {
  section: [1, 1, true], segment: [1, 1, true], sectalign: [1, 1, true], absolute: [1, 1, true],
  struc: [1, 2, false], endstruc: [0, 0, false], istruc: [1, 1, false], at: [1, 2, true], iend: [0, 0, false],
  align: [1, 2, true], alignb: [1, 2, true], bits: [1, 1, true], use16: [0, 0, false], use32: [0, 0, false],
  use64: [0, 0, false], extern: [1, Infinity, false], static: [1, Infinity, false], global: [1, Infinity, false],
  required: [1, Infinity, false], common: [1, Infinity, false], cpu: [1, 1, true], float: [1, Infinity, false],
  default: [1, 1, true], userel: [0, 0, false], useabs: [0, 0, false], usebnd: [0, 0, false], usenobnd: [0, 0, false],
  incbin: [1, 2, true], org: [1, 1, true],
};

/** The standard macros of structures, which `-E` expands itself (expandStructureMacro()). */
const STRUCTURE_MACROS = new Set(['struc', 'endstruc', 'istruc', 'at', 'iend']);

/** Standard macros that make one bracketed directive of each parameter. */
const ONE_DIRECTIVE_EACH = new Set(['extern', 'static', 'global', 'required', 'common', 'float']);

/** Standard macros that stand for one `[default ...]`. */
const DEFAULT_MODES: Record<string, string> = { userel: 'rel', useabs: 'abs', usebnd: 'bnd', usenobnd: 'nobnd' };

/** Standard macros whose last parameter has a default (struc's offset, align's filler, incbin's offset). */
const STANDARD_DEFAULTS: Record<string, string> = { struc: '0', align: 'nop', incbin: '0' };

/** What a multi-line macro call chooses among: a definition's counts and defaults. */
interface MacroShape {
  /** The name as defined (NASM's legacy warnings name it so). */
  name: string;
  min: number;
  /** Infinity for `*`. */
  max: number;
  greedy: boolean;
  /** Defaults of the parameters after the minimum. */
  defaults: string[];
}

/** One of NASM's standard macros as a definition a call may choose (standard.mac spells them in lower case). */
interface StandardShape extends MacroShape {
  standard: true;
}

const STANDARD_SHAPES: Record<string, StandardShape> = Object.fromEntries(
  Object.entries(STANDARD_MACROS).map(([name, [min, max, greedy]]) => [name, { name, min, max, greedy, defaults: Object.hasOwn(STANDARD_DEFAULTS, name) ? [STANDARD_DEFAULTS[name]] : [], standard: true }]),
);

/** NASM's choice for a multi-line macro call: the definition, %1..%N (N is %0) and its legacy fix-up, if any. */
interface MacroChoice<T> {
  def: T;
  args: string[];
  legacy?: 'dropped' | 'improper';
  /** The parameters as written (the count NASM's warnings give). */
  written: number;
}

/**
 * The parameters a call gives definition `d` (NASM's use_mmacro()): every default up to min +
 * defaults filled in (so %0 counts them, even beyond the maximum); past a greedy maximum the last
 * parameter takes the rest of `text`, commas and all.
 */
function macroArgs(d: MacroShape, given: string[], text: string): string[] {
  if (d.greedy && given.length > d.max) return d.max === 0 ? [] : [...given.slice(0, d.max - 1), splitArgsJoin(text, d.max - 1)];
  const upTo = d.min + d.defaults.length;
  if (given.length >= upTo) return given;
  const args = [...given];
  for (let i = args.length; i < upTo; i++) args.push(d.defaults[i - d.min] ?? '');
  if (d.greedy && args.length > d.max) args.length = d.max;
  return args;
}

/**
 * NASM's choice among `defs` (in its search order: the source's definitions of the name, the
 * newest first, then the standard one) for a call whose text after the name is `rest`: the first
 * that takes the count. Then NASM's legacy fix-ups (is_mmacro(), on unless `sane_empty_expansion`):
 * a last parameter left empty after a comma (`m 1,`, not `m 1,{}`) takes its default, or ends a
 * greedy parameter beyond the maximum, or is dropped (then %0 may be below the minimum), with
 * `dropped`'s warning; when no definition takes the count, dropping it may make one take the call
 * (`improper`), and so may a call of only blanks (an empty parameter or single-line macro) to a
 * one-parameter macro, with %0 = 0. Just the count as written when nothing takes the call.
 */
function chooseMacro<T extends MacroShape>(defs: readonly T[], rest: string): MacroChoice<T> | { written: number } {
  const text = rest.trim();
  const raw = text === '' ? [] : splitArgs(text);
  const n = raw.length;
  const find = (k: number): T | undefined => defs.find((d) => d.min <= k && (d.greedy || k <= d.max));
  const emptyLast = n >= 2 && raw[n - 1] === '' && !/\}\s*$/.test(text);
  const found = find(n);
  if (found === undefined) {
    if (n === 0 && rest !== '') {
      const d = find(1);
      if (d !== undefined) return { def: d, args: [], legacy: 'improper', written: 0 };
    } else if (emptyLast) {
      const d = find(n - 1);
      if (d !== undefined) return { def: d, args: macroArgs(d, raw.slice(0, -1), text.replace(/,\s*$/, '')), legacy: 'improper', written: n };
    }
    return { written: n };
  }
  if (!emptyLast) return { def: found, args: macroArgs(found, raw, text), written: n };
  if (n > found.min && n <= found.min + found.defaults.length) {
    return { def: found, args: macroArgs(found, [...raw.slice(0, -1), found.defaults[n - found.min - 1]], text), legacy: 'dropped', written: n };
  }
  if (n > found.max && found.greedy) return { def: found, args: macroArgs(found, raw.slice(0, -1), text.replace(/,\s*$/, '')), legacy: 'dropped', written: n };
  return { def: found, args: raw.slice(0, -1), legacy: 'dropped', written: n };
}

/**
 * The macro of the frame in which `-E` reads the DATA line of standard.mac's `at`
 * (expandStructureMacro()): .nolist, as all of NASM's standard macros are.
 */
const STANDARD_AT: MMacro = { name: 'at', ci: true, min: 1, max: 2, greedy: true, defaults: [], body: [], file: '', nolist: true };

/** A context-local name (`%$x`, `%$$x`) ending a text. */
const CONTEXT_NAME_END = /%\$+[A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*$/;

/** Between a context-local name and the macro parameter pasted to it, until the name is expanded. */
const TOKEN_BREAK = '\u0001';

/** An identifier at the start of a context name (`%push`): `$` only before a character that may start one. */
const CONTEXT_NAME = /^(?:\$(?=[A-Za-z_.?@\u0080-\uffff]))?[A-Za-z_.?@\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*/;

/** A line's first word, and a second one after it (the first then being a label, colon or not). */
const CALL_WORDS = /^(\s*)([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)(\s*:)?(\s*)([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)?/;

/** A call of a standard macro on a line (Preprocessor.macroCall()). */
interface StandardCall {
  /** The name in lower case. */
  key: string;
  /** The name as written, for messages. */
  name: string;
  args: string[];
  /** The expansion's number (nextUnique()). */
  id: number;
  /** The label before the call as `-E` prints it, if any. */
  label?: string;
  /** The line from the name on. */
  text: string;
}

/** NASM's default `--limit-rep`. */
const REP_LIMIT = 1_000_000n;

/**
 * Source lines as NASM's line reader sees them: a line ends at LF, CR, CR LF, ^Z or NUL; a
 * backslash right before a CR or LF joins the next line (reported at the first line's number).
 */
export function splitLines(src: string): { text: string; line: number }[] {
  // One scan (no regex split): pieces end at a terminator; a piece ending in a backslash before
  // CR or LF takes the next piece in.
  const out: { text: string; line: number }[] = [];
  const n = src.length;
  let line = 1;
  let pos = 0;
  /** End of the piece starting at `from` (index of its terminator, or n). */
  const pieceEnd = (from: number): number => {
    let j = from;
    while (j < n) {
      const c = src.charCodeAt(j);
      if (c === 10 || c === 13 || c === 26 || c === 0) break;
      j++;
    }
    return j;
  };
  /** Index after the terminator at j (CR LF is one). */
  const after = (j: number): number => (src.charCodeAt(j) === 13 && src.charCodeAt(j + 1) === 10 ? j + 2 : j + 1);
  for (;;) {
    let end = pieceEnd(pos);
    let text = src.slice(pos, end);
    const first = line;
    line++;
    // Joined while the text ends in `\` and a CR or LF (not ^Z or NUL) follows.
    while (end < n && text.endsWith('\\') && (src.charCodeAt(end) === 10 || src.charCodeAt(end) === 13)) {
      const next = after(end);
      end = pieceEnd(next);
      text = text.slice(0, -1) + src.slice(next, end);
      line++;
    }
    out.push({ text, line: first });
    if (end >= n) break;
    pos = after(end);
  }
  // The file's last terminator ends the last line; nothing follows it.
  const last = n > 0 ? src.charCodeAt(n - 1) : -1;
  if (out[out.length - 1].text === '' && (last === 10 || last === 13 || last === 26 || last === 0)) out.pop();
  return out;
}

/** Removes a `;` comment, respecting quotes. */
export function stripComment(s: string): string {
  const semi = s.indexOf(';');
  if (semi < 0) return s;
  if (s.indexOf('"') < 0 && s.indexOf("'") < 0 && s.indexOf('`') < 0) return s.slice(0, semi);
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (q === '`' && c === '\\') i++;
      else if (c === q) q = '';
    } else if (c === '"' || c === "'" || c === '`') q = c;
    else if (c === ';') return s.slice(0, i);
  }
  return s;
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      cur += c;
      if (q === '`' && c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === q) q = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      q = c;
      cur += c;
    } else if (c === '{') {
      if (depth === 0 && cur.trim() === '') {
        depth++;
        cur = '';
        continue;
      }
      depth++;
      cur += c;
    } else if (c === '}') {
      depth--;
      if (depth === 0) continue;
      cur += c;
    } else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function quoteStr(bytes: string): string {
  if (!bytes.includes("'")) return `'${bytes}'`;
  if (!bytes.includes('"')) return `"${bytes}"`;
  return '`' + bytes.replace(/[\\`]/g, (m) => '\\' + m) + '`';
}

function latin1ToString(s: string): string {
  // Byte strings become source text again; non-ASCII bytes are UTF-8 sequences we decode back.
  try {
    const arr = Uint8Array.from(s, (c) => c.charCodeAt(0));
    return STRICT_UTF8.decode(arr);
  } catch {
    return s;
  }
}

/**
 * Source bytes as text. NASM reads bytes, so a byte that is not part of valid UTF-8 (a Latin-1 `é`
 * in a string) must come out unchanged in `db`: it becomes the lone surrogate U+DC00+byte, which
 * utf8() in lexer.ts and encodeFile() turn back into the byte.
 */
export function decodeFile(data: string | Uint8Array): string {
  if (typeof data === 'string') return data;
  try {
    return STRICT_UTF8.decode(data);
  } catch {
    return decodeWithRawBytes(data);
  }
}


function decodeWithRawBytes(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; ) {
    const b = data[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 1) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (len > 0 && i + len <= data.length) {
      try {
        out += STRICT_UTF8.decode(data.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        /* not a valid sequence: the lead byte is a raw byte */
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}

/** Text back to the bytes it was read from (decodeFile's raw bytes included). */
export function encodeFile(text: string): Uint8Array {
  if (!/[\udc80-\udcff]/.test(text)) return new TextEncoder().encode(text);
  return Uint8Array.from(utf8(text), (c) => c.charCodeAt(0));
}

export class Preprocessor {
  out: PLine[] = [];
  /** How many expressions referred to the assembly (each left a LOCATION_PROBE equ). */
  locationProbes = 0;
  private locationProbe: string | undefined;
  /** With `preprocessOnly`: the lines NASM's `-E` prints, in order (directives give none). */
  readonly emitted: EmittedLine[] = [];
  private smacros = new Map<string, SMacro>();
  private smacrosCI = new Map<string, SMacro>();
  /** NASM's standard macros a `%unimacro` removed. */
  private removedStandardMacros = new Set<string>();
  /** Multi-line macros by name in lower case, each list the newest definition first. */
  private mmacros = new Map<string, MMacro[]>();
  private frames: Frame[] = [];
  private conds: Cond[] = [];
  /** How many numbers nextUnique() gave. */
  private uniqueCounter = 0;
  private contexts: { name: string; id: number }[] = [];
  private usedPackages = new Set<string>();
  /** %stacksize state for %arg and %local (NASM's default is `flat`). */
  private stack = { ...STACK_FRAMES.flat };

  constructor(
    private opts: PreprocessOptions,
    private diags: Diags,
  ) {
    const std: Record<string, string> = {
      '__?NASM_MAJOR?__': '2',
      '__?NASM_MINOR?__': '16',
      '__?NASM_SUBMINOR?__': '1',
      '__?NASM_VER?__': '"2.16.01"',
      '__?NASM_VERSION_ID?__': '0x02100100',
      '__?OUTPUT_FORMAT?__': 'bin',
      '__?BITS?__': '16',
      // The preprocessor runs once; NASM's last pass, whose bytes are written, is pass 2 (`-E`'s is 3).
      '__?PASS?__': opts.preprocessOnly ? '3' : '2',
      ...compileTimeMacros(opts.compileTime ?? compileTime(opts.env)),
    };
    // The `__NAME__` spellings are NASM's aliases of the `__?NAME?__` ones (standard.mac).
    for (const k of ['__?LINE?__', '__?FILE?__']) {
      this.smacros.set(k, DYNAMIC);
      this.smacros.set(k.replace(/\?/g, ''), { params: null, body: '', ci: false, alias: k });
    }
    // The current section directive, as standard.mac's `section`/`segment`/`absolute` macros keep it.
    this.smacros.set('__?SECT?__', { params: null, body: '[section .text]', ci: false });
    this.smacros.set('__SECT__', { params: null, body: '', ci: false, alias: '__?SECT?__' });
    for (const [k, v] of Object.entries(std)) {
      this.smacros.set(k, { params: null, body: v, ci: false });
      this.smacros.set(k.replace(/\?/g, ''), { params: null, body: '', ci: false, alias: k });
    }
    for (const [k, v] of Object.entries(opts.defines ?? {})) {
      this.smacros.set(k, { params: null, body: v, ci: false });
      this.userSmacros = true;
    }
  }

  run(source: string): PLine[] {
    this.frames.push({ kind: 'file', lines: splitLines(source), idx: 0, file: this.opts.fileName, condDepth: 0 });
    // Pre-included files run first, in command-line order (the last pushed is read first).
    for (const name of [...(this.opts.preIncludes ?? [])].reverse()) {
      const found = this.readInclude(name);
      if (found === undefined || 'refused' in found) {
        this.diags.add('early', 'error', { file: this.opts.fileName, line: 1 }, 1, `unable to open include file \`${name}': ${found?.refused ?? 'No such file or directory'}`);
        this.diags.fatal = true;
        return this.out;
      }
      this.frames.push({ kind: 'file', lines: splitLines(found.text), idx: 0, file: found.path, condDepth: 0 });
    }
    let guard = 0;
    while (this.frames.length) {
      if (this.diags.fatal) break;
      if (++guard > MAX_LINES) {
        this.error(this.pos(), 'preprocessor line limit exceeded (runaway macro or %rep?)', 'early');
        this.diags.fatal = true;
        break;
      }
      const f = this.frames[this.frames.length - 1];
      if (f.idx >= f.lines.length) {
        if (f.kind === 'rep' && f.reps! > 1) {
          f.reps!--;
          f.idx = 0;
          continue;
        }
        this.popFrame();
        continue;
      }
      const l = f.lines[f.idx++];
      this.diags.seq = this.out.length;
      try {
        this.processLine(f, l.text, l.line);
      } catch (e) {
        const col = e instanceof LexError || e instanceof ExprError ? e.col : 1;
        this.error(this.posOf(f, l.line), e instanceof Error ? e.message : String(e), 'early', col);
      }
    }
    if (this.recording) {
      const r = this.recording;
      const f = r.startFrame;
      const last = (f.lines[f.lines.length - 1]?.line ?? 0) + 1;
      this.error({ file: f.file, line: last }, r.kind === 'macro' ? `end of file while still defining macro \`${r.mac!.name}'` : 'end of file while still in %rep', 'early');
      this.recording = null;
    }
    return this.out;
  }

  private popFrame(): void {
    const f = this.frames.pop()!;
    if (this.conds.length > f.condDepth) {
      if (f.kind === 'file') {
        const last = (f.lines[f.lines.length - 1]?.line ?? 0) + 1;
        this.error({ file: f.file, line: last }, "expected `%endif' before end of file", 'early');
        if (this.frames.length === 0) this.diags.fatal = true;
      }
      this.conds.length = f.condDepth;
    }
  }

  private pos(): Pos {
    const f = this.frames[this.frames.length - 1];
    return f ? this.posOf(f, f.lines[Math.max(0, f.idx - 1)]?.line ?? 1) : { file: this.opts.fileName, line: 1 };
  }

  /** Where a line of a file (or of a %rep body in it) is reported: as read, or as a `%line` says. */
  private where(f: Frame, line: number): { file: string; line: number } {
    let m = f.lineMap;
    while (m !== undefined && line <= m.at) m = m.prev;
    if (m === undefined) return { file: f.file, line };
    return { file: m.file, line: m.n + m.inc * (line - m.at) };
  }

  /**
   * The line a macro called at `line` of `f` reports its lines at: the outermost call's, or this
   * line of a file or of a `%rep` body read from one (NASM: the `%rep` line being repeated).
   */
  private callLine(f: Frame, line: number): number {
    return f.reportLine ?? this.where(f, line).line;
  }

  private posOf(f: Frame, line: number): Pos {
    if (f.kind === 'file') return f.lineMap === undefined ? { file: f.file, line } : this.where(f, line);
    const pos: Pos = f.reportLine === undefined && f.lineMap !== undefined ? this.where(f, line) : { file: f.file, line: f.reportLine ?? line };
    // Every macro being expanded, outermost first, at the body line it is on.
    const trace: MacroOrigin[] = [];
    for (const fr of this.frames) {
      // NASM names no .nolist macro, nor any macro it calls (their lines are reported at its invocation).
      if (fr.kind === 'macro' && fr.mac?.mac.nolist) break;
      if (fr.kind !== 'macro' || !fr.mac?.mac.name) continue;
      const at = fr === f ? line : (fr.lines[fr.idx - 1]?.line ?? line);
      trace.push({ name: fr.mac.mac.name, file: fr.mac.mac.file, line: at });
    }
    if (f.kind === 'rep' && f.mac?.mac.name && trace.length) trace[trace.length - 1] = { ...trace[trace.length - 1], line };
    if (trace.length) pos.macros = trace;
    return pos;
  }

  private error(pos: Pos, msg: string, when: 'early' | 'final' = 'final', col = 1): void {
    if (!this.silent) this.diags.add(when, 'error', pos, col, msg);
  }
  private warn(pos: Pos, msg: string, when: 'early' | 'final' = 'final', col = 1): void {
    if (!this.silent) this.diags.add(when, 'warning', pos, col, msg);
  }

  /** An %elif evaluated after a false branch: NASM is not emitting there and reports nothing. */
  private silent = false;

  private get active(): boolean {
    return this.conds.length === 0 || this.conds[this.conds.length - 1].active;
  }

  /**
   * The number of the next multi-line macro expansion or `%push` (the N of `..@N.` in `%%` and
   * `%$` names): NASM's count, which starts at 0 and takes in the expansions of its standard
   * macros (`section`, `bits`, `struc`... and what they push or call), so that `-E` and the
   * assembly's messages name these labels as NASM does.
   */
  private nextUnique(): number {
    return this.uniqueCounter++;
  }

  private currentMac(): MacroCtx | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const fr = this.frames[i];
      if (fr.kind === 'file') return undefined;
      if (fr.mac) return fr.mac;
    }
    return undefined;
  }

  private macroDepth(): number {
    let d = 0;
    // Included files and macro/rep expansions each add a level (`<1>` in listings).
    d = this.frames.length - 1;
    return d;
  }

  /** Collected block (macro or rep body) being recorded, if any. */
  private recording: {
    kind: 'macro' | 'rep';
    nest: number;
    lines: { text: string; line: number }[];
    mac?: MMacro;
    count?: number;
    startFrame: Frame;
    repMac?: MacroCtx;
  } | null = null;

  private processLine(f: Frame, rawText: string, lineNo: number): void {
    // Most lines are no directive: the regex (and the trimmed copy) only for those starting with `%`.
    const lead = leadingBlanks(rawText);
    const trimmed = rawText.charCodeAt(lead) === 37 ? rawText.slice(lead) : '';
    const dm = trimmed === '' ? null : /^%([a-zA-Z]+)\b/.exec(trimmed);
    const dname = dm ? dm[1].toLowerCase() : '';

    if (this.recording) {
      const r = this.recording;
      if (r.kind === 'macro' && (dname === 'macro' || dname === 'imacro' || dname === 'rmacro' || dname === 'irmacro')) r.nest++;
      if (r.kind === 'rep' && dname === 'rep') r.nest++;
      if ((r.kind === 'macro' && (dname === 'endmacro' || dname === 'endm')) || (r.kind === 'rep' && dname === 'endrep')) {
        if (r.nest === 0) {
          this.recording = null;
          if (r.kind === 'macro') {
            const mac = r.mac!;
            mac.body = r.lines;
            // NASM keeps every definition, the newest first in the search; an older one that takes
            // exactly the same calls could never be chosen again, so it goes.
            const key = mac.name.toLowerCase();
            const list = (this.mmacros.get(key) ?? []).filter((m) => !(m.ci === mac.ci && (m.ci || m.name === mac.name) && m.min === mac.min && m.max === mac.max && m.greedy === mac.greedy));
            list.unshift(mac);
            this.mmacros.set(key, list);
            this.macroWords[wordKey(key, 0, key.length)] = 1;
            this.out.push(this.mkLine(f, '', lineNo, rawText));
          } else {
            this.out.push(this.mkLine(f, '', lineNo, rawText));
            if (r.count! > 0) {
              this.frames.push({ kind: 'rep', lines: r.lines, idx: 0, file: f.file, reps: r.count, mac: r.repMac, reportLine: f.kind === 'file' ? undefined : f.reportLine, condDepth: this.conds.length, listAs: f.listAs, emitAt: f.emitAt, lineMap: f.kind === 'macro' ? undefined : f.lineMap });
            }
          }
          return;
        }
        r.nest--;
      }
      // A macro body keeps its lines as `%line` numbers them (for __?LINE?__ and listings inside it).
      r.lines.push({ text: rawText, line: r.kind === 'macro' && f.kind === 'file' && f.lineMap !== undefined ? this.where(f, lineNo).line : lineNo });
      this.out.push(this.mkLine(f, '', lineNo, rawText)); // NASM lists bodies while recording them
      return;
    }

    // `%line` and cpp's `# n "file"` (a `#` first on the line) count even in skipped blocks (NASM).
    if (dname === 'line' || rawText.charCodeAt(0) === 35) {
      this.lineDirective(f, dname === 'line' ? '%line' : '#', dname === 'line' ? trimmed.slice(dm![0].length) : rawText.slice(1), lineNo);
      this.out.push(this.mkLine(f, '', lineNo, rawText));
      return;
    }

    // Conditionals are tracked even while skipping.
    if (dname.startsWith('if') || dname.startsWith('elif') || dname === 'else' || dname === 'endif') {
      this.conditional(f, dname, trimmed.slice(dm![0].length), lineNo);
      this.out.push(this.mkLine(f, this.locationProbe ?? '', lineNo, rawText));
      this.locationProbe = undefined;
      return;
    }
    if (!this.active) {
      this.out.push(this.mkLine(f, '', lineNo, rawText));
      return;
    }

    // Blanks ending a line or before its comment are not part of it (blanks left by empty macro
    // parameters are: `m %1` calls m with blanks, which NASM's legacy rules count).
    let text = stripComment(rawText).trimEnd();
    /** Whether a parameter follows a context-local name on this line (appendParam()). */
    let tokenBreaks = false;
    // Everything up to the directive check acts on `%` only (most lines have none).
    if (text.includes('%')) {
      const mac = f.kind === 'file' ? undefined : this.currentMac();
      if (mac) {
        this.tokenBreaks = false;
        text = this.substParams(text, mac);
        tokenBreaks = this.tokenBreaks;
      }
      // A context's own name is read unexpanded (`%push %$x` is NASM's error, not a name).
      const namesContext = dname === 'push' || dname === 'pop' || dname === 'repl';
      // `%{$name}`: the context-local macro's value, pasted (`%{$s}%1` joins it to the parameter).
      if (this.contexts.length && !namesContext && text.includes('%{$')) {
        const pos = this.posOf(f, lineNo);
        text = text.replace(/%\{(\$+[A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)\}/g, (_, name: string) => this.expandSmacros(this.substContext(`%${name}`, pos), new Set(), 0));
      }
      if (!namesContext && text.includes('%$') && (this.contexts.length || /%\$+[A-Za-z_.?@$\u0080-\uffff]/.test(text))) {
        // NASM reports a missing context twice on an ordinary line, once on a directive's.
        text = this.substContext(text, this.posOf(f, lineNo), /^\s*%[A-Za-z]/.test(text) ? 1 : 2);
      }
      if (!mac && text.includes('%')) text = this.strayParams(text, this.posOf(f, lineNo));
      // %[...]: expand the inside now and paste the result into the line.
      if (text.includes('%[')) text = this.expandIndirect(text);

      const lead2 = leadingBlanks(text);
      const t2 = text.charCodeAt(lead2) === 37 ? text.slice(lead2) : '';
      const dm2 = t2 === '' ? null : /^%([a-zA-Z]+)\b/.exec(t2);
      if (dm2) {
        let body = t2.slice(dm2[0].length);
        if (tokenBreaks) body = body.replaceAll(TOKEN_BREAK, '');
        this.directive(f, dm2[1].toLowerCase(), body, lineNo, rawText, dm2[1]);
        return;
      }
    }

    let expanded = this.expandAndPaste(text, f, lineNo);
    // The context-local names are expanded: paste what follows them, and expand what that makes.
    if (tokenBreaks) expanded = this.expandAndPaste(expanded.replaceAll(TOKEN_BREAK, ''), f, lineNo);

    // Multi-line macro invocation, possibly after a label.
    const m = this.maybeMacroLine(expanded) ? CALL_WORDS.exec(expanded) : null;
    if (m) {
      const after = this.macroCall(f, m, expanded, lineNo, rawText);
      if (after === undefined) return;
      expanded = after;
    }
    if (mayBeBracketed(expanded)) this.followBits(expanded);
    this.out.push(this.mkLine(f, expanded, lineNo, rawText));
    if (this.opts.preprocessOnly) this.emit(f, expanded, lineNo);
  }

  /**
   * `%line n[+inc] [file]` or `# n "file" flags...`: the next line is reported as n+inc, each after
   * it inc further (NASM 2.16.01's numbering). Inside a macro or %rep body NASM ignores it.
   */
  private lineDirective(f: Frame, dname: string, rest: string, lineNo: number): void {
    const pos = this.posOf(f, lineNo);
    let toks: ReturnType<typeof tokenize>;
    try {
      toks = tokenize(stripComment(rest));
    } catch {
      toks = [];
    }
    if (toks[0]?.t !== 'num') {
      // In a skipped block a `#` line that is no line marker is just skipped (XTIDE's `#define`s
      // under `%if 0`), as in NASM.
      if (this.active) this.error(pos, `\`${dname}' expects a line number`, 'early');
      return;
    }
    let k = 1;
    let inc = 1;
    if (toks[1]?.t === 'op' && (toks[1].v === '+' || toks[1].v === '-')) {
      if (toks[2]?.t !== 'num') {
        if (this.active) this.error(pos, `\`${dname}' expects a line increment`, 'early');
        return;
      }
      inc = Number(BigInt.asIntN(32, toks[2].n!)) * (toks[1].v === '-' ? -1 : 1);
      k = 3;
    }
    const t = toks[k];
    let file: string | undefined;
    if (t?.t === 'str') file = latin1ToString(t.v);
    else if (t !== undefined) file = collapseBlanks(stripComment(rest).slice(t.col - 1)).trim();
    if (f.kind !== 'file') return;
    f.lineMap = { at: lineNo, n: Number(BigInt.asIntN(32, toks[0].n!)), inc, file: file ?? this.where(f, lineNo).file, prev: f.lineMap };
  }

  /**
   * Records a line for `-E`. NASM places lines from a macro body at the body's own line of the file
   * defining the macro, %rep bodies at their own lines, and lines of a .nolist macro at the invocation.
   */
  private emit(f: Frame, text: string, lineNo: number, raw = false): void {
    const where = this.emitPos(f, lineNo);
    for (const t of raw ? [text] : this.ppOutputLines(text)) this.emitted.push({ text: t, file: where.file, line: where.line });
  }

  /** Where `-E` places line `lineNo` of frame `f` (emit()). */
  private emitPos(f: Frame, lineNo: number): { file: string; line: number } {
    if (f.emitAt !== undefined) return f.emitAt;
    // A %use package (NASM shows none of it) at its %use line.
    if (f.listAs !== undefined) return this.posOf(f, lineNo);
    if (f.kind !== 'macro' && f.lineMap !== undefined) return this.where(f, lineNo);
    return { file: f.kind === 'macro' && f.mac ? f.mac.mac.file : f.file, line: lineNo };
  }

  /**
   * A multi-line macro call where NASM looks for one: the first word, else the second after a
   * label (with or without a colon). A word's definitions are the source's (the newest first) and
   * then NASM's standard one (standard.mac, and the bin format's `org`), chosen among as NASM does
   * (chooseMacro()), with its warnings; a word that names some but takes none of them passes the
   * look on to the next. Undefined when the line is done with (a source's macro expanded, a
   * structure macro, what `-E` prints of some standard macros); else the text the line goes on
   * with (the line itself, or from a standard macro's name on for `-E`, which prints it).
   */
  private macroCall(f: Frame, m: RegExpExecArray, expanded: string, lineNo: number, rawText: string): string | undefined {
    const words: { word: string; at: number }[] = [{ word: m[2], at: m[1].length }];
    if (m[5] !== undefined) words.push({ word: m[5], at: m[0].length - m[5].length });
    /** Where a standard macro's name stands that takes no call here (a plain word to NASM). */
    const notCalled: number[] = [];
    for (const { word, at } of words) {
      const own = this.callableMacro(word);
      const std = this.standardMacro(word);
      if (own === undefined && std === undefined) continue;
      const defs: (MMacro | StandardShape)[] = own === undefined ? [std!] : std === undefined ? own : [...own, std];
      const choice = chooseMacro(defs, expanded.slice(at + word.length));
      const pos = this.posOf(f, lineNo);
      if (!('def' in choice)) {
        const n = choice.written;
        this.warn(pos, `multi-line macro \`${word}' exists, but not taking ${n} parameter${n === 1 ? '' : 's'} [-w+pp-macro-params-multi]`, 'early');
        // (`incbin` is also NASM's own pseudo-instruction, which the assembler knows.)
        if (Object.hasOwn(STANDARD_SHAPES, word.toLowerCase()) && word.toLowerCase() !== 'incbin') notCalled.push(at);
        continue;
      }
      if (choice.legacy === 'improper') this.warn(pos, `improperly calling multi-line macro \`${choice.def.name}' with ${choice.written} parameters [-w+pp-macro-params-legacy]`, 'early');
      else if (choice.legacy === 'dropped') this.warn(pos, `dropping trailing empty parameter in call to multi-line macro \`${choice.def.name}' [-w+pp-macro-params-legacy]`, 'early');
      const before = expanded.slice(0, at);
      const labelled = at > m[1].length;
      if ('standard' in choice.def) {
        const call: StandardCall = { key: choice.def.name, name: word, args: choice.args, id: this.standardMacroNumber(choice.def.name, choice.args), text: expanded.slice(at) };
        if (labelled) call.label = labelLineText(before, m[3] !== undefined);
        return this.standardCall(f, call, expanded, lineNo, rawText);
      }
      const label = before.trim();
      this.invoke(f, choice.def, choice.args, word, lineNo, rawText, labelled ? (m[3] === undefined ? `${label}:` : label) : null, labelled ? labelLineText(before, m[3] !== undefined) : '');
      return undefined;
    }
    // The assembler takes these names as the directives the macros stand for: written with `$`,
    // such a word is the identifier NASM's parser then sees (`global` alone is an orphan label).
    if (this.opts.preprocessOnly || notCalled.length === 0) return expanded;
    let text = expanded;
    for (const at of notCalled.reverse()) text = `${text.slice(0, at)}$${text.slice(at)}`;
    return text;
  }

  /**
   * NASM's standard macro of that name, unless `%unimacro` removed it or it is being expanded
   * (`at`'s DATA line: NASM calls no macro from its own expansion, and takes the name as a label).
   */
  private standardMacro(word: string): StandardShape | undefined {
    const key = word.toLowerCase();
    if (!Object.hasOwn(STANDARD_SHAPES, key) || this.removedStandardMacros.has(key)) return undefined;
    if (key === 'at' && this.frames.some((fr) => fr.mac?.mac === STANDARD_AT)) return undefined;
    return STANDARD_SHAPES[key];
  }

  /**
   * The number (nextUnique()) of a standard macro's expansion, and those of what it pushes or calls
   * (the context `incbin` pushes, the `sectalign` that `align` and `alignb` call while sectalign
   * is on), NASM's macro-local numbers counting every one. `sectalign on|off` is the switch.
   */
  private standardMacroNumber(key: string, args: string[]): number {
    const id = this.nextUnique();
    if (key === 'sectalign' && /^(on|off)$/i.test(args[0])) this.ppSectAlign = args[0].toLowerCase() === 'on';
    if (((key === 'align' || key === 'alignb') && this.ppSectAlign) || key === 'incbin') this.nextUnique();
    return id;
  }

  /** `[bits N]`, `bits N` and `useN` also define __?BITS?__. */
  private followBits(text: string): void {
    const bm = BITS_DIRECTIVE.exec(text);
    if (bm) this.smacros.set('__?BITS?__', { params: null, body: bm[1] ?? bm[2], ci: false });
  }

  /**
   * A call of a standard macro. The assembly takes most as the directives they stand for (the line
   * goes on as written); the structure macros are expanded here, as for `-E`, which also prints
   * the others as NASM expands them. Undefined when the line is done with, else its text.
   */
  private standardCall(f: Frame, call: StandardCall, expanded: string, lineNo: number, rawText: string): string | undefined {
    if (call.key === 'bits' || call.key.startsWith('use')) this.followBits(call.text);
    // standard.mac's section, segment and absolute keep the directive in __?SECT?__ (endstruc returns to it).
    if (call.key === 'section' || call.key === 'segment' || call.key === 'absolute') this.smacros.set('__?SECT?__', { params: null, body: `[${call.key} ${call.args[0]}]`, ci: false });
    if (STRUCTURE_MACROS.has(call.key)) {
      if (this.opts.preprocessOnly && call.label !== undefined) this.emit(f, call.label, lineNo, true);
      this.expandStructureMacro(f, call, lineNo, rawText);
      return undefined;
    }
    if (!this.opts.preprocessOnly) {
      if (!Object.hasOwn(DEFAULT_MODES, call.key)) return expanded;
      // `userel` and friends are no directive of their own: the one they stand for, listed at the call (after its label).
      const invocation = this.out.length;
      this.out.push(this.mkLine(f, call.label ?? '', lineNo, rawText));
      const pl = this.mkLine(f, `[default ${DEFAULT_MODES[call.key]}]`, lineNo, '');
      pl.listAs = f.listAs ?? invocation;
      this.out.push(pl);
      return undefined;
    }
    if (call.label !== undefined) this.emit(f, call.label, lineNo, true);
    // `extern a, b` is a directive for each name, `userel` a `[default rel]`; `sectalign on|off` prints nothing.
    const directives = ONE_DIRECTIVE_EACH.has(call.key)
      ? call.args.map((a) => `[${call.key} ${a}]`)
      : Object.hasOwn(DEFAULT_MODES, call.key) ? [`[default ${DEFAULT_MODES[call.key]}]`] : call.key === 'sectalign' && /^(on|off)$/i.test(call.args[0]) ? [] : undefined;
    if (directives !== undefined) {
      this.out.push(this.mkLine(f, '', lineNo, rawText));
      for (const d of directives) this.emit(f, d, lineNo);
      return undefined;
    }
    // The others print as ppOutputLines() expands them, without the label.
    return call.text;
  }

  /**
   * NASM's standard macros for structures, expanded at the call's place as standard.mac expands
   * them (for the assembly as for `-E`, which prints the lines). `struc NAME[, OFFSET]` opens a
   * context (anonymous) that knows NAME, switches to `[absolute OFFSET]` and defines NAME;
   * `endstruc` defines NAME_size, closes the context and returns to `__?SECT?__`; `istruc NAME`
   * opens a context and marks its start with a context-local label; `at MEMBER[, DATA]` pads to
   * MEMBER (one written from its `.` is NAME's: `.x` is NAME.x, whatever label came last) and then
   * places DATA as a line of its own; `iend` pads to NAME_size and closes the context. NAME and
   * the start are the innermost context's at the time, which need not be the structure's (a
   * `%push` in between: then they are labels nobody defines). Without any context NASM reports
   * every context-local name these use, twice each (as on any line) and `at` after its failed
   * attempts to take MEMBER apart, and leaves the names as written (for `-E` and the assembler).
   * The lines are listed at the call (NASM's standard macros are .nolist).
   */
  private expandStructureMacro(f: Frame, call: StandardCall, lineNo: number, rawText: string): void {
    const pos = this.posOf(f, lineNo);
    const [first = '', second = ''] = call.args;
    const top = this.contexts.at(-1);
    /** The value of a context-local macro of the innermost context (its own name when undefined). */
    const local = (name: string): string => this.expandSmacros(`..@${top!.id}.${name}`, new Set(), 0);
    const noContext = (names: string[]): void => {
      for (let round = 0; round < 2; round++) for (const n of names) this.error(pos, `\`%$${n}': context stack is empty`, 'early');
    };
    const invocation = this.out.length;
    // A label before the call is a line of its own for -E (printed already), and the call line's for the assembly.
    this.out.push(this.mkLine(f, this.opts.preprocessOnly ? '' : (call.label ?? ''), lineNo, rawText));
    const place = (text: string): void => {
      if (this.opts.preprocessOnly) this.emit(f, text, lineNo);
      else {
        const pl = this.mkLine(f, text, lineNo, '');
        pl.listAs = f.listAs ?? invocation;
        this.out.push(pl);
      }
    };
    const closeContext = (): void => {
      // After the lines before it, as NASM reports (their errors come first).
      this.diags.seq = this.out.length;
      if (top === undefined) this.error(pos, "`%pop': context stack is empty", 'early');
      else this.contexts.pop();
    };
    switch (call.key) {
      case 'struc':
      case 'istruc': {
        const ctx = { name: '', id: this.nextUnique() };
        this.contexts.push(ctx);
        this.defineSmacro(`..@${ctx.id}.strucname`, { params: null, body: first, ci: false });
        if (call.key === 'struc') {
          place(`[absolute ${second}]`);
          place(`${first}:`);
        } else place(`..@${ctx.id}.strucstart:`);
        break;
      }
      case 'endstruc':
        if (top === undefined) {
          noContext(['strucname_size', 'strucname']);
          place('%$strucname_size equ ($-%$strucname)');
        } else place(`${local('strucname')}_size equ ($-${local('strucname')})`);
        closeContext();
        place(this.expandSmacros('__?SECT?__', new Set(), 0));
        break;
      case 'at':
        if (top === undefined) {
          for (const n of ['member', 'member']) this.error(pos, `\`%$${n}': context stack is empty`, 'early');
          this.error(pos, "`%substr' requires a string as parameter", 'early');
          this.error(pos, "`%$member1': context stack is empty", 'early');
          noContext(['strucname', 'strucstart']);
          place(`times (${first}-%$strucname)-($-%$strucstart) db 0`);
        } else {
          // standard.mac takes MEMBER apart with its helper names: its text, and that text's first character.
          const member = collapseBlanks(first).trim();
          this.defineSmacro(`..@${top.id}.member`, { params: null, body: quoteStr(member), ci: false });
          this.defineSmacro(`..@${top.id}.member1`, { params: null, body: quoteStr(member.charAt(0)), ci: false });
          const name = local('strucname');
          place(`times (${first.startsWith('.') ? name + first : first}-${name})-($-${local('strucstart')}) db 0`);
        }
        break;
      case 'iend':
        if (top === undefined) {
          noContext(['strucname_size', 'strucstart']);
          place('times %$strucname_size-($-%$strucstart) db 0');
        } else place(`times ${local('strucname')}_size-($-${local('strucstart')}) db 0`);
        closeContext();
        break;
    }
    if (call.key !== 'at') return;
    // DATA is a line like any other (it may call a macro); `at` counts as being expanded meanwhile.
    this.frames.push({
      kind: 'macro',
      lines: [{ text: second, line: lineNo }],
      idx: 0,
      file: f.kind === 'macro' || f.lineMap === undefined ? f.file : this.where(f, lineNo).file,
      mac: { args: call.args, id: call.id, mac: STANDARD_AT, label: '', name: call.name },
      reportLine: this.callLine(f, lineNo),
      condDepth: this.conds.length,
      listAs: f.listAs ?? invocation,
      emitAt: f.emitAt ?? (this.opts.preprocessOnly ? this.emitPos(f, lineNo) : undefined),
    });
  }

  /**
   * The name `%push`, `%pop` or `%repl` takes: its first token, which NASM reads unexpanded and
   * which must be an identifier (`$` only before one); '' when there is none (an anonymous
   * context). Undefined after NASM's error; anything after the name is its warning.
   */
  private contextName(body: string, dname: string, pos: Pos): string | undefined {
    const text = body.trim();
    if (text === '') return '';
    const m = CONTEXT_NAME.exec(text);
    if (!m) {
      this.error(pos, `\`${dname}' expects a context identifier`, 'early');
      return undefined;
    }
    if (text.length > m[0].length) this.warn(pos, `trailing garbage after \`${dname}' ignored [-w+pp-trailing]`, 'early');
    return m[0];
  }

  /** `sectalign on|off`: whether align and alignb call sectalign (counted, and printed by `-E`). */
  private ppSectAlign = true;

  /**
   * A line as `-E` prints it, with NASM's standard macros for alignment and incbin expanded as
   * standard.mac writes them (several lines at the invocation's line).
   */
  private ppOutputLines(text: string): string[] {
    const t = ppOutputText(text);
    const al = /^\s*(align|alignb)\s+(.*)$/i.exec(t);
    if (al) {
      const comma = al[2].indexOf(',');
      const n = (comma < 0 ? al[2] : al[2].slice(0, comma)).trim();
      const fill = comma < 0 ? '' : al[2].slice(comma + 1).trim();
      const gap = `(((${n}) - (($-$$) % (${n}))) % (${n}))`;
      const out = this.ppSectAlign ? [`[sectalign ${n}]`] : [];
      if (al[1].toLowerCase() === 'align') out.push(`times ${gap} ${fill || 'nop'}`);
      else if (fill) out.push(`times ${gap} ${fill}`);
      else out.push('[warning push]', '[warning -zeroing]', `resb ${gap}`, '[warning pop]');
      return out;
    }
    const ib = /^\s*incbin\s+("[^"]*"|'[^']*'|`[^`]*`)\s*(?:,(.*))?$/i.exec(t);
    if (ib) {
      // NASM's incbin macro: `%pathsearch` (the name as found on the include path), then the rest or 0.
      const name = ib[1].slice(1, -1);
      return [`incbin ${quoteStr(this.pathSearch(name))},${ib[2]?.trim() || '0'}`];
    }
    return [t];
  }

  /** NASM's %pathsearch: the name as found in the current directory or on the include path, else as given. */
  /** The quoted file name `%pathsearch`/`%depend` take (expanded first), with NASM's messages; undefined after an error. */
  private fileNameArgument(d: string, text: string, pos: Pos): string | undefined {
    const t = tokenize(this.expandSmacros(text.trim(), new Set(), 0));
    if (t.length === 0 || t[0].t !== 'str') {
      this.error(pos, `\`%${d}' expects a file name`, 'early');
      return undefined;
    }
    if (t.length > 1) this.warn(pos, `trailing garbage after \`%${d}' ignored [-w+pp-trailing]`, 'early');
    return latin1ToString(t[0].v);
  }

  private pathSearch(name: string): string {
    const cands = [name, ...(this.opts.includePaths ?? []).map((p) => (p.endsWith('/') ? p + name : `${p}/${name}`))];
    for (const c of cands) {
      try {
        if (this.opts.readFile?.(c) !== undefined) return c;
      } catch {
        return c;
      }
    }
    return name;
  }

  /** `%[...]`, innermost first (`foo%[foo%[n]]`): the inside is expanded and pasted into the line. */
  private expandIndirect(text: string): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const at = text.indexOf('%[', i);
      if (at < 0) break;
      // The matching `]`, skipping nested brackets and quoted strings.
      let depth = 0;
      let end = -1;
      for (let k = at + 1; k < text.length; k++) {
        const c = text[k];
        if (c === '"' || c === "'" || c === '`') {
          const close = text.indexOf(c, k + 1);
          if (close < 0) break;
          k = close;
        } else if (c === '[') depth++;
        else if (c === ']' && --depth === 0) {
          end = k;
          break;
        }
      }
      if (end < 0) break;
      const inner = text.slice(at + 2, end);
      out += text.slice(i, at) + this.expandSmacros(inner.includes('%[') ? this.expandIndirect(inner) : inner, new Set(), 0).trim();
      i = end + 1;
    }
    return out + text.slice(i);
  }

  /** Cheap test before the full invocation regex: is the first or second word a macro name? */
  private maybeMacroLine(text: string): boolean {
    // FIRST_WORDS's two words read without the regex (no match made per line) while the text is ASCII.
    const i = skipAsciiSpaces(text, 0);
    const j = asciiWordEnd(text, i);
    if (j < 0) return this.maybeMacroLineRegex(text);
    if (j === i) return false;
    if (this.mayNameMacro(text, i, j) && this.isMacroName(text.slice(i, j))) return true;
    let k = skipAsciiSpaces(text, j);
    if (text.charCodeAt(k) === 58) k = skipAsciiSpaces(text, k + 1);
    const e = asciiWordEnd(text, k);
    if (e < 0) return this.maybeMacroLineRegex(text);
    return e > k && this.mayNameMacro(text, k, e) && this.isMacroName(text.slice(k, e));
  }

  private maybeMacroLineRegex(text: string): boolean {
    FIRST_WORDS.lastIndex = 0;
    const m = FIRST_WORDS.exec(text);
    if (!m) return false;
    return this.isMacroName(m[1]) || (m[2] !== undefined && this.isMacroName(m[2]));
  }

  /**
   * wordKey() of every macro name ever defined and of NASM's standard ones, as a bitmap: most
   * words are no macro and need no string made to tell.
   */
  private macroWords = standardMacroWords();

  /** Whether text[from, to) may name a macro (isMacroName decides). */
  private mayNameMacro(text: string, from: number, to: number): boolean {
    return this.macroWords[wordKey(text, from, to)] === 1;
  }

  /** Whether `word` names a multi-line macro, the source's or a standard one. */
  private isMacroName(word: string): boolean {
    const key = word.toLowerCase();
    return Object.hasOwn(STANDARD_SHAPES, key) || this.mmacros.get(key)?.some((m) => m.ci || m.name === word) === true;
  }

  /**
   * Whether a new definition of `name` taking `min`-`max` (any count from `min` up when greedy)
   * would share a call with a definition of exactly that name, the source's or a standard one
   * (NASM's redefinition warning: the ranges overlap, a greedy side reaching every count above its
   * minimum; the case of the names must agree even for `%imacro`).
   */
  private redefinesMacro(name: string, min: number, max: number, greedy: boolean): boolean {
    const overlaps = (m: { min: number; max: number; greedy: boolean }): boolean => (m.min <= max || greedy) && (min <= m.max || m.greedy);
    if (this.mmacros.get(name.toLowerCase())?.some((m) => m.name === name && overlaps(m))) return true;
    if (!Object.hasOwn(STANDARD_MACROS, name) || this.removedStandardMacros.has(name)) return false;
    const [smin, smax, sgreedy] = STANDARD_MACROS[name];
    return overlaps({ min: smin, max: smax, greedy: sgreedy });
  }

  /** The definitions a call of `name` may choose from, the newest first (NASM's search order). */
  private findMacro(name: string): MMacro[] | undefined {
    const all = this.mmacros.get(name.toLowerCase())?.filter((m) => m.ci || m.name === name);
    return all?.length ? all : undefined;
  }

  /** The definitions a line may call: not one being expanded, unless it is a `%rmacro`. */
  private callableMacro(name: string): MMacro[] | undefined {
    const all = this.findMacro(name);
    if (!all || this.frames.length < 2) return all;
    const busy = (m: MMacro): boolean => this.frames.some((fr) => fr.kind === 'macro' && fr.mac?.mac === m);
    const ok = all.filter((m) => m.recursive || !busy(m));
    return ok.length ? ok : undefined;
  }

  private mkLine(f: Frame, text: string, lineNo: number, listText: string): PLine {
    if (f.kind === 'file') {
      // posOf() of a file line without its Pos object (one line of output per source line).
      const at = f.lineMap === undefined ? undefined : this.where(f, lineNo);
      const pl: PLine = at === undefined
        ? { text, file: f.file, line: lineNo, listLine: lineNo, listText, depth: this.macroDepth() }
        : { text, file: at.file, line: at.line, listLine: at.line, listText, depth: this.macroDepth() };
      if (f.listAs !== undefined) pl.listAs = f.listAs;
      return pl;
    }
    const p = this.posOf(f, lineNo);
    const listLine = f.kind === 'rep' && f.lineMap !== undefined ? this.where(f, lineNo).line : lineNo;
    const pl: PLine = { text, file: p.file, line: p.line, listLine, listText, depth: this.macroDepth() };
    pl.fromMacro = true;
    if (p.macros) pl.macros = p.macros;
    if (f.listAs !== undefined) pl.listAs = f.listAs;
    return pl;
  }

  /** Expands a call of `mac` with its parameters; `labelText` is the label as `-E` prints it (labelLineText()). */
  private invoke(f: Frame, mac: MMacro, full: string[], name: string, lineNo: number, rawText: string, label: string | null, labelText: string): void {
    const invocation = this.out.length;
    // A macro that places its label itself (%00) takes it over from the invocation line.
    const labelName = (label ?? '').replace(/:$/, '').trim();
    const usesLabel = mac.body.some((b) => b.text.includes('%00'));
    this.out.push(this.mkLine(f, '', lineNo, rawText));
    if (label && !usesLabel) {
      // The label is the expansion's first line: NASM lists it after the call, one level deeper, as `-E` prints it.
      if (this.opts.preprocessOnly) this.emit(f, labelText, lineNo, true);
      const pl = this.mkLine(f, label, lineNo, labelText);
      pl.depth++;
      pl.fromMacro = false;
      const listAs = f.listAs ?? (mac.nolist ? invocation : undefined);
      if (listAs !== undefined) pl.listAs = listAs;
      this.out.push(pl);
    }
    if (this.frames.length > 1000) {
      this.error(this.posOf(f, lineNo), 'macro expansion too deep', 'early');
      this.diags.fatal = true;
      return;
    }
    const ctx: MacroCtx = { args: full, id: this.nextUnique(), mac, label: labelName, name };
    this.frames.push({
      kind: 'macro',
      lines: mac.body,
      idx: 0,
      file: f.kind === 'macro' || f.lineMap === undefined ? f.file : this.where(f, lineNo).file,
      mac: ctx,
      reportLine: this.callLine(f, lineNo),
      condDepth: this.conds.length,
      listAs: f.listAs ?? (mac.nolist ? invocation : undefined),
      emitAt: f.emitAt ?? (mac.nolist && this.opts.preprocessOnly ? this.emitPos(f, lineNo) : undefined),
    });
  }

  /**
   * A parameter's text after `out`. Right after a context-local name (`%$name%1`) it stays a word
   * of its own, as NASM's tokens keep it, until the name has been expanded (the two are then
   * pasted: standard.mac's `%$strucname%1` is `S.x`); TOKEN_BREAK marks the place.
   */
  private appendParam(out: string, value: string): string {
    if (value === '' || !/^[A-Za-z0-9_$#@~.?\u0080-\uffff]/.test(value) || !CONTEXT_NAME_END.test(out)) return out + value;
    this.tokenBreaks = true;
    return out + TOKEN_BREAK + value;
  }

  /** Whether substParams() put a TOKEN_BREAK in the line it made (appendParam()). */
  private tokenBreaks = false;

  /** Substitutes %1..%N, %0, %%local, %{N} inside a macro body line. */
  private substParams(text: string, mac: MacroCtx): string {
    let out = '';
    let q = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (q) {
        out += c;
        if (c === q) q = '';
        continue;
      }
      if (c === '"' || c === "'" || c === '`') {
        q = c;
        out += c;
        continue;
      }
      if (c === ';') {
        out += text.slice(i);
        break;
      }
      if (c !== '%') {
        out += c;
        continue;
      }
      const rest = text.slice(i + 1);
      let m: RegExpExecArray | null;
      if (rest.startsWith('??')) {
        out += mac.mac.name;
        i += 2;
      } else if (rest.startsWith('?')) {
        out += mac.name;
        i += 1;
      } else if ((m = /^%([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)/.exec(rest))) {
        out += `..@${mac.id}.${m[1]}`;
        i += m[0].length;
      } else if ((m = /^\{(-?\d+)(?::(-?\d+))?\}/.exec(rest))) {
        out = this.appendParam(out, this.param(mac, parseInt(m[1], 10)));
        i += m[0].length;
      } else if ((m = /^(\d+)/.exec(rest))) {
        out = m[1] === '0' ? out + String(mac.args.length) : m[1] === '00' ? out + mac.label : this.appendParam(out, this.param(mac, parseInt(m[1], 10)));
        i += m[0].length;
      } else if ((m = /^([-+])(\d+)/.exec(rest))) {
        // %-N / %+N: parameter N as a condition code, inverted or as is.
        const cc = this.param(mac, parseInt(m[2], 10)).trim();
        out += m[1] === '-' ? (INVERSE_CC[cc.toLowerCase()] ?? cc) : cc;
        i += m[0].length;
      } else out += c;
    }
    return out;
  }

  /** `%$name` is local to the innermost %push context, `%$$name` to the one below it, and so on. */
  /**
   * `%arg a:word, b:dword` and `%local x:dword`: each name becomes `(bp+offset)` or `(bp-offset)`
   * in slots of the stack size; %local also adds its total to `%$localsize`.
   */
  private stackNames(d: string, body: string, pos: Pos): void {
    const defs: [string, number][] = [];
    let offset = d === 'arg' ? this.stack.argOffset : this.stack.localOffset;
    let total = 0;
    for (const item of body.replace(/=.*$/, '').split(',')) {
      const m = /^\s*([A-Za-z_.?@$][A-Za-z0-9_$#@~.?]*)?\s*(:)?\s*([A-Za-z_.?@$][A-Za-z0-9_$#@~.?]*)?\s*$/.exec(item);
      if (!m?.[1]) return this.error(pos, `\`%${d}' missing argument parameter`, 'early');
      if (!m[2]) return this.error(pos, `syntax error processing \`%${d}' directive`, 'early');
      if (!m[3]) return this.error(pos, `\`%${d}' missing size type parameter`, 'early');
      const bytes = STACK_SIZES[this.expandSmacros(m[3], new Set(), 0).trim().toLowerCase()];
      if (!bytes) return this.error(pos, `invalid size type for \`%${d}' missing directive`, 'early');
      const size = Math.ceil(bytes / this.stack.slot) * this.stack.slot;
      if (d === 'arg') {
        defs.push([m[1], offset]);
        offset += size;
      } else {
        offset += size;
        defs.push([m[1], -offset]);
        total += size;
      }
    }
    for (const [name, off] of defs) this.defineSmacro(name, { params: null, body: `(${this.stack.pointer}${off < 0 ? '' : '+'}${off})`, ci: false });
    if (d === 'arg') this.stack.argOffset = offset;
    else {
      this.stack.localOffset = offset;
      const key = this.substContext('%$localsize', pos);
      const v = this.evalPP(`${key}+${total}`, pos);
      if (v) this.defineSmacro(key, { params: null, body: v.n.toString(), ci: false });
    }
  }

  /**
   * `%$name` in the innermost context, `%$$name` in the one below... A context the stack does not
   * have is NASM's error (`times` times: normal lines report it twice) and the name is dropped.
   */
  private substContext(text: string, pos: Pos, times = 1): string {
    return text.replace(/%(\$+)([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)/g, (all, dollars: string, name: string, at: number) => {
      const ctx = this.contexts[this.contexts.length - dollars.length];
      if (!ctx) {
        if (insideString(text, at)) return all;
        const n = this.contexts.length;
        const msg = n === 0 ? `\`${all}': context stack is empty` : `\`${name}': context stack is only ${n} level${n === 1 ? '' : 's'} deep`;
        for (let k = 0; k < times; k++) this.error(pos, msg, 'early');
        return times === 1 ? all : '';
      }
      return `..@${ctx.id}.${name}`;
    });
  }

  /** Macro parameter tokens outside any macro call: NASM reports them and drops them. */
  private strayParams(text: string, pos: Pos): string {
    if (/^\s*%(?:macro|imacro|define|idefine|xdefine|ixdefine)\b/i.test(text)) return text;
    let out = '';
    let q = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (q) {
        out += c;
        if (c === q) q = '';
        continue;
      }
      if (c === '"' || c === "'" || c === '`') q = c;
      if (c === ';') return out + text.slice(i);
      if (c === '%') {
        const m = /^%(?:\d+|[-+]\d+|\{-?\d+\}|%[A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)/.exec(text.slice(i));
        if (m) {
          this.error(pos, `\`${m[0]}': not in a macro call`, 'early');
          i += m[0].length - 1;
          continue;
        }
      }
      out += c;
    }
    return out;
  }

  private param(mac: MacroCtx, n: number): string {
    if (n === 0) return String(mac.args.length);
    if (n < 0) n = mac.args.length + 1 + n;
    return mac.args[n - 1] ?? '';
  }

  private userSmacros = false;

  private defineSmacro(name: string, m: SMacro): void {
    this.userSmacros = true;
    if (m.alias === undefined) {
      name = this.resolveAlias(name);
      if ((this.smacros.get(name) ?? this.smacrosCI.get(name.toLowerCase()))?.alias !== undefined) return;
    }
    const map = m.ci ? this.smacrosCI : this.smacros;
    const key = m.ci ? name.toLowerCase() : name;
    // `%define f(x)` and `%define f(x,y)` live side by side; the same count replaces.
    const old = map.get(key);
    if (m.alias === undefined) this.shadowWarnings(name, m, old);
    if (m.ci && name !== key) m = { ...m, defName: name };
    if (m.params !== null && old && old.params !== null && old !== DYNAMIC) {
      const others = [old, ...(old.overloads ?? [])].filter((o) => o.params !== null && o.params.length !== m.params!.length);
      if (others.length) m = { ...m, overloads: others.map((o) => ({ ...o, overloads: undefined })) };
    }
    // The newer of a case-sensitive and a case-insensitive definition of one name wins (lookupSmacro).
    if (this.csLower !== undefined || m.ci) m.seq = ++this.defineSeq;
    if (this.csLower !== undefined && !m.ci) {
      const lower = name.toLowerCase();
      const names = this.csLower.get(lower);
      if (names === undefined) this.csLower.set(lower, [name]);
      else if (!names.includes(name)) names.push(name);
    }
    map.set(key, m);
  }

  /** Case-sensitive names by their lower case, kept once a case-insensitive macro exists. */
  private csLower: Map<string, string[]> | undefined;
  private defineSeq = 0;

  /** NASM's warnings for a definition that shadows another of the same name. */
  private shadowWarnings(name: string, m: SMacro, old: SMacro | undefined): void {
    if (old !== undefined && old !== DYNAMIC && old.alias === undefined) {
      if ((old.params === null) !== (m.params === null)) {
        this.warn(this.pos(), `macro \`${name}' defined both with and without parameters [-w+pp-macro-def-param-single]`, 'early');
      } else if (m.params !== null) {
        const n = m.params.length;
        if ([old, ...(old.overloads ?? [])].some((o) => o.params!.length < n && smacroTakes(o, n))) this.warn(this.pos(), `defining macro \`${name}' shadows previous greedy definition [-w+pp-macro-def-greedy-single]`, 'early');
      }
    }
    const lower = name.toLowerCase();
    let other: string | undefined;
    if (m.ci) {
      if (this.csLower === undefined) {
        this.csLower = new Map();
        for (const [k, v] of this.smacros) {
          if (v === DYNAMIC || v.alias !== undefined) continue;
          const list = this.csLower.get(k.toLowerCase());
          if (list) list.push(k);
          else this.csLower.set(k.toLowerCase(), [k]);
        }
      }
      other = this.csLower.get(lower)?.find((k) => this.smacros.has(k) && this.smacros.get(k)!.alias === undefined && this.smacros.get(k) !== DYNAMIC);
      if (other !== undefined) this.warn(this.pos(), `case insensitive definition of macro \`${name}' will shadow sensitive macro \`${other}'`.concat(' [-w+pp-macro-def-case-single]'), 'early');
    } else {
      const ci = this.smacrosCI.get(lower);
      if (ci !== undefined && ci.alias === undefined) this.warn(this.pos(), `case sensitive definition of macro \`${name}' will shadow insensitive macro \`${ci.defName ?? lower}' [-w+pp-macro-def-case-single]`, 'early');
    }
  }

  /** Cheap pre-check so lines without any macro name skip the expansion scanner. */
  private mentionsSmacro(text: string): boolean {
    if (text.includes('%') && PP_FUNCTION_CALL.test(text)) return true;
    // Only the predefined `__...__` macros exist until the source defines its own.
    if (!this.userSmacros && !text.includes('__')) return false;
    ID_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    const ci = this.smacrosCI.size > 0;
    while ((m = ID_RE.exec(text))) {
      if (this.smacros.has(m[0]) || (ci && this.smacrosCI.has(m[0].toLowerCase()))) return true;
    }
    return false;
  }

  /** `%aliases off` stops aliases from standing for their macros. */
  private aliasesOn = true;

  /** The name an alias (`%defalias`) stands for, followed to the end of a chain; the name itself otherwise. */
  private resolveAlias(name: string): string {
    for (let hops = 0; hops < 32; hops++) {
      const m = this.smacros.get(name) ?? this.smacrosCI.get(name.toLowerCase());
      if (m?.alias === undefined || !this.aliasesOn) return name;
      name = m.alias;
    }
    this.error(this.pos(), 'macro alias loop', 'early');
    return name;
  }

  private lookupSmacro(name: string): SMacro | undefined {
    let m = this.smacros.get(name) ?? this.smacrosCI.get(name.toLowerCase());
    if (m?.seq !== undefined && !m.ci) {
      // Defined both ways: the case-insensitive one shadows if it came later.
      const ci = this.smacrosCI.get(name.toLowerCase());
      if (ci?.seq !== undefined && ci.seq > m.seq) m = ci;
    }
    if (m?.alias !== undefined) {
      if (!this.aliasesOn) return undefined;
      const target = this.resolveAlias(name);
      m = this.smacros.get(target) ?? this.smacrosCI.get(target.toLowerCase());
      if (m?.alias !== undefined) return undefined;
      // An alias of a macro not defined stands for the name itself (NASM), yet is not defined.
      if (m === undefined) return { params: null, body: target, ci: false, unresolved: true };
      name = target;
    }
    if (m === DYNAMIC) {
      // __?LINE?__ and __?FILE?__ depend on where they are used: in a macro, the body line being read.
      const f = this.frames[this.frames.length - 1];
      const mac = f !== undefined && f.kind !== 'file' ? this.currentMac() : undefined;
      const p = mac ? { file: mac.mac.file, line: f.lines[Math.max(0, f.idx - 1)]?.line ?? 1 } : this.pos();
      return { params: null, ci: false, body: name.includes('LINE') ? String(p.line) : quoteStr(p.file) };
    }
    return m;
  }

  expandSmacros(text: string, guard: ReadonlySet<string>, depth: number): string {
    if (depth > 64 || (this.smacros.size === 0 && this.smacrosCI.size === 0)) return text;
    if (depth === 0 && !this.mentionsSmacro(text)) return text;
    let out = '';
    let changed = false;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text[i];
      if (c === '"' || c === "'" || c === '`') {
        const [, j] = readString(text, i);
        out += text.slice(i, j);
        i = j;
        continue;
      }
      if (c === '%' && text[i + 1] !== '$' && isIdStart(text[i + 1] ?? '')) {
        // NASM 2.16's preprocessor functions: `%strlen("ab")`, `%eval(1+2)`, `%isdef(x)`...
        let j = i + 2;
        while (j < n && isIdChar(text[j])) j++;
        const name = text.slice(i + 1, j).toLowerCase();
        let k = j;
        while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
        if (text[k] === '(' && isPPFunction(name)) {
          const [args, end] = parseCallArgs(text, k);
          const r = args ? this.ppFunction(name, args) : undefined;
          if (r !== undefined) {
            out += this.expandSmacros(r, guard, depth + 1);
            changed = true;
            i = end;
            continue;
          }
        }
        out += text.slice(i, j);
        i = j;
        continue;
      }
      if (isIdStart(c) || (c === '%' && text[i + 1] === '$') || c === '$') {
        let j = i + 1;
        while (j < n && isIdChar(text[j])) j++;
        const word = text.slice(i, j);
        // Identifiers glued to a preceding number/identifier char are not macro names.
        const prev = i > 0 ? text[i - 1] : '';
        const m = !/[0-9]/.test(prev) ? this.lookupSmacro(word) : undefined;
        // A case-insensitive macro is guarded against its own expansion in any case (`%?` gives it back).
        const key = m?.ci ? word.toLowerCase() : word;
        if (m && !guard.has(key)) {
          if (m.params === null) {
            const g = new Set(guard);
            g.add(key);
            out += this.expandSmacros(selfNamed(m, word), g, depth + 1);
            changed = true;
            i = j;
            continue;
          }
          let k = j;
          while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
          if (text[k] === '(') {
            const [args, end] = parseCallArgs(text, k);
            const def = args ? [m, ...(m.overloads ?? [])].find((o) => smacroTakes(o, args.length)) : undefined;
            if (args && def) {
              const g = new Set(guard);
              g.add(key);
              out += this.expandSmacros(this.smacroBody(def, args, word), g, depth + 1);
              changed = true;
              i = end;
              continue;
            }
            if (args) this.warn(this.pos(), `single-line macro \`${word}' exists, but not taking ${args.length} parameter${args.length === 1 ? '' : 's'} [-w+pp-macro-params-single]`, 'early');
          }
        }
        out += word;
        i = j;
        continue;
      }
      if (/[0-9]/.test(c)) {
        let j = i + 1;
        while (j < n && /[0-9A-Za-z_.]/.test(text[j])) j++;
        out += text.slice(i, j);
        i = j;
        continue;
      }
      out += c;
      i++;
    }
    return changed || out !== text ? out : text;
  }

  /**
   * A parameterized single-line macro's body with its arguments (raw call text, split at the
   * top-level commas) in place: braces around an argument dropped and blanks trimmed (not for `!`),
   * a greedy last parameter taking the rest with its commas, `=` evaluated, `&`/`&&` quoted, and
   * NASM's conditional comma `%,` kept only when the text up to the next parameter is not empty.
   */
  private smacroBody(def: SMacro, raw: string[], name: string): string {
    const params = def.params!;
    const fl = def.pflags;
    let args = raw;
    if (fl && args.length !== params.length) {
      // A greedy last parameter: the rest joined, or empty when left out.
      args = args.length < params.length ? [...args, ''] : [...args.slice(0, params.length - 1), args.slice(params.length - 1).join(',')];
    }
    const vals = args.map((a, k) => this.smacroArg(a, fl?.[k] ?? 0, k, `macro \`${name}'`));
    const body = selfNamed(def, name);
    if (!body.includes('%,')) return replaceIdents(body, (id) => {
      const pi = params.indexOf(id);
      return pi >= 0 && id !== '' ? vals[pi] : undefined;
    });
    // Parameters marked while substituting, so `%,` can look up to the next one.
    const marked = replaceIdents(body, (id) => {
      const pi = params.indexOf(id);
      return pi >= 0 && id !== '' ? `\u0004${vals[pi]}\u0005` : undefined;
    });
    let out = '';
    for (let i = 0; i < marked.length; i++) {
      if (marked[i] === '%' && marked[i + 1] === ',' && !insideString(marked, i)) {
        // Non-blank text before the next parameter, or that parameter itself not empty.
        let j = i + 2;
        let keep = false;
        while (j < marked.length && marked[j] !== '\u0004') {
          if (marked[j] !== ' ' && marked[j] !== '\t') keep = true;
          j++;
        }
        if (!keep && j < marked.length) {
          const close = marked.indexOf('\u0005', j);
          keep = marked.slice(j + 1, close).trim() !== '';
        }
        if (keep) out += ',';
        i++;
        continue;
      }
      if (marked[i] !== '\u0004' && marked[i] !== '\u0005') out += marked[i];
    }
    return out;
  }

  /**
   * A preprocessor function's expansion (NASM 2.16), or undefined when the call does not fit its
   * parameters (then left as written, with NASM's warning).
   */
  private ppFunction(name: string, raw: string[]): string | undefined {
    const pos = this.pos();
    const n = Math.max(1, raw.length); // `f()` is one empty argument
    if (raw.length === 0) raw = [''];
    const bad = (): undefined => {
      this.warn(pos, `single-line macro \`%${name}' exists, but not taking ${n} parameter${n === 1 ? '' : 's'} [-w+pp-macro-params-single]`, 'early');
      return undefined;
    };
    const what = `function \`%${name}'`;
    const num = (a: string | undefined, index: number, dflt?: bigint): bigint | undefined => {
      const t = this.smacroArg(a ?? '', 0);
      if (t === '' && dflt !== undefined) return dflt;
      return this.evalParam(t, index, what);
    };
    const str = (a: string): string => {
      // A quoted string as its bytes; anything else as its expanded text.
      const x = this.expandAndPaste(this.smacroArg(a, 0));
      return singleString(x) ?? utf8(collapseBlanks(x).trim());
    };
    switch (name) {
      case 'abs': {
        if (n !== 1) return bad();
        const v = num(raw[0], 0);
        return v === undefined ? '' : BigInt.asUintN(64, v < 0n ? -v : v).toString();
      }
      case 'count':
        return String(n);
      case 'eval': {
        if (n < 1) return bad();
        return raw.map((a, k) => num(a, k)?.toString() ?? '').join(',');
      }
      case 'str':
        return quoteStr(collapseBlanks(this.expandAndPaste(this.smacroArg(raw.join(','), 0))).trim());
      case 'strcat':
        if (n < 1) return bad();
        return quoteStr(latin1ToString(raw.map(str).join('')));
      case 'strlen':
        return n === 1 ? String(str(raw[0]).length) : bad();
      case 'tok':
        return n === 1 ? latin1ToString(str(raw[0])) : bad();
      case 'sel':
      case 'cond': {
        if (n < 2 || (name === 'cond' && n > 3)) return bad();
        const v = num(raw[0], 0);
        if (v === undefined) return '';
        if (name === 'cond') return this.smacroArg(raw[v !== 0n ? 1 : 2] ?? '', 0);
        // NASM 2.16.01 evaluates every argument of %sel(), not just the first (its parameter
        // flags are not advanced past a variadic one): strings become numbers, errors name the index.
        const vals = raw.map((a, k) => (k === 0 ? v.toString() : (num(a, k)?.toString() ?? '')));
        if (v < 1n) {
          this.warn(pos, `%sel(${v}) is not a valid selector [-w+pp-sel-range]`, 'early');
          return '';
        }
        if (v >= BigInt(n)) {
          this.warn(pos, `%sel(${v}) exceeds the number of arguments [-w+pp-sel-range]`, 'early');
          return '';
        }
        return vals[Number(v)];
      }
      case 'num': {
        if (n < 1 || n > 3) return bad();
        const v = num(raw[0], 0);
        const digits = num(raw[1], 1, -1n);
        const base = num(raw[2], 2, 10n);
        if (v === undefined || digits === undefined || base === undefined) return '';
        if (base < 2n || base > 64n) {
          this.error(pos, `invalid base ${base} given to %num()`, 'early');
          return '';
        }
        let nd: number;
        let more: boolean;
        if (digits < -253n || digits > 253n) {
          this.error(pos, `digit count ${digits} specified to %num() too large`, 'early');
          [nd, more] = [1, true];
        } else [nd, more] = digits <= 0n ? [Number(-digits), true] : [Number(digits), false];
        const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@_';
        let u = BigInt.asUintN(64, v);
        let out = '';
        while (nd-- > 0 || (more && u !== 0n)) {
          out = DIGITS[Number(u % base)] + out;
          u /= base;
        }
        return `'${out}'`;
      }
      case 'substr': {
        if (n < 2 || n > 3) return bad();
        const s = str(raw[0]);
        const startN = num(raw[1], 1);
        const countN = num(raw[2], 2, -1n);
        if (startN === undefined || countN === undefined) return '';
        const len = s.length;
        let start = Math.max(0, Number(startN) - 1);
        let count = Number(countN);
        if (count < 0) count = len + count + 1 - start;
        if (start + count > len) count = len - start;
        if (!len || count < 0 || start >= len) [start, count] = [0, 0];
        return quoteStr(latin1ToString(s.slice(start, start + count)));
      }
    }
    // %is...(): the matching %if's outcome as 1 or 0.
    const kind = 'if' + name.slice(2);
    const arg = raw.join(',');
    if (kind === 'if') {
      const v = this.evalPP(arg, pos);
      return v !== undefined && v.n !== 0n ? '1' : '0';
    }
    if (kind === 'ifidn' || kind === 'ifidni' || kind === 'ifnidn' || kind === 'ifnidni') {
      // A function's argument starts at its first token: no blank before it, unlike the directive's.
      const same = this.ifIdentical(this.expandSmacros(arg.trim(), new Set(), 0).trim(), kind.endsWith('i'), pos, kind, false);
      return same !== kind.startsWith('ifn') ? '1' : '0';
    }
    return this.evalCond(kind, arg.trim(), pos) === true ? '1' : '0';
  }

  /**
   * A `=` parameter of a single-line macro or function (NASM's SPARM_EVAL): the expanded argument
   * as a number, or undefined after NASM's error naming the parameter (`index` counts from 0).
   */
  private evalParam(a: string, index: number, what: string): bigint | undefined {
    const pos = this.pos();
    const text = stripComment(this.expandAndPaste(a)).trim();
    try {
      const toks = tokenize(text, (msg, col) => this.warn(pos, msg, 'early', col));
      const p = new ExprParser(toks, (x) => x, true, text.length + 1);
      const e = p.parse();
      if (p.pos < toks.length) {
        this.error(pos, `invalid expression in parameter ${index} of ${what}`, 'early');
        return undefined;
      }
      const regs = someLeaf(e, (x) => x.k === 'reg');
      let undef: string | undefined;
      const v = regs ? undefined : evaluate(e, { sym: () => undefined, here: { n: 0n, seg: -1, unk: true }, base: { n: 0n, seg: -1, unk: true }, onUndefined: (name) => (undef ??= name), ...this.evalMode(pos) });
      if (undef !== undefined) {
        this.error(pos, `symbol \`${undef}' not defined before use`, 'early');
        return undefined;
      }
      if (!v || v.unk) {
        this.error(pos, `non-constant expression in parameter ${index} of ${what}`, 'early');
        return undefined;
      }
      return v.n;
    } catch (e) {
      if (!(e instanceof ExprError || e instanceof LexError)) throw e;
      this.error(pos, e.message, 'early', e.col);
      return undefined;
    }
  }

  /** One argument of a single-line macro call as its parameter's flags want it. */
  private smacroArg(a: string, fl: number, index = 0, what = ''): string {
    if (!(fl & SP_NOSTRIP)) {
      a = a.trim();
      if (a.startsWith('{')) {
        const close = matchingBrace(a, 0);
        if (close > 0) a = (a.slice(1, close) + a.slice(close + 1)).trim();
      }
    }
    if (fl & SP_EVAL) a = a === '' ? '' : (this.evalParam(a, index, what)?.toString() ?? '');
    if (fl & SP_STR) {
      const x = this.expandAndPaste(a);
      const t = fl & SP_CONDQUOTE ? singleString(x) : undefined;
      a = t !== undefined ? x.trim() : quoteStr(collapseBlanks(x).trim());
    }
    return a;
  }

  /**
   * Expands single-line macros, then pastes `%+`; a pasted name is expanded again, as NASM's
   * expand_smacro() repeats until no paste happens (`X %+ 0` with `%define X0 7` gives 7).
   */
  /** A missing environment variable is reported at line `lineNo` of `f` (when given). */
  private expandAndPaste(text: string, f?: Frame, lineNo = 0): string {
    let out = this.expandSmacros(text, NO_GUARD, 0);
    for (let round = 0; out.includes('%+') && round < 64; round++) {
      out = this.expandSmacros(out.replace(/\s*%\+\s*/g, ''), new Set(), 0);
    }
    return out.includes('%!') ? this.substEnv(out, f && this.posOf(f, lineNo)) : out;
  }

  /** NASM's `%!NAME`, `%!'NAME'`: the variable's text; an unset one is empty and warns. */
  private substEnv(text: string, pos?: Pos): string {
    // Quoted strings are left alone: `%!` inside one is just text.
    return text.replace(ENV_REF, (all: string, q1: string | undefined, q2: string | undefined, id: string | undefined, at: number) => {
      if (insideString(text, at)) return all;
      const name = q1 ?? q2 ?? id ?? '';
      const v = this.opts.env?.(name);
      if (v === undefined && pos) this.warn(pos, `nonexistent environment variable \`${name}' [-w+pp-environment]`, 'early');
      return v ?? '';
    });
  }

  /**
   * An expression that refers to the assembly (`$`, `$$` or a symbol left after macro expansion):
   * the value the previous assembly found at this line (0 the first time), and an `equ` on this
   * line so that the assembly finds it again. Undefined for any other expression. `what` names the
   * directive in NASM's errors: a symbol not defined before use, or a section-relative value.
   */
  private locationValue(expr: string, pos: Pos, what: string): { value: Value | undefined } | undefined {
    if (this.opts.preprocessOnly) return undefined;
    const text = stripComment(this.expandAndPaste(expr)).trim();
    try {
      const toks = tokenize(text);
      const p = new ExprParser(toks, (n) => n, false, text.length + 1);
      const e = p.parse();
      // Anything else (a malformed expression, trailing text) is for evalPP to report.
      if (p.pos < toks.length || !someLeaf(e, (x) => x.k === 'sym' || x.k === 'here' || x.k === 'base')) return undefined;
    } catch {
      return undefined;
    }
    const k = this.locationProbes++;
    this.locationProbe = `${LOCATION_PROBE}${k} equ (${text})`;
    const found = this.opts.locationValues?.[k];
    if (found === undefined) return { value: { n: 0n, seg: -1, unk: false } };
    if ('notYetDefined' in found) {
      this.error(pos, `symbol \`${found.notYetDefined}' not defined before use`, 'early');
      return { value: undefined };
    }
    if (found.seg >= 0) {
      this.error(pos, `non-constant value given to \`%${what}'`, 'early');
      return { value: undefined };
    }
    return { value: { n: found.n, seg: -1, unk: false } };
  }

  /** The mode a preprocessor expression is evaluated in (`bits` so far: long character constants) and where it warns. */
  private evalMode(pos: Pos): { bits: number; onWarning: (msg: string) => void } {
    return { bits: Number(this.smacros.get('__?BITS?__')?.body ?? 16), onWarning: (msg) => this.warn(pos, msg, 'early') };
  }

  /** Evaluates a preprocessor expression; an error is reported here and gives undefined. */
  /** `what`: the directive as written (`if`, `elif`, `assign`), named in -E's non-constant error. */
  private evalPP(expr: string, pos: Pos, trailingWarns = true, what?: string): Value | undefined {
    try {
      return this.evalPPOrThrow(expr, pos, trailingWarns, what);
    } catch (e) {
      if (!(e instanceof ExprError || e instanceof LexError)) throw e;
      this.error(pos, e.message, 'early', e.col);
      return undefined;
    }
  }

  private evalPPOrThrow(expr: string, pos: Pos, trailingWarns: boolean, what?: string): Value | undefined {
    const text = this.expandAndPaste(expr);
    const toks = tokenize(stripComment(text), (msg, col) => this.warn(pos, msg, 'early', col));
    if (toks.length === 0) {
      this.error(pos, 'expression syntax error', 'early');
      return undefined;
    }
    // An unterminated string is not a value (NASM warns, then finds no expression).
    const open = toks.findIndex((t) => t.unterminated);
    const p = new ExprParser(open < 0 ? toks : toks.slice(0, open), (n) => n, false, text.length + 1);
    if (open === 0) p.err();
    const e = p.parse();
    if (p.pos < toks.length && trailingWarns) {
      this.warn(pos, 'trailing garbage after expression ignored [-w+pp-trailing]', 'early');
    }
    let undef: string | undefined;
    let references = 0;
    const v = evaluate(e, {
      sym: () => undefined,
      here: { n: 0n, seg: -1, unk: true },
      base: { n: 0n, seg: -1, unk: true },
      onUndefined: (name) => {
        undef ??= name;
        references++;
      },
      ...this.evalMode(pos),
    });
    if (v.unk) {
      if (this.opts.preprocessOnly && references > 0 && what !== undefined) {
        // With no assembly behind it, NASM's -E names each symbol reference, then the directive.
        for (let k = 0; k < references; k++) this.error(pos, 'symbol references not supported in preprocess-only mode', 'early');
        this.error(pos, `non-constant value given to \`%${what}'`, 'early');
        return undefined;
      }
      this.error(pos, undef ? `symbol \`${undef}' not defined before use` : 'non-constant value given to preprocessor', 'early');
      return undefined;
    }
    return v;
  }

  private conditional(f: Frame, d: string, rest: string, lineNo: number): void {
    const pos = this.posOf(f, lineNo);
    const top = this.conds[this.conds.length - 1];
    if (d === 'endif') {
      if (this.conds.length <= f.condDepth) {
        this.error(pos, '`%endif\': no matching `%if\'', 'early');
        return;
      }
      const ended = this.conds.pop()!;
      if (ended.parentActive && stripComment(rest).trim() !== '') this.warn(pos, "trailing garbage after `%endif' ignored [-w+pp-trailing]", 'early');
      return;
    }
    if (d === 'else') {
      if (!top || this.conds.length <= f.condDepth) {
        this.error(pos, '`%else\': no matching `%if\'', 'early');
        return;
      }
      // Inside a skipped outer block NASM says nothing about these.
      if (top.parentActive && stripComment(rest).trim() !== '') this.warn(pos, "trailing garbage after `%else' ignored [-w+pp-trailing]", 'early');
      if (top.parentActive && top.sawElse) this.warn(pos, "`%else' after `%else', ignoring content [-w+pp-else-else]", 'early');
      top.active = top.parentActive && !top.done;
      top.done = true;
      top.sawElse = true;
      return;
    }
    let isElif = false;
    let kind = d;
    if (d.startsWith('elif')) {
      isElif = true;
      kind = 'if' + d.slice(4);
      if (!top || this.conds.length <= f.condDepth) {
        this.error(pos, `\`%${d}': no matching \`%if'`, 'early');
        return;
      }
      if (top.parentActive && top.sawElse) this.warn(pos, `\`%${d}' after \`%else', ignoring content [-w+pp-else-elif]`, 'early');
    }
    const parentActive = isElif ? top.parentActive : this.active;
    const needEval = isElif ? parentActive && !top.done : parentActive;
    let result: boolean | undefined = false;
    if (needEval) {
      const mac = f.kind === 'file' ? undefined : this.currentMac();
      if (mac) rest = this.substParams(rest, mac);
      // NASM 2.16.01 reports nothing of an %elif's expression (it is not emitting there).
      this.silent = isElif;
      try {
        result = this.evalCond(kind, stripComment(rest).trim(), pos, !isElif);
      } finally {
        this.silent = false;
      }
    }
    // `done` also when the condition did not evaluate: no later %elif or %else is taken either.
    if (isElif) {
      top.active = needEval && result === true;
      if (result !== false) top.done = true;
    } else {
      this.conds.push({ active: parentActive && result === true, done: result !== false, parentActive, sawElse: false });
    }
  }

  /** Whether the condition holds; undefined when it could not be evaluated (then no branch is taken). */
  private evalCond(kind: string, rest: string, pos: Pos, trailingWarns = true): boolean | undefined {
    const written = kind; // `ifnmacro` etc. as NASM names it in messages
    let neg = false;
    if (kind.startsWith('ifn') && kind !== 'ifnum' && kind !== 'ifidn' && kind !== 'ifidni') {
      neg = true;
      kind = 'if' + kind.slice(3);
    } else if (kind === 'ifnnum' || kind === 'ifnidn' || kind === 'ifnidni') {
      neg = true;
      kind = 'if' + kind.slice(3);
    }
    // Context-local names (`%$x`) mean the innermost context's, in conditions as on other lines.
    if (this.contexts.length && rest.includes('%$') && kind !== 'ifctx') rest = this.substContext(rest, pos);
    let r: boolean;
    switch (kind) {
      case 'if': {
        const what = trailingWarns ? written : `el${written}`;
        const location = this.locationValue(rest, pos, what);
        const v = location ? location.value : this.evalPP(rest, pos, trailingWarns, what);
        // A condition that does not evaluate takes no branch at all (NASM's COND_NEVER).
        if (v === undefined) return undefined;
        r = v.n !== 0n;
        break;
      }
      case 'ifdef': {
        const names = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
        if (!names.every((n) => /^[A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*$/.test(n))) {
          this.error(pos, "`%ifdef' expects macro identifiers", 'early');
          r = false;
          break;
        }
        r = names.some((n) => {
          const m = this.lookupSmacro(n);
          return m !== undefined && !m.unresolved;
        });
        break;
      }
      case 'ifdefalias': {
        const names = rest.trim().split(/\s+/);
        r = names.some((nm) => (this.smacros.get(nm) ?? this.smacrosCI.get(nm.toLowerCase()))?.alias !== undefined);
        break;
      }
      case 'ifusable':
      case 'ifusing': {
        // A `%use` package NASM has (usable) or one already included (using).
        const t = tokenize(this.expandSmacros(rest.trim(), new Set(), 0));
        if (t.length === 0 || (t[0].t !== 'id' && t[0].t !== 'str')) {
          this.error(pos, t.length === 0 ? `\`%${written}' expects a package name, got end of line` : `\`%${written}' expects a package name, got \`${t[0].v}'`, 'early');
          r = false;
          break;
        }
        const name = (t[0].t === 'str' ? latin1ToString(t[0].v) : t[0].v).toLowerCase();
        r = kind === 'ifusing' ? this.usedPackages.has(name) : packageSource(name) !== undefined || MISSING_PACKAGES.has(name);
        break;
      }
      case 'ifenv': {
        const names = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
        const valid = names.length > 0 && names.every((n) => /^(%!)?(['"]).*\2$|^(%!)?[A-Za-z_.?@$][A-Za-z0-9_$#@~.?]*$/.test(n));
        if (!valid) {
          this.error(pos, `\`%${written}' expects environment variable names`, 'early');
          r = false;
          break;
        }
        r = names.some((n) => this.opts.env?.(n.replace(/^%!/, '').replace(/^(['"])(.*)\1$/, '$2')) !== undefined);
        break;
      }
      case 'ifmacro': {
        const m = MACRO_NAME.exec(rest);
        if (!m) {
          this.error(pos, `\`%${written}' expects a macro name`, 'early');
          r = false;
          break;
        }
        const name = m[1];
        const h = readMacroHeader(this.expandSmacros(rest.slice(m[0].length), new Set(), 0), written, true);
        for (const e of h.errors) this.error(pos, e, 'early');
        if (h.rest.trim() !== '') this.warn(pos, `trailing garbage after \`%${written}' ignored [-w+pp-trailing]`, 'early');
        // NASM's directives without brackets are standard macros, so %ifmacro sees them too.
        const std = Object.hasOwn(STANDARD_MACROS, name) ? STANDARD_MACROS[name] : undefined;
        const ms = this.findMacro(name) ?? (std ? [{ min: std[0], max: std[1], greedy: std[2] }] : undefined);
        // NASM: the ranges overlap, where a greedy (`+`) side reaches any count above its minimum.
        r = ms !== undefined && ms.some((mm) => (mm.min <= h.max || h.greedy) && (h.min <= mm.max || ('greedy' in mm && mm.greedy)));
        break;
      }
      case 'ifidn':
      case 'ifidni': {
        const x = this.expandSmacros(rest, new Set(), 0).trim();
        r = this.ifIdentical(x, kind === 'ifidni', pos, kind);
        break;
      }
      case 'ifnum':
      case 'ifstr':
      case 'ifid':
      case 'ifempty':
      case 'iftoken': {
        const x = this.expandSmacros(rest, new Set(), 0).trim();
        let toks: ReturnType<typeof tokenize> = [];
        try {
          toks = tokenize(x);
        } catch {
          toks = [];
        }
        if (kind === 'ifempty') r = x === '';
        else if (kind === 'iftoken') r = toks.length === 1;
        else {
          // NASM looks at the first token only (a number may have signs before it).
          let k = 0;
          if (kind === 'ifnum') while (toks[k]?.t === 'op' && (toks[k].v === '-' || toks[k].v === '+')) k++;
          r = toks[k]?.t === (kind === 'ifnum' ? 'num' : kind === 'ifstr' ? 'str' : 'id');
        }
        break;
      }
      case 'ifctx': {
        const top = this.contexts[this.contexts.length - 1];
        r = !!top && rest.trim().split(/\s+/).includes(top.name);
        break;
      }
      default:
        this.error(pos, `unknown preprocessor directive \`%${kind}'`, 'early');
        r = false;
    }
    return neg ? !r : r;
  }

  /**
   * NASM 2.16.01's %ifidn walk over the tokens of `left,right` (blanks between tokens are tokens
   * too, skipped on either side as met): strings compare by contents, and the result holds only if
   * the left side ends exactly at the comma and the right side is used up, so `a ,a` and `a,` are
   * false; a comma met on the right while the left still has tokens is an error.
   */
  private ifIdentical(x: string, ci: boolean, pos: Pos, kind: string, leadingBlank = true): boolean {
    type Item = { ws: true } | { ws: false; t: string; v: string };
    let toks: ReturnType<typeof tokenize>;
    try {
      toks = tokenize(x);
    } catch {
      toks = [];
    }
    const items: Item[] = leadingBlank ? [{ ws: true }] : []; // the blank after the directive's name
    for (const t of toks) {
      if (t.col > 1 && /\s/.test(x[t.col - 2])) items.push({ ws: true });
      items.push({ ws: false, t: t.t, v: t.t === 'id' && t.forced ? `$${t.v}` : t.v });
    }
    const isComma = (it: Item | undefined): boolean => it !== undefined && !it.ws && it.t === 'op' && it.v === ',';
    const comma = items.findIndex(isComma);
    if (comma < 0) {
      this.error(pos, `\`%${kind}' expects two comma-separated arguments`, 'early');
      return false;
    }
    let i = 0;
    let k = comma + 1;
    let same = true;
    while (!isComma(items[i]) && k < items.length) {
      const a = items[i];
      const b = items[k];
      if (isComma(b)) {
        this.error(pos, `\`%${kind}': more than one comma on line`, 'early');
        return false;
      }
      if (a.ws) {
        i++;
        continue;
      }
      if (b.ws) {
        k++;
        continue;
      }
      if (a.t !== b.t || (ci ? a.v.toLowerCase() !== b.v.toLowerCase() : a.v !== b.v)) {
        same = false;
        break;
      }
      i++;
      k++;
    }
    return same && isComma(items[i]) && k >= items.length;
  }

  /** `d` is the directive's name in lower case, `written` as the source spells it (for messages). */
  private directive(f: Frame, d: string, rest: string, lineNo: number, rawText: string, written = d): void {
    const pos = this.posOf(f, lineNo);
    const emitBlank = (): void => {
      this.out.push(this.mkLine(f, this.locationProbe ?? '', lineNo, rawText));
      this.locationProbe = undefined;
    };
    const body = stripComment(rest);
    switch (d) {
      case 'define':
      case 'idefine':
      case 'xdefine':
      case 'ixdefine': {
        const m = /^\s*([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)(\(([^)]*)\))?\s?(.*)$/.exec(body);
        if (!m) {
          // A context-local name without its context was reported already.
          if (!/^\s*%\$/.test(body)) this.error(pos, `\`%${d}' expects a macro identifier`, 'early');
          break;
        }
        let value = m[4].trim();
        let params: string[] | null = null;
        let pflags: number[] | undefined;
        if (m[2]) {
          // `(a,b)`; `()` is no parameter; `(a,)` two, the second unnamed. NASM 2.15's flags go with each name.
          const pieces = m[3].trim() === '' ? [] : m[3].split(',');
          params = [];
          for (const piece of pieces) {
            let fl = 0;
            const name = piece.replace(/&&|[=&!+]/g, (op) => {
              fl |= op === '=' ? SP_EVAL : op === '&' ? SP_STR : op === '&&' ? SP_STR | SP_CONDQUOTE : op === '!' ? SP_NOSTRIP : SP_GREEDY;
              return ' ';
            }).trim();
            params.push(name);
            if (fl) (pflags ??= [])[params.length - 1] = fl;
          }
          if (pflags) pflags = Array.from(params, (_, k) => pflags![k] ?? 0);
          if (pflags?.slice(0, -1).some((fl) => fl & SP_GREEDY)) this.error(pos, 'greedy parameter must be last', 'early');
        }
        if (d.includes('x')) {
          // The parameters are not expanded now, even when a macro of the same name exists (NASM's XDEF_PARAM).
          const protectedValue = params?.length ? protectParams(value, params) : value;
          value = this.expandAndPaste(protectedValue);
          if (params?.length) value = value.replace(/\u0002(\d+)\u0003/g, (_, k: string) => params[Number(k)]);
        }
        const def: SMacro = pflags ? { params, body: value, ci: d.startsWith('i'), pflags } : { params, body: value, ci: d.startsWith('i') };
        if (/%\*?\?/.test(value)) def.name = m[1];
        this.defineSmacro(m[1], def);
        break;
      }
      case 'undef':
      case 'iundef':
      case 'undefalias': {
        // %undef goes through an alias to its macro; %undefalias removes the alias itself.
        const name = d === 'undefalias' ? body.trim() : this.resolveAlias(body.trim());
        const m = this.smacros.get(name) ?? this.smacrosCI.get(name.toLowerCase());
        if (d === 'undefalias' ? m?.alias !== undefined : m?.alias === undefined) {
          this.smacros.delete(name);
          this.smacrosCI.delete(name.toLowerCase());
        }
        break;
      }
      case 'defalias':
      case 'idefalias': {
        const m = /^\s*([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)\s+([A-Za-z_.?@$\u0080-\uffff][A-Za-z0-9_$#@~.?\u0080-\uffff]*)\s*$/.exec(body);
        if (!m) {
          this.error(pos, `\`%${d}' expects a macro identifier to alias`, 'early');
          break;
        }
        const ci = d === 'idefalias';
        this.smacros.delete(m[1]);
        this.smacrosCI.delete(m[1].toLowerCase());
        this.defineSmacro(m[1], { params: null, body: '', ci, alias: m[2] });
        break;
      }
      case 'aliases': {
        const w = body.trim().toLowerCase();
        if (w === 'on' || w === 'off') this.aliasesOn = w === 'on';
        else this.error(pos, "`%aliases' expects `on' or `off'", 'early');
        break;
      }
      case 'assign':
      case 'iassign': {
        const m = NAME_AND_REST.exec(body);
        if (!m) {
          if (!/^\s*%\$/.test(body)) this.error(pos, `\`%${d}' expects a macro identifier`, 'early');
          break;
        }
        const v = (this.locationValue(m[2], pos, d) ?? { value: this.evalPP(m[2], pos, true, d) }).value;
        if (v) this.defineSmacro(m[1], { params: null, body: v.n.toString(), ci: d === 'iassign' });
        break;
      }
      case 'deftok':
      case 'ideftok': {
        const m = NAME_AND_REST.exec(body);
        if (m) {
          const x = this.expandSmacros(m[2].trim(), new Set(), 0);
          const t = tokenize(x);
          if (t.length !== 1 || t[0].t !== 'str') this.error(pos, `\`%${d}' requires string as second parameter`, 'early');
          else this.defineSmacro(m[1], { params: null, body: latin1ToString(t[0].v), ci: d === 'ideftok' });
        }
        break;
      }
      case 'pathsearch':
      case 'ipathsearch': {
        // The file name as found in the current directory or on the include path, else as given.
        const m = NAME_AND_REST.exec(body);
        if (!m) {
          this.error(pos, `\`%${d}' expects a macro identifier`, 'early');
          break;
        }
        const name = this.fileNameArgument(d, m[2], pos);
        if (name !== undefined) this.defineSmacro(m[1], { params: null, body: quoteStr(this.pathSearch(name)), ci: d === 'ipathsearch' });
        break;
      }
      case 'depend':
        // Only adds to the dependency list NASM can write (-M): nothing to assemble.
        this.fileNameArgument(d, body, pos);
        break;
      case 'defstr':
      case 'idefstr': {
        const m = NAME_AND_REST.exec(body);
        if (m) {
          const v = this.substEnv(this.expandSmacros(m[2].trim(), new Set(), 0), pos);
          // The text rebuilt from its tokens: each run of blanks one space.
          this.defineSmacro(m[1], { params: null, body: quoteStr(collapseBlanks(v).trim()), ci: d === 'idefstr' });
        }
        break;
      }
      case 'strlen':
      case 'strcat':
      case 'substr': {
        const m = NAME_AND_REST.exec(body);
        if (!m) {
          this.error(pos, `\`%${d}' expects a macro identifier as first parameter`, 'early');
          break;
        }
        const x = this.expandSmacros(m[2].trim(), new Set(), 0);
        let parts = splitArgs(x);
        if (d === 'substr') {
          // %substr name 'string' start[,len]: the string is separated by whitespace.
          const t = tokenize(x);
          if (t.length && t[0].t === 'str') {
            const rest = x.slice(t[1] ? t[1].col - 1 : x.length);
            parts = [x.slice(0, t[1] ? t[1].col - 1 : x.length).trim().replace(/,$/, ''), ...splitArgs(rest.replace(/^,/, ''))];
          }
        }
        const strOf = (s: string): string | undefined => {
          const t = tokenize(s);
          return t.length === 1 && t[0].t === 'str' ? t[0].v : undefined;
        };
        if (d === 'strlen') {
          const s = strOf(parts[0]);
          if (s === undefined) this.error(pos, '`%strlen` requires string as second parameter', 'early');
          else this.defineSmacro(m[1], { params: null, body: String(s.length), ci: false });
        } else if (d === 'strcat') {
          // Strings, commas between them optional; the first other token is named in the error.
          let acc = '';
          for (const t of tokenize(x)) {
            if (t.t === 'op' && t.v === ',') continue;
            if (t.t !== 'str') {
              this.error(pos, `non-string passed to \`%strcat': ${t.t === 'num' ? x.slice(t.col - 1).split(/[\s,]/)[0] : t.v}`, 'early');
              return;
            }
            acc += t.v;
          }
          this.defineSmacro(m[1], { params: null, body: quoteStr(latin1ToString(acc)), ci: false });
        } else {
          const s = strOf(parts[0]);
          if (s === undefined) {
            this.error(pos, '`%substr` requires string as second parameter', 'early');
            break;
          }
          const start = parts[1] !== undefined ? Number(this.evalPP(parts[1], pos)?.n ?? 1n) : 1;
          let len = parts[2] !== undefined ? Number(this.evalPP(parts[2], pos)?.n ?? 1n) : 1;
          if (len < 0) len = s.length - (start - 1) + len + 1;
          const sub = s.slice(start - 1, start - 1 + len);
          this.defineSmacro(m[1], { params: null, body: quoteStr(latin1ToString(sub)), ci: false });
        }
        break;
      }
      case 'macro':
      case 'imacro':
      case 'rmacro':
      case 'irmacro': {
        const m = MACRO_NAME.exec(body);
        if (!m) {
          this.error(pos, `\`%${d}' expects a macro name`, 'early');
          break;
        }
        // The counts and defaults as NASM reads them (macroHeader.ts); a bad header still defines the macro.
        const h = readMacroHeader(this.expandSmacros(body.slice(m[0].length), new Set(), 0), d, false);
        for (const e of h.errors) this.error(pos, e, 'early');
        const { min, max, greedy } = h;
        // Defaults are expanded where the macro is defined; a greedy macro's last one takes the rest.
        const defText = h.rest.trim();
        let defaults = defText ? splitArgs(defText) : [];
        const room = max === Infinity ? Infinity : max - min;
        if (greedy && defaults.length > room && room > 0) defaults = [...defaults.slice(0, room - 1), splitArgsJoin(defText, room - 1)];
        if (!greedy && min + defaults.length > max) this.warn(pos, `too many default macro parameters in macro \`${m[1]}' [-w+pp-macro-defaults]`, 'early');
        if (this.redefinesMacro(m[1], min, max, greedy)) this.warn(pos, `redefining multi-line macro \`${m[1]}' [-w+pp-macro-redef-multi]`, 'early');
        this.recording = {
          kind: 'macro',
          nest: 0,
          lines: [],
          mac: { name: m[1], ci: d === 'imacro' || d === 'irmacro', min, max, greedy, defaults, body: [], file: f.kind === 'file' && f.lineMap !== undefined ? f.lineMap.file : f.file, nolist: h.nolist, recursive: d.endsWith('rmacro') },
          startFrame: f,
        };
        break;
      }
      case 'endmacro':
      case 'endm':
        this.error(pos, '`%endmacro\': not defining a macro', 'early');
        break;
      case 'unmacro':
      case 'unimacro': {
        // Only the definition with this name, case sensitivity and parameter counts goes.
        const m = MACRO_NAME.exec(body);
        if (!m) {
          this.error(pos, `\`%${d}' expects a macro name`, 'early');
          break;
        }
        const h = readMacroHeader(this.expandSmacros(body.slice(m[0].length), new Set(), 0), d, false);
        if (h.errors.length) {
          for (const e of h.errors) this.error(pos, e, 'early');
          break;
        }
        const ci = d === 'unimacro';
        const key = m[1].toLowerCase();
        // NASM's standard macros are `%imacro`s (smartalign's package replaces `align` so).
        const std = Object.hasOwn(STANDARD_MACROS, key) ? STANDARD_MACROS[key] : undefined;
        if (ci && std !== undefined && std[0] === h.min && std[1] === h.max && std[2] === h.greedy) this.removedStandardMacros.add(key);
        const list = this.mmacros.get(key);
        if (!list) break;
        const kept = list.filter((mm) => !(mm.ci === ci && (ci || mm.name === m[1]) && mm.min === h.min && mm.max === h.max && mm.greedy === h.greedy));
        if (kept.length) this.mmacros.set(key, kept);
        else this.mmacros.delete(key);
        break;
      }
      case 'rep': {
        if (!body.trim()) {
          this.error(pos, "`%rep' expects a repeat count", 'early');
          this.recording = { kind: 'rep', nest: 0, lines: [], count: 0, startFrame: f, repMac: this.currentMac() };
          break;
        }
        // NASM: a count that does not evaluate starts no block (its %endrep is then unmatched).
        const v = (this.locationValue(body, pos, 'rep') ?? { value: this.evalPP(body, pos, true, 'rep') }).value;
        if (!v) break;
        const n = BigInt.asIntN(64, v.n);
        let count = Number(n);
        if (n > REP_LIMIT) {
          this.error(pos, `\`%rep' count ${n} exceeds limit (currently ${REP_LIMIT})`, 'early');
          count = 0;
        } else if (n < 0n) {
          this.warn(pos, `negative \`%rep' count: ${n} [-w+pp-rep-negative]`);
          count = 0;
        }
        this.recording = { kind: 'rep', nest: 0, lines: [], count, startFrame: f, repMac: this.currentMac() };
        break;
      }
      case 'endrep':
        this.error(pos, '`%endrep\': no matching `%rep\'', 'early');
        break;
      case 'exitrep': {
        emitBlank();
        if (!this.frames.some((fr) => fr.kind === 'rep')) this.error(pos, "`%exitrep' not within `%rep' block", 'early');
        for (let i = this.frames.length - 1; i >= 0; i--) {
          const fr = this.frames[i];
          if (fr.kind === 'rep') {
            // NASM still lists the rest of the current repetition.
            const depth = this.macroDepth();
            for (let k = fr.idx; k < fr.lines.length; k++) {
              const p = this.posOf(fr, fr.lines[k].line);
              this.out.push({ text: '', file: p.file, line: p.line, listLine: fr.lines[k].line, listText: fr.lines[k].text, depth, fromMacro: true });
            }
            while (this.frames.length > i) this.popFrame();
            break;
          }
          if (fr.kind === 'file') break;
        }
        return;
      }
      case 'exitmacro': {
        for (let i = this.frames.length - 1; i >= 0; i--) {
          const fr = this.frames[i];
          if (fr.kind === 'macro') {
            while (this.frames.length > i) this.popFrame();
            break;
          }
          if (fr.kind === 'file') break;
        }
        break;
      }
      case 'rotate': {
        const mac = this.currentMac();
        if (!mac) {
          this.error(pos, "`%rotate' invoked outside a macro call", 'early');
          break;
        }
        const v = this.evalPP(body, pos);
        if (mac && v && mac.args.length) {
          const n = mac.args.length;
          const k = ((Number(v.n % BigInt(n)) % n) + n) % n;
          mac.args = [...mac.args.slice(k), ...mac.args.slice(0, k)];
        }
        break;
      }
      case 'null':
        // Goes nowhere, does nothing (NASM's own words).
        break;
      case 'require':
      case 'include': {
        const x = this.expandSmacros(body.trim(), new Set(), 0);
        const toks = tokenize(x);
        let name: string;
        if (toks.length === 1 && toks[0].t === 'str') name = latin1ToString(toks[0].v);
        else if (/^<.*>$/.test(x)) name = x.slice(1, -1);
        else name = x;
        if (this.frames.filter((fr) => fr.kind === 'file').length > MAX_INCLUDE_DEPTH) {
          this.error(pos, 'maximum include depth exceeded', 'early');
          this.diags.fatal = true;
          break;
        }
        const found = this.readInclude(name);
        if (found === undefined || 'refused' in found) {
          this.diags.add('early', 'error', pos, 1, `unable to open include file \`${name}': ${found?.refused ?? 'No such file or directory'}`);
          this.diags.fatal = true;
          break;
        }
        emitBlank();
        // Inside a .nolist macro NASM reads the file's lines at the line number of this %include
        // (a line of the macro's body, where it is one), and stays there until the macro ends.
        if (f.emitAt !== undefined && f.kind !== 'file') f.emitAt.line = lineNo;
        this.frames.push({ kind: 'file', lines: splitLines(found.text), idx: 0, file: found.path, condDepth: this.conds.length, emitAt: f.emitAt });
        return;
      }
      case 'error':
      case 'warning':
      case 'fatal': {
        // NASM rebuilds the text from tokens: each run of blanks outside strings becomes one space.
        const msg = collapseBlanks(this.expandSmacros(body.trimStart(), new Set(), 0));
        let text = msg;
        try {
          const t = tokenize(msg);
          if (t.length === 1 && t[0].t === 'str') text = latin1ToString(t[0].v);
        } catch {
          /* keep raw text */
        }
        if (d === 'warning') this.warn(pos, `${text} [-w+user]`);
        else if (d === 'fatal') {
          this.error(pos, text, 'early');
          this.diags.fatal = true;
        } else this.error(pos, text);
        break;
      }
      case 'push':
      case 'repl':
      case 'pop': {
        // NASM names the directive as written (`%POP`); a context is anonymous without a name.
        const dname = `%${written}`;
        const name = this.contextName(body, dname, pos);
        if (name === undefined) break;
        const top = this.contexts.at(-1);
        if (d === 'push') this.contexts.push({ name, id: this.nextUnique() });
        else if (top === undefined) this.error(pos, `\`${dname}': context stack is empty`, 'early');
        else if (d === 'repl') top.name = name;
        else if (name !== '' && (top.name === '' || name.toLowerCase() !== top.name.toLowerCase())) {
          // `%pop NAME` checks the name (in any case) and leaves the context where it is.
          this.error(pos, `\`${dname}' in wrong context: ${top.name === '' ? 'anonymous' : top.name}, expected ${name}`, 'early');
        } else this.contexts.pop();
        break;
      }
      case 'use': {
        const t = tokenize(this.expandSmacros(body.trim(), new Set(), 0));
        if (t.length === 0 || (t[0].t !== 'id' && t[0].t !== 'str')) {
          this.error(pos, t.length === 0 ? '`%use\' expects a package name, got end of line' : `\`%use' expects a package name, got \`${t[0].v}'`, 'early');
          break;
        }
        if (t.length > 1) this.warn(pos, "trailing garbage after `%use' ignored [-w+pp-trailing]", 'early');
        const name = t[0].t === 'str' ? latin1ToString(t[0].v) : t[0].v;
        const text = packageSource(name);
        if (text === undefined) {
          this.error(pos, MISSING_PACKAGES.has(name.toLowerCase()) ? `\`%use' package \`${name}' is not supported by Bootlab` : `unknown \`%use' package: \`${name}'`, 'early');
          break;
        }
        if (this.usedPackages.has(name.toLowerCase())) break;
        this.usedPackages.add(name.toLowerCase());
        emitBlank();
        // Listed as part of the %use line, as NASM shows nothing of a package.
        this.frames.push({ kind: 'file', lines: splitLines(text), idx: 0, file: f.file, condDepth: this.conds.length, listAs: this.out.length - 1 });
        return;
      }
      case 'pragma': {
        // NASM hands every pragma but its own (`preproc`) to the assembler as `[pragma ...]`.
        const text = this.expandSmacros(body, new Set(), 0).trim();
        const word = /^[A-Za-z_.?@$][A-Za-z0-9_$#@~.?]*/.exec(text)?.[0];
        if (word !== undefined && word.toLowerCase() !== 'preproc' && this.opts.preprocessOnly) this.emit(f, `[pragma ${text}]`, lineNo);
        break;
      }
      case 'clear': {
        // `%clear [global|context] what...`; alone, NASM's old meaning: every single-line macro (the
        // standard ones too) and every multi-line macro. Aliases go with `defalias`/`alldefine`/`all`.
        const words = this.expandSmacros(body, new Set(), 0).trim().split(/\s+/).filter((w) => w !== '');
        const clear = (defines: boolean, aliases: boolean, mmacros: boolean, context: boolean): void => {
          for (const map of [this.smacros, this.smacrosCI]) {
            for (const [k, v] of map) {
              if (/^\.\.@\d+\./.test(k) !== context) continue;
              if (v.alias !== undefined ? aliases : defines) map.delete(k);
            }
          }
          if (mmacros && !context) this.mmacros.clear();
        };
        if (words.length === 0) clear(true, false, true, false);
        let context = false;
        for (const w of words) {
          const lw = w.toLowerCase();
          if (lw === 'all') clear(true, true, true, context);
          else if (lw === 'define' || lw === 'def' || lw === 'smacro') clear(true, false, false, context);
          else if (lw === 'defalias' || lw === 'alias' || lw === 'salias') clear(false, true, false, context);
          else if (lw === 'alldef' || lw === 'alldefine') clear(true, true, false, context);
          else if (lw === 'macro' || lw === 'mmacro') clear(false, false, true, context);
          else if (lw === 'context' || lw === 'ctx') context = true;
          else if (lw === 'global') context = false;
          else if (!['nothing', 'none', 'ignore', '-', '--'].includes(lw)) {
            if (/^[A-Za-z_.?@$]/.test(w)) this.error(pos, `invalid option to %clear: ${w}`, 'early');
            else this.warn(pos, "trailing garbage after `%clear' ignored [-w+pp-trailing]", 'early');
            break;
          }
        }
        break;
      }
      case 'stacksize': {
        const word = /^\s*([A-Za-z_.?@$][A-Za-z0-9_$#@~.?]*)/.exec(body)?.[1];
        if (word === undefined) {
          this.error(pos, "`%stacksize' missing size parameter", 'early');
          break;
        }
        const frame = STACK_FRAMES[word.toLowerCase()];
        if (!frame) this.error(pos, "`%stacksize' invalid size type", 'early');
        else this.stack = { ...frame };
        break;
      }
      case 'arg':
      case 'local':
        this.stackNames(d, body, pos);
        break;
        break;
      default:
        this.error(pos, `unknown preprocessor directive \`%${d}'`, 'early');
    }
    emitBlank();
  }

  /** The included file, undefined when not found, or why it cannot be read (a readFile that threw a reason). */
  private readInclude(name: string): { text: string; path: string } | { refused: string } | undefined {
    const rf = this.opts.readFile;
    if (!rf) return undefined;
    const tryOne = (p: string): { text: string; path: string } | { refused: string } | undefined => {
      try {
        const d = rf(p);
        return d === undefined ? undefined : { text: decodeFile(d), path: p };
      } catch (e) {
        return e instanceof UnreadableFile ? { refused: e.message } : undefined;
      }
    };
    let r = tryOne(name);
    if (r) return r;
    for (const ip of this.opts.includePaths ?? []) {
      r = tryOne(ip + name);
      if (r) return r;
      if (!ip.endsWith('/')) {
        r = tryOne(ip + '/' + name);
        if (r) return r;
      }
    }
    return undefined;
  }
}

function splitArgsJoin(s: string, skip: number): string {
  // The greedy last parameter keeps its commas: rebuild it from the raw text.
  let depth = 0;
  let q = '';
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') q = c;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      count++;
      if (count === skip) return s.slice(i + 1).trim();
    }
  }
  return skip === 0 ? s.trim() : '';
}

/**
 * The arguments of a single-line macro call whose `(` is at k, as written (commas inside
 * parentheses or braces do not split), and the index after its `)`; none for `()`.
 */
function parseCallArgs(text: string, k: number): [string[] | null, number] {
  let depth = 0;
  let braces = 0;
  let cur = '';
  const args: string[] = [];
  for (let i = k; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const [, j] = readString(text, i);
      cur += text.slice(i, j);
      i = j - 1;
      continue;
    }
    if (c === '{') braces++;
    else if (c === '}') {
      if (braces > 0) braces--;
    } else if (braces > 0) {
      /* inside braces: nothing splits or closes */
    } else if (c === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(cur);
        if (args.length === 1 && args[0].trim() === '') args.length = 0;
        return [args, i + 1];
      }
    } else if (c === ',' && depth === 1) {
      args.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  return [null, k];
}

/** NASM 2.16.01's preprocessor functions besides the `%is...()` family. */
const PP_FUNCTIONS = new Set(['abs', 'count', 'eval', 'str', 'strcat', 'strlen', 'tok', 'sel', 'cond', 'num', 'substr']);
const IS_CONDITIONS = new Set(['', 'def', 'idn', 'idni', 'num', 'str', 'id', 'token', 'empty', 'macro', 'ctx', 'env', 'defalias', 'usable', 'using']);
/** A line that may call a preprocessor function (a cheap test before the expansion scan). */
const PP_FUNCTION_CALL = /%(?:abs|count|eval|str|strcat|strlen|tok|sel|cond|num|substr|is[a-z]*)\s*\(/i;

function isPPFunction(name: string): boolean {
  if (PP_FUNCTIONS.has(name)) return true;
  if (!name.startsWith('is')) return false;
  const c = name.slice(2);
  return IS_CONDITIONS.has(c) || (c.startsWith('n') && c.length > 1 && IS_CONDITIONS.has(c.slice(1)));
}

/** Index of the `}` closing the `{` at `open` (strings skipped), or -1. */
function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'" || c === '`') i = readString(s, i)[1] - 1;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The bytes of `text` when it is one quoted string (blanks around allowed), else undefined. */
function singleString(text: string): string | undefined {
  try {
    const t = tokenize(text);
    return t.length === 1 && t[0].t === 'str' && !t[0].unterminated ? t[0].v : undefined;
  } catch {
    return undefined;
  }
}

function replaceIdents(s: string, f: (id: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"' || c === "'" || c === '`') {
      const [, j] = readString(s, i);
      out += s.slice(i, j);
      i = j;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < s.length && isIdChar(s[j])) j++;
      const w = s.slice(i, j);
      out += f(w) ?? w;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
