// The DWARF line table (.debug_line, versions 2 to 5): maps a code address to its source file,
// line and column, as addr2line does. Each unit's line program runs once into sorted sequences;
// a lookup is a binary search. Corrupted input ends in a DwarfError, never a crash or a hang.
import { DwarfCursor, DwarfError, stringAt } from './dwarfReader.js';

export { DwarfError } from './dwarfReader.js';

export interface SourceLocation {
  /** As the compiler recorded it: relative to the crate (`src/main.rs`) or absolute (`/…/core/src/ptr/mod.rs`). */
  file: string;
  line: number;
  /** 0 when the compiler recorded none. */
  column: number;
}

interface Row {
  address: bigint;
  file: string;
  line: number;
  column: number;
}

/** One contiguous run of code: rows sorted by address, `end` exclusive. */
interface Sequence {
  start: bigint;
  end: bigint;
  rows: Row[];
}

export interface LineTable {
  /** The location of the instruction at `address`, or undefined outside every sequence. */
  lookup(address: bigint): SourceLocation | undefined;
  readonly sequenceCount: number;
}

export interface LineSections {
  debugLine: Uint8Array;
  /** `.debug_line_str` (DWARF 5 DW_FORM_line_strp). */
  debugLineStr?: Uint8Array;
  /** `.debug_str` (DW_FORM_strp). */
  debugStr?: Uint8Array;
}

const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_negate_stmt = 6;
const DW_LNS_set_basic_block = 7;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

const DW_FORM_block = 0x09;
const DW_FORM_block1 = 0x0a;
const DW_FORM_data1 = 0x0b;
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_data8 = 0x07;
const DW_FORM_data16 = 0x1e;
const DW_FORM_string = 0x08;
const DW_FORM_strp = 0x0e;
const DW_FORM_udata = 0x0f;
const DW_FORM_line_strp = 0x1f;

/** Bounds on what one table may hold, so a hostile section cannot exhaust memory. */
const MAX_ROWS = 20_000_000;
const ADDRESS_MASK = (1n << 64n) - 1n;

function joinPath(dir: string, name: string): string {
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || !dir) return name;
  return `${dir.replace(/[\\/]+$/, '')}/${name}`;
}

interface Header {
  version: number;
  is64: boolean;
  addressSize: number;
  minInstructionLength: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardLengths: number[];
  /** File names by the index the program uses (1-based before DWARF 5, 0-based from 5). */
  files: string[];
  programStart: number;
  end: number;
}

function readForm(c: DwarfCursor, form: number, is64: boolean, sections: LineSections): string | bigint {
  switch (form) {
    case DW_FORM_string:
      return c.cstring('entry path');
    case DW_FORM_line_strp:
      return stringAt(sections.debugLineStr, '.debug_line_str', c.offsetSized(is64, 'line_strp offset'));
    case DW_FORM_strp:
      return stringAt(sections.debugStr, '.debug_str', c.offsetSized(is64, 'strp offset'));
    case DW_FORM_udata:
      return c.uleb('entry value');
    case DW_FORM_data1:
      return BigInt(c.u8('entry value'));
    case DW_FORM_data2:
      return BigInt(c.u16('entry value'));
    case DW_FORM_data4:
      return BigInt(c.u32('entry value'));
    case DW_FORM_data8:
      return c.u64('entry value');
    case DW_FORM_data16:
      c.skip(16, 'data16 entry');
      return 0n;
    case DW_FORM_block:
      c.skip(c.ulebNumber('block length'), 'block entry');
      return 0n;
    case DW_FORM_block1:
      c.skip(c.u8('block length'), 'block entry');
      return 0n;
    default:
      return c.fail(`unsupported form 0x${form.toString(16)} in a directory or file entry`);
  }
}

/** DWARF 5 directory and file tables: a format description, then the entries. */
function readEntryTable(c: DwarfCursor, is64: boolean, sections: LineSections, what: string): { path?: string; dir?: number }[] {
  const formatCount = c.u8(`${what} format count`);
  const format: [number, number][] = [];
  for (let i = 0; i < formatCount; i++) format.push([c.ulebNumber(`${what} content type`), c.ulebNumber(`${what} form`)]);
  const count = c.ulebNumber(`${what} count`);
  // Each entry takes at least one byte unless the format is empty: bound the loop by the unit.
  if (formatCount > 0 && count > c.end - c.offset) c.fail(`${what} count ${count} exceeds the unit`);
  if (formatCount === 0 && count > 0) c.fail(`${what} has ${count} entries but no format`);
  const entries: { path?: string; dir?: number }[] = [];
  for (let i = 0; i < count; i++) {
    const entry: { path?: string; dir?: number } = {};
    for (const [type, form] of format) {
      const v = readForm(c, form, is64, sections);
      if (type === DW_LNCT_path && typeof v === 'string') entry.path = v;
      else if (type === DW_LNCT_directory_index && typeof v === 'bigint') entry.dir = Number(v);
    }
    entries.push(entry);
  }
  return entries;
}

function readHeader(c: DwarfCursor, sections: LineSections): Header {
  const unitStart = c.offset;
  const { end, is64 } = c.unitLength('line table unit');
  c.end = end;
  const version = c.u16('version');
  if (version < 2 || version > 5) c.fail(`unsupported line table version ${version}`, unitStart);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = c.u8('address size');
    c.u8('segment selector size');
  }
  const headerLength = c.offsetSized(is64, 'header length');
  const programStart = c.offset + headerLength;
  if (programStart > end) c.fail(`header length 0x${headerLength.toString(16)} runs past the unit`, unitStart);
  const minInstructionLength = c.u8('minimum instruction length');
  if (version >= 4) c.u8('maximum operations per instruction');
  const defaultIsStmt = c.u8('default_is_stmt') !== 0;
  const lineBase = c.i8('line_base');
  const lineRange = c.u8('line_range');
  if (lineRange === 0) c.fail('line_range is 0');
  const opcodeBase = c.u8('opcode_base');
  if (opcodeBase === 0) c.fail('opcode_base is 0');
  const standardLengths = [0];
  for (let i = 1; i < opcodeBase; i++) standardLengths.push(c.u8('standard opcode length'));
  const files: string[] = [];
  if (version >= 5) {
    const dirs = readEntryTable(c, is64, sections, 'directory table').map((d) => d.path ?? '');
    for (const [i, f] of readEntryTable(c, is64, sections, 'file table').entries()) {
      if (f.path === undefined) c.fail(`file entry ${i} has no path`);
      // Directory 0 is the compilation directory: its files stay relative (crate-relative for Rust).
      const dir = f.dir ?? 0;
      if (dir !== 0 && dir >= dirs.length) c.fail(`file entry ${i} names directory ${dir} of ${dirs.length}`);
      files.push(dir === 0 ? f.path : joinPath(dirs[dir]!, f.path));
    }
  } else {
    const dirs: string[] = [];
    for (;;) {
      const d = c.cstring('include directory');
      if (!d) break;
      dirs.push(d);
    }
    files.push(''); // file numbers start at 1
    for (;;) {
      const name = c.cstring('file name');
      if (!name) break;
      const dir = c.ulebNumber('file directory index');
      c.uleb('file modification time');
      c.uleb('file length');
      if (dir > dirs.length) c.fail(`file ${name} names directory ${dir} of ${dirs.length}`);
      files.push(dir === 0 ? name : joinPath(dirs[dir - 1]!, name));
    }
  }
  if (c.offset > programStart) c.fail('the header is longer than its header_length says', unitStart);
  return { version, is64, addressSize, minInstructionLength, defaultIsStmt, lineBase, lineRange, opcodeBase, standardLengths, files, programStart, end };
}

function runProgram(c: DwarfCursor, h: Header, sequences: Sequence[], budget: { rows: number }): void {
  c.offset = h.programStart;
  const files = [...h.files];
  let address = 0n;
  let file = h.version >= 5 ? 0 : 1;
  let line = 1;
  let column = 0;
  let rows: Row[] = [];
  const emit = () => {
    if (++budget.rows > MAX_ROWS) c.fail(`more than ${MAX_ROWS} rows`);
    const name = files[file];
    if (name === undefined) c.fail(`row names file ${file} of ${files.length}`);
    rows.push({ address, file: name, line, column });
  };
  const advance = (operations: bigint) => {
    address = (address + operations * BigInt(h.minInstructionLength)) & ADDRESS_MASK;
  };
  const reset = () => {
    address = 0n;
    file = h.version >= 5 ? 0 : 1;
    line = 1;
    column = 0;
    rows = [];
  };
  while (c.offset < h.end) {
    const opcode = c.u8('opcode');
    if (opcode >= h.opcodeBase) {
      const adjusted = opcode - h.opcodeBase;
      advance(BigInt(Math.floor(adjusted / h.lineRange)));
      line += h.lineBase + (adjusted % h.lineRange);
      emit();
    } else if (opcode === 0) {
      const length = c.ulebNumber('extended opcode length');
      if (length === 0) c.fail('extended opcode of length 0');
      const next = c.offset + length;
      if (next > h.end) c.fail('extended opcode runs past the unit');
      const sub = c.u8('extended opcode');
      if (sub === DW_LNE_end_sequence) {
        emit();
        const last = rows.pop()!;
        // Sequences of discarded code sit at 0 (or the linker's tombstone): they would shadow
        // real code at low addresses, so they are not kept.
        const start = rows[0]?.address;
        if (start !== undefined && start !== 0n && start < 0xfffffffffffffffen && last.address > start) {
          sequences.push({ start, end: last.address, rows });
        }
        reset();
      } else if (sub === DW_LNE_set_address) {
        address = c.unsigned(length - 1, 'set_address operand');
      } else if (sub === DW_LNE_define_file) {
        files.push(c.cstring('defined file name'));
      }
      c.offset = next;
    } else {
      switch (opcode) {
        case DW_LNS_copy:
          emit();
          break;
        case DW_LNS_advance_pc:
          advance(c.uleb('advance_pc operand'));
          break;
        case DW_LNS_advance_line: {
          const next = line + Number(c.sleb('advance_line operand'));
          if (!Number.isSafeInteger(next)) c.fail('line number out of range');
          line = next;
          break;
        }
        case DW_LNS_set_file:
          file = c.ulebNumber('set_file operand');
          break;
        case DW_LNS_set_column:
          column = c.ulebNumber('set_column operand');
          break;
        case DW_LNS_negate_stmt:
        case DW_LNS_set_basic_block:
          break;
        case DW_LNS_const_add_pc:
          advance(BigInt(Math.floor((255 - h.opcodeBase) / h.lineRange)));
          break;
        case DW_LNS_fixed_advance_pc:
          address = (address + BigInt(c.u16('fixed_advance_pc operand'))) & ADDRESS_MASK;
          break;
        default:
          // prologue_end, epilogue_begin, set_isa and opcodes from the future: skip their operands.
          for (let i = 0; i < (h.standardLengths[opcode] ?? 0); i++) c.uleb('standard opcode operand');
      }
    }
  }
}

/** Reads every unit of a `.debug_line` section. Throws DwarfError on malformed input. */
export function readLineTable(sections: LineSections): LineTable {
  const sequences: Sequence[] = [];
  const budget = { rows: 0 };
  let offset = 0;
  const bytes = sections.debugLine;
  while (offset < bytes.length) {
    const c = new DwarfCursor(bytes, '.debug_line', offset);
    const header = readHeader(c, sections);
    if (header.addressSize !== 8 && header.addressSize !== 4) c.fail(`unsupported address size ${header.addressSize}`);
    runProgram(c, header, sequences, budget);
    offset = header.end;
  }
  sequences.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return {
    sequenceCount: sequences.length,
    lookup(address) {
      // The last sequence starting at or below the address...
      let lo = 0;
      let hi = sequences.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (sequences[mid]!.start <= address) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      // ...or an earlier one that still covers it (sequences may nest after inlining quirks).
      for (let i = found; i >= 0 && i > found - 8; i--) {
        const seq = sequences[i]!;
        if (address >= seq.end) continue;
        let a = 0;
        let b = seq.rows.length - 1;
        while (a < b) {
          const mid = (a + b + 1) >> 1;
          if (seq.rows[mid]!.address <= address) a = mid;
          else b = mid - 1;
        }
        const row = seq.rows[a]!;
        return { file: row.file, line: row.line, column: row.column };
      }
      return undefined;
    },
  };
}

/** The same, or the reason it could not be read (no exceptions: callers show the reason). */
export function tryReadLineTable(sections: LineSections): { ok: true; table: LineTable } | { ok: false; error: string } {
  try {
    return { ok: true, table: readLineTable(sections) };
  } catch (error) {
    if (error instanceof DwarfError) return { ok: false, error: error.message };
    if (error instanceof RangeError) return { ok: false, error: `.debug_line: ${error.message}` };
    throw error;
  }
}

/** The sections a line table needs, from a parsed ELF (undefined when it has no `.debug_line`). */
export function lineSectionsOf(elf: { bytes: Uint8Array; sections: { name: string; offset: number; size: number; type: number }[] }): LineSections | undefined {
  const section = (name: string) => {
    const s = elf.sections.find((x) => x.name === name && x.type !== 8 /* SHT_NOBITS */);
    if (!s) return undefined;
    if (s.offset + s.size > elf.bytes.length) throw new DwarfError(`${name} lies outside the file`);
    return elf.bytes.subarray(s.offset, s.offset + s.size);
  };
  const debugLine = section('.debug_line');
  return debugLine ? { debugLine, debugLineStr: section('.debug_line_str'), debugStr: section('.debug_str') } : undefined;
}
