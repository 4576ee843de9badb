// Names the code at a runtime address: the function (ELF symbols, demangled) and the source
// line (the DWARF line table), for run outcomes and backtraces. PIE kernels are moved by the
// plan's relocation base; addresses are turned back into link-time ones here.
import { readFileSync } from 'node:fs';
import { symbolize, tryReadElf, type ElfFile } from '../elf/index.js';
import { lineSectionsOf, tryReadLineTable, type LineTable } from '../elf/dwarfLine.js';
import type { StackFrame } from '../shared/api.js';
import { demangle } from './demangle.js';

/** Crates whose frames a backtrace folds: the user did not write them. */
const LIBRARY_PREFIX = /^<?(core|alloc|compiler_builtins|std)::/;

export interface CodeLocator {
  /**
   * The frame for the instruction at `address`. For a return address pass `returnAddress`:
   * the call is the instruction before it, which is what a person wants to see. A bigint reaches
   * higher-half code (above 2^53, where a number cannot hold the address exactly).
   */
  frame(address: number | bigint, options?: { returnAddress?: boolean }): StackFrame;
  /** The parsed kernel (for the unwinder), when it could be read. */
  readonly elf: ElfFile | undefined;
  readonly relocationBase: bigint;
  /** Why there are no source lines (no .debug_line, or a malformed one). */
  readonly lineProblem: string | undefined;
}

/** Sources of the standard library (Debian's, rustup's rust-src, or rustc's remapped /rustc/HASH). */
const LIBRARY_SOURCE = /[\\/]library[\\/](core|alloc|std|stdarch|portable-simd)[\\/]|^[\\/]rustc[\\/]|compiler[-_]builtins/;

/**
 * A frame of the user's own crate: its line is in a crate-relative file, or it is a function of
 * the user's whose line is library code inlined into it (a `spin_loop` in the user's loop).
 */
export function isUserFrame(symbol: string | undefined, file: string | undefined): boolean {
  const libraryFunction = symbol === undefined || LIBRARY_PREFIX.test(symbol);
  if (file === undefined) return !libraryFunction;
  if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return true;
  return !libraryFunction && LIBRARY_SOURCE.test(file);
}

export function codeLocatorFromElf(bytes: Uint8Array, relocationBase = 0n): CodeLocator {
  const parsed = tryReadElf(bytes);
  const elf = parsed.ok ? parsed.elf : undefined;
  let table: LineTable | undefined;
  let lineProblem: string | undefined = parsed.ok ? undefined : parsed.error.message;
  let tableRead = false;
  const lines = (): LineTable | undefined => {
    if (tableRead || !elf) return table;
    tableRead = true;
    try {
      const sections = lineSectionsOf(elf);
      if (!sections) {
        lineProblem = 'the kernel has no .debug_line (built without debug info?)';
        return undefined;
      }
      const read = tryReadLineTable(sections);
      if (read.ok) table = read.table;
      else lineProblem = read.error;
    } catch (error) {
      lineProblem = (error as Error).message;
    }
    return table;
  };
  return {
    elf,
    relocationBase,
    get lineProblem() {
      lines();
      return lineProblem;
    },
    frame(address, options = {}) {
      const exact = typeof address === 'bigint' ? address : Number.isSafeInteger(address) && address >= 0 ? BigInt(address) : undefined;
      // StackFrame.address is a number (the shared API): beyond 2^53 it is only for display.
      const frame: StackFrame = { address: Number(address), inUserCrate: false };
      if (!elf || exact === undefined || exact < 0n || exact >= 1n << 64n) return frame;
      const linked = BigInt.asUintN(64, exact - relocationBase - (options.returnAddress ? 1n : 0n));
      const hit = symbolize(elf, linked);
      if (hit) frame.symbol = demangle(hit.name);
      const where = lines()?.lookup(linked);
      if (where) {
        frame.file = where.file;
        frame.line = where.line;
        if (where.column > 0) frame.column = where.column;
      }
      frame.inUserCrate = isUserFrame(frame.symbol, frame.file);
      return frame;
    },
  };
}

export function codeLocatorFromFile(path: string, relocationBase = 0n): CodeLocator {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    bytes = new Uint8Array();
  }
  return codeLocatorFromElf(bytes, relocationBase);
}

/** `symbol (file:line)`, or what is known of it. */
export function describeFrame(frame: StackFrame): string {
  const name = frame.symbol ?? `0x${frame.address.toString(16)}`;
  return frame.file !== undefined ? `${name} (${frame.file}:${frame.line})` : name;
}
