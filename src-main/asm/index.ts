// Public API of the assembler. No Node built-ins here: files come through `readFile`.

import { Assembler } from './assembler.js';
import { Diags, UnreadableFile, type Diagnostic } from './diagnostics.js';
import { ExprError } from './expr.js';
import { LexError } from './lexer.js';
import { formatListing } from './listing.js';
import { formatMap } from './map.js';
import { LineEncoder } from './lineEncoder.js';
import { LineParser, ParseError, type Stmt } from './parser.js';
import { LOCATION_PROBE, Preprocessor, compileTime, decodeFile, encodeFile, type LocationValue, type PLine } from './preprocessor.js';
import { WarningState } from './warnings.js';

export type { Diagnostic } from './diagnostics.js';
export { UnreadableFile } from './diagnostics.js';
export { WarningState } from './warnings.js';

export interface AssembleOptions {
  fileName?: string;
  /** Contents of a file, undefined when it does not exist; may throw UnreadableFile. */
  readFile?: (path: string) => string | Uint8Array | undefined;
  includePaths?: string[];
  defines?: Record<string, string>;
  /** NASM's -Ox (default), -O0, or -O1 (immediates shrunk, jumps never shortened). */
  optimize?: 'x' | '0' | '1';
  /** NASM warning switches in command-line order, each as `-w`/`-W` takes it: `+x`, `-x`, `no-x`, `error=x`, `all`, ... */
  warnings?: string[];
  /** Output file name shown in a `[map]` file (default: fileName without its extension, as NASM). */
  outputFile?: string;
  /** Environment variables for `%!NAME` and `%ifenv` (none when absent). */
  env?: (name: string) => string | undefined;
  /** The clock for `__DATE__` and its kin, in ms since 1970 (SOURCE_DATE_EPOCH, else now, when absent). */
  compileTime?: number;
  /** Files read before the source, as if %included at its top (NASM's -p/-P). */
  preIncludes?: string[];
}

export interface AsmSymbol {
  name: string;
  value: number;
  section: string;
}

export interface AssembleResult {
  bytes: Uint8Array;
  symbols: AsmSymbol[];
  listing: string;
  diagnostics: Diagnostic[];
  ok: boolean;
  /** Text requested by a `[map ...]` directive; `file` is undefined when NASM would print to stdout. */
  map?: { file?: string; text: string };
}

export function assemble(source: string, givenOptions: AssembleOptions = {}): AssembleResult {
  const fileName = givenOptions.fileName ?? 'input.asm';
  // `%if` on `$`: NASM preprocesses every pass, and its final pass sees the settled layout. Ours
  // preprocesses once, so the assembly is repeated with the results the last one found there
  // until they agree, or stop with an error when they cannot.
  let locationValues: (LocationValue | undefined)[] | undefined;
  const tried = new Set<string>();
  // One clock for every round, as NASM reads it once.
  const options = { ...givenOptions, compileTime: givenOptions.compileTime ?? compileTime(givenOptions.env) };
  for (let round = 0; ; round++) {
    const diags = new Diags();
    try {
      const { result, location, probeLines } = run(source, options, fileName, diags, locationValues);
      const disagree = location.findIndex((v, k) => !sameLocation(v, locationValues?.[k]));
      if (disagree < 0) return result;
      // A chain of N such expressions settles in N+1 rounds; values seen before mean they never will.
      const key = location.map((v) => (v === undefined ? '-' : 'notYetDefined' in v ? `?${v.notYetDefined}` : `${v.n}@${v.seg}`)).join(',');
      if (round >= MAX_LOCATION_ROUNDS || tried.has(key)) {
        const at = probeLines[disagree];
        const message = `the value this expression takes from the assembly (\`$', labels) did not settle after ${round + 1} assemblies`;
        const diagnostics = [...result.diagnostics, { severity: 'error' as const, file: at?.file ?? fileName, line: at?.line ?? 1, column: 1, message }];
        return { bytes: new Uint8Array(0), symbols: [], listing: '', diagnostics, ok: false };
      }
      tried.add(key);
      locationValues = location;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const all = [...diags.early, ...diags.final];
      all.push({ severity: 'error', file: fileName, line: 1, column: 1, message: `internal error: ${msg}` });
      return { bytes: new Uint8Array(0), symbols: [], listing: '', diagnostics: all, ok: false };
    }
  }
}

const MAX_LOCATION_ROUNDS = 500;

const NOTHING_FOUND: LocationValue = { n: 0n, seg: -1 };

/** Whether an assembly found what its preprocessing used (the number 0 where it had nothing yet). */
function sameLocation(found: LocationValue | undefined, used: LocationValue | undefined): boolean {
  const a = found ?? NOTHING_FOUND;
  const b = used ?? NOTHING_FOUND;
  if ('notYetDefined' in a || 'notYetDefined' in b) return 'notYetDefined' in a && 'notYetDefined' in b && a.notYetDefined === b.notYetDefined;
  return a.n === b.n && a.seg === b.seg;
}

function run(source: string, options: AssembleOptions, fileName: string, diags: Diags, locationValues?: (LocationValue | undefined)[]): { result: AssembleResult; location: (LocationValue | undefined)[]; probeLines: (PLine | undefined)[] } {
  const pp = new Preprocessor(
    { fileName, readFile: options.readFile, includePaths: options.includePaths, defines: options.defines, env: options.env, compileTime: options.compileTime, preIncludes: options.preIncludes, locationValues },
    diags,
  );
  const lines = pp.run(source);
  const stmts: Stmt[] = [];
  const parser = new LineParser();
  const lineEncoder = new LineEncoder(options.optimize === '0' ? 0 : options.optimize === '1' ? 1 : 2);
  let l: PLine = lines[0];
  const warnHere = (msg: string, col: number): void => diags.add('early', 'warning', l, col, msg);
  const errorHere = (msg: string, col: number): void => diags.add('early', 'error', l, col, msg);
  for (let i = 0; i < lines.length; i++) {
    l = lines[i];
    if (!l.text) continue;
    if (lineEncoder.read(l.text, i, stmts)) continue;
    diags.seq = i;
    const before = stmts.length;
    try {
      parser.parseLine(l.text, i, stmts, warnHere, errorHere);
    } catch (e) {
      // A label before the error stays defined, as in NASM.
      const col = e instanceof ParseError || e instanceof LexError || e instanceof ExprError ? e.col : 1;
      const msg = e instanceof Error ? e.message : String(e);
      diags.add('early', 'error', l, col, msg);
    }
    lineEncoder.follow(stmts, before);
  }
  for (const w of parser.orphanWarnings) {
    const l = lines[w.line];
    diags.seq = w.line;
    diags.add('early', 'warning', l, w.col, 'label alone on a line without a colon might be in error [-w+label-orphan]');
  }
  const warnings = new WarningState();
  for (const w of options.warnings ?? []) warnings.set(w);
  const applyWarnings = (): void =>
    diags.applyWarnings(
      warnings,
      parser.warningDirectives.map((w) => ({ seq: w.line, pos: lines[w.line], col: w.col, value: w.value })),
    );
  // incbin files are read once, up front.
  const incbins = new Map<string, Uint8Array | string | undefined>();
  // (An indexed loop: this runs once, before the JIT optimizes it, where for-of makes an object per statement.)
  for (let i = 0; i < stmts.length; i++) {
    const st = stmts[i];
    const name = st.k === 'incbin' ? st.name : st.k === 'times' && st.body?.k === 'incbin' ? st.body.name : undefined;
    if (name !== undefined && !incbins.has(name)) incbins.set(name, readBinary(options, name));
  }
  const asm = new Assembler(stmts, lines, diags, options.optimize === '0', incbins, options.optimize === '1', lineEncoder.arena);
  asm.externs = parser.externs;
  // Pass 1 runs even after parse errors: NASM reports every pass-1 error before stopping.
  asm.run();
  applyWarnings();
  const early = diags.hasEarlyErrors || diags.fatal;
  // NASM prints a pass's messages only when that pass has errors, or in the final pass, which repeats
  // pass 1's warnings: so without pass-1 errors everything comes out in one line order.
  const diagnostics = early ? diags.sorted(diags.early) : diags.sorted([...diags.early, ...diags.final]);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  const bytes = ok ? asm.output() : new Uint8Array(0);
  // The listing is formatted on first access: most callers never read it.
  let listing: string | undefined;
  const getListing = (): string => {
    if (listing === undefined) {
      try {
        listing = early ? '' : formatListing(lines, asm.relist(), asm.sections, diags.sorted(listedDiagnostics(diags)), (d) => diags.seqOf(d));
      } catch {
        listing = '';
      }
    }
    return listing;
  };
  let map: AssembleResult['map'];
  if (ok && asm.maps.length) {
    const words = asm.maps[0].args.trim().split(/\s+/);
    const kinds = ['all', 'brief', 'sections', 'segments', 'symbols'];
    const kind = kinds.includes(words[0]?.toLowerCase() ?? '') ? words.shift()!.toLowerCase() : 'all';
    const file = words.length ? words.join(' ') : undefined;
    const output = options.outputFile ?? fileName.replace(/\.[^./\\]*$/, '');
    map = { file, text: formatMap(kind, fileName, output, asm.origin, asm.sections, asm.mapSymbols()) };
  }
  // What each preprocessor expression that refers to the assembly found at its place in this one.
  const location: (LocationValue | undefined)[] = [];
  const probeLines: (PLine | undefined)[] = [];
  for (let k = 0; k < pp.locationProbes; k++) {
    const name = `${LOCATION_PROBE}${k}`;
    const notYetDefined = asm.probesNotYetDefined.get(name);
    const sym = asm.symbols.get(name);
    probeLines.push(sym ? lines[sym.line] : undefined);
    const v = sym?.value;
    if (notYetDefined !== undefined) location.push({ notYetDefined });
    else location.push(v && !v.unk ? { n: v.n, seg: v.minus !== undefined ? v.minus : v.seg } : undefined);
  }
  // The symbol table too is made on first access (the command line never reads it).
  let symbols: AsmSymbol[] | undefined;
  const result: AssembleResult = {
    ...(map ? { map } : {}),
    bytes,
    get symbols() {
      symbols ??= ok ? asm.symbolTable() : [];
      return symbols;
    },
    get listing() {
      return getListing();
    },
    diagnostics,
    ok,
  };
  return { result, location, probeLines };
}

/**
 * The messages a listing shows under their lines: the final pass's, and the warnings only pass 1
 * gives (an orphan label), which NASM's final pass repeats into the listing.
 */
function listedDiagnostics(diags: Diags): Diagnostic[] {
  const seen = new Set(diags.final.map((d) => `${d.file}:${d.line}:${d.message}`));
  return [...diags.final, ...diags.early.filter((d) => d.severity === 'warning' && !seen.has(`${d.file}:${d.line}:${d.message}`))];
}

/** The file's bytes, undefined when not found, or why it cannot be read. */
function readBinary(options: AssembleOptions, name: string): Uint8Array | string | undefined {
  const rf = options.readFile;
  if (!rf) return undefined;
  const toBytes = (d: string | Uint8Array): Uint8Array => (typeof d === 'string' ? new TextEncoder().encode(d) : d);
  const cands = [name, ...(options.includePaths ?? []).flatMap((p) => (p.endsWith('/') ? [p + name] : [p + name, p + '/' + name]))];
  for (const c of cands) {
    try {
      const d = rf(c);
      if (d !== undefined) return toBytes(d);
    } catch (e) {
      if (e instanceof UnreadableFile) return e.message;
      /* try next */
    }
  }
  return undefined;
}

export { decodeFile, encodeFile };
