// The DWARF readers (src-main/elf/dwarfLine.ts, debugFrame.ts) on real kernels, checked against
// LLVM's and binutils' own readers (llvm-dwarfdump, addr2line: test oracles only, Bootlab never
// runs them), and fed corrupted sections: they must answer or fail with a DwarfError, never
// crash or hang.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readElf } from '../elf/index.js';
import { DwarfError, lineSectionsOf, readLineTable, type LineSections } from '../elf/dwarfLine.js';
import { readFrameTable, type FrameRow } from '../elf/debugFrame.js';
import { cargoInvocation } from './cargo.js';
import { FRAME_POINTER_TARGET_DIR, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findRust } from './toolchain.js';

const OUTCOMES = join(REPO_ROOT, 'fixtures', 'crates', 'outcomes');
const KERNELS = ['halt', 'panic', 'triple_fault'].map((k) => join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', k));
let tmp: string;

beforeAll(async () => {
  const { rust } = await findRust();
  if (!rust) throw new Error('these tests need a Rust toolchain that can build kernels (see bootlab doctor)');
  const inv = cargoInvocation({ projectDir: OUTCOMES, toolchain: rust, subcommand: 'build', targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  const r = spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`building the outcomes kernels failed:\n${r.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'bootlab-dwarf-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface OracleRow {
  address: bigint;
  file: string;
  line: number;
  column: number;
}

/**
 * llvm-dwarfdump's rows: per unit the file table and the rows; the last row at an address wins
 * (what a lookup of that address answers); end_sequence rows and discarded code at 0 are left out.
 */
function dwarfdumpRows(elfPath: string): OracleRow[] {
  const text = execFileSync('llvm-dwarfdump', ['--debug-line', elfPath], { encoding: 'utf8', maxBuffer: 512 << 20 });
  const rows = new Map<bigint, OracleRow>();
  let dirs: string[] = [];
  let files: string[] = [];
  let pendingName: string | undefined;
  let skipSequence = false;
  let sequenceRows: OracleRow[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('debug_line[')) {
      dirs = [];
      files = [];
      continue;
    }
    const dir = /^include_directories\[\s*(\d+)\] = "(.*)"$/.exec(line);
    if (dir) dirs[Number(dir[1])] = dir[2]!;
    const name = /^\s+name: "(.*)"$/.exec(line);
    if (name) pendingName = name[1];
    const dirIndex = /^\s+dir_index: (\d+)$/.exec(line);
    if (dirIndex && pendingName !== undefined) {
      const d = Number(dirIndex[1]);
      files.push(d === 0 ? pendingName : `${dirs[d]}/${pendingName}`);
      pendingName = undefined;
    }
    const row = /^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s.*?$/.exec(line);
    if (row) {
      const address = BigInt(`0x${row[1]}`);
      if (sequenceRows.length === 0) skipSequence = address === 0n;
      // v4 file numbers are 1-based: files[0] is file 1.
      sequenceRows.push({ address, file: files[Number(row[4]) - 1]!, line: Number(row[2]), column: Number(row[3]) });
      if (line.includes('end_sequence')) {
        sequenceRows.pop();
        if (!skipSequence) for (const r of sequenceRows) rows.set(r.address, r);
        sequenceRows = [];
      }
    }
  }
  return [...rows.values()];
}

function sectionsOf(path: string): LineSections {
  const sections = lineSectionsOf(readElf(readFileSync(path)));
  if (!sections) throw new Error(`${path} has no .debug_line`);
  return sections;
}

describe('.debug_line reader', () => {
  it.each(KERNELS)('answers every row of %s as llvm-dwarfdump lists it', (path) => {
    const table = readLineTable(sectionsOf(path));
    const expected = dwarfdumpRows(path);
    expect(expected.length).toBeGreaterThan(1000);
    const mismatches = expected.filter((row) => {
      const got = table.lookup(row.address);
      return !got || got.file !== row.file || got.line !== row.line || got.column !== row.column;
    });
    expect(mismatches.slice(0, 5).map((r) => ({ ...r, got: table.lookup(r.address) }))).toEqual([]);
  });

  it('agrees with addr2line on the triple-fault kernel\'s own functions', () => {
    const path = KERNELS[2]!;
    const table = readLineTable(sectionsOf(path));
    const symbols = execFileSync('llvm-nm', ['--defined-only', path], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^([0-9a-f]+) [tT] (\S*triple_fault\S*level\S*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(symbols.length).toBe(3);
    // Addresses inside each function: its start and a few bytes on.
    const addresses = symbols.flatMap((m) => [0n, 1n, 4n, 9n].map((d) => BigInt(`0x${m[1]}`) + d));
    const oracle = execFileSync('addr2line', ['-e', path, ...addresses.map((a) => `0x${a.toString(16)}`)], { encoding: 'utf8' }).trim().split('\n');
    for (const [i, address] of addresses.entries()) {
      const got = table.lookup(address);
      const [file, line] = oracle[i]!.replace(/ \(discriminator \d+\)$/, '').split(/:(?=\d+$)/);
      expect(`${OUTCOMES}/${got?.file}:${got?.line}`).toBe(`${file}:${line}`);
    }
  });

  it('reads DWARF 5 tables (directory and file entry formats, .debug_line_str) as llvm-dwarfdump does', () => {
    const source = join(tmp, 'five.c');
    writeFileSync(source, 'static int twice(int x) {\n  return x * 2;\n}\nint main(void) {\n  return twice(21) - 42;\n}\n');
    const exe = join(tmp, 'five');
    execFileSync('gcc', ['-gdwarf-5', '-O0', '-o', exe, source]);
    const table = readLineTable(sectionsOf(exe));
    const text = execFileSync('llvm-dwarfdump', ['--debug-line', exe], { encoding: 'utf8' });
    const rows = [...text.matchAll(/^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s.*$/gm)].filter((m) => !m[0].includes('end_sequence'));
    expect(rows.length).toBeGreaterThan(4);
    const last = new Map<string, RegExpMatchArray>();
    for (const m of rows) last.set(m[1]!, m);
    for (const m of last.values()) {
      const got = table.lookup(BigInt(`0x${m[1]}`));
      expect({ line: got?.line, column: got?.column, file: got?.file.replace(/^.*\//, '') }).toEqual({ line: Number(m[2]), column: Number(m[3]), file: 'five.c' });
    }
  });
});

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('.debug_line reader on corrupted sections', () => {
  it('answers or throws a DwarfError for every corruption, never anything else', () => {
    const original = sectionsOf(KERNELS[2]!).debugLine;
    // The first units only: enough structure to corrupt, small enough to run thousands of times.
    const prefix = original.subarray(0, Math.min(original.length, 6000));
    const next = random(0x1407);
    const outcomes = { answered: 0, rejected: 0 };
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from(prefix);
      const kind = round % 3;
      if (kind === 0) {
        for (let i = 0; i < 1 + Math.floor(next() * 8); i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      } else if (kind === 1) {
        // Lengths and counts are the dangerous fields: set 4 bytes at a time to extreme values.
        const at = Math.floor(next() * (bytes.length - 4));
        bytes.set([0xff, 0xff, 0xff, next() < 0.5 ? 0xff : 0x7f], at);
      }
      const cut = kind === 2 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : bytes;
      try {
        const table = readLineTable({ debugLine: cut });
        table.lookup(0x204000n);
        outcomes.answered++;
      } catch (error) {
        if (!(error instanceof DwarfError)) throw new Error(`round ${round}: ${String(error)}`);
        expect((error as Error).message).toMatch(/^\.debug_line(_str)? at offset 0x[0-9a-f]+: |^\.debug_(line_)?str/);
        outcomes.rejected++;
      }
    }
    expect(outcomes.answered + outcomes.rejected).toBe(3000);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });
});

const REGISTER_NAMES = ['RAX', 'RDX', 'RCX', 'RBX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15', 'RIP'];

/** A row as llvm-dwarfdump prints it: `CFA=RSP+16: RBX=[CFA-24], RIP=[CFA-8]`. */
function formatRow(row: FrameRow): string {
  const cfa = row.cfa ? `CFA=${REGISTER_NAMES[row.cfa.register]}${row.cfa.offset >= 0n ? '+' : ''}${row.cfa.offset}` : 'CFA=?';
  const rules = [...row.rules.entries()]
    .sort(([a], [b]) => a - b)
    .map(([reg, rule]) => `${REGISTER_NAMES[reg]}=${rule.kind === 'offset' ? `[CFA${rule.offset >= 0n ? '+' : ''}${rule.offset}]` : rule.kind}`);
  return `${cfa}: ${rules.join(', ')}`;
}

function section(path: string, name: string): { bytes: Uint8Array; address: bigint } {
  const elf = readElf(readFileSync(path));
  const s = elf.sections.find((x) => x.name === name);
  if (!s) throw new Error(`${path} has no ${name}`);
  return { bytes: elf.bytes.subarray(s.offset, s.offset + s.size), address: s.addr };
}

/** Every row of the oracle's unwind tables (`0x204044: CFA=RSP+64: RIP=[CFA-8]`) above `minimum`. */
function oracleRows(path: string, flag: string, minimum: bigint): [bigint, string][] {
  const text = execFileSync('llvm-dwarfdump', [flag, path], { encoding: 'utf8', maxBuffer: 512 << 20 });
  return [...text.matchAll(/^\s+0x([0-9a-f]+): (CFA=.*)$/gm)].map((m) => [BigInt(`0x${m[1]}`), m[2]!] as [bigint, string]).filter(([a]) => a >= minimum);
}

describe('call frame information reader', () => {
  // Built by the test warm-up (scripts/test-warmup.ts).
  const FRAME_POINTER_KERNEL = join(FRAME_POINTER_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'triple_fault');
  it.each([KERNELS[0]!, KERNELS[2]!])('computes every .debug_frame row of %s as llvm-dwarfdump does', (path) => {
    const table = readFrameTable(section(path, '.debug_frame').bytes);
    const rows = oracleRows(path, '--debug-frame', 0x200000n);
    expect(rows.length).toBeGreaterThan(1000);
    const wrong = rows.filter(([address, text]) => formatRow(table.rowFor(address)!) !== text);
    expect(wrong.slice(0, 5).map(([a, t]) => ({ address: a.toString(16), oracle: t, got: formatRow(table.rowFor(a)!) }))).toEqual([]);
  });

  it('computes the frame-pointer kernel\'s rows too (CFA=RBP+16 after the prologue)', () => {
    const table = readFrameTable(section(FRAME_POINTER_KERNEL, '.debug_frame').bytes);
    const rows = oracleRows(FRAME_POINTER_KERNEL, '--debug-frame', 0x200000n);
    expect(rows.some(([, t]) => t.startsWith('CFA=RBP+16'))).toBe(true);
    expect(rows.filter(([address, text]) => formatRow(table.rowFor(address)!) !== text)).toEqual([]);
  });

  it('reads .eh_frame (pc-relative pointers, augmentation data) as llvm-dwarfdump does', () => {
    const exe = join(tmp, 'eh');
    const source = join(tmp, 'eh.c');
    writeFileSync(source, 'int f(int x) { int a[8]; for (int i = 0; i < 8; i++) a[i] = x + i; return a[x & 7]; }\nint main(void) { return f(3) - 6; }\n');
    execFileSync('gcc', ['-O0', '-o', exe, source]);
    const { bytes, address } = section(exe, '.eh_frame');
    const table = readFrameTable(bytes, { ehFrame: true, sectionAddress: address });
    const rows = oracleRows(exe, '--eh-frame', 1n);
    expect(rows.length).toBeGreaterThan(5);
    const wrong = rows.filter(([a, text]) => (table.rowFor(a) ? formatRow(table.rowFor(a)!) : 'none') !== text);
    // Expression rules (the PLT's) are printed by the oracle as DWARF expressions, not compared.
    expect(wrong.filter(([, t]) => !t.includes('DW_OP')).map(([a, t]) => ({ address: a.toString(16), oracle: t, got: table.rowFor(a) && formatRow(table.rowFor(a)!) }))).toEqual([]);
  });

  it('answers or throws a DwarfError for every corrupted .debug_frame, never anything else', () => {
    const original = section(KERNELS[2]!, '.debug_frame').bytes;
    const prefix = original.subarray(0, Math.min(original.length, 8000));
    const probe = oracleRows(KERNELS[2]!, '--debug-frame', 0x200000n).slice(0, 40).map(([a]) => a);
    const next = random(0xcf1);
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from(prefix);
      if (round % 2 === 0) {
        for (let i = 0; i < 1 + Math.floor(next() * 8); i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      } else {
        bytes.set([0xff, 0xff, 0xff, next() < 0.5 ? 0xff : 0x7f], Math.floor(next() * (bytes.length - 4)));
      }
      try {
        const table = readFrameTable(round % 5 === 0 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : bytes);
        for (const a of probe) table.rowFor(a);
      } catch (error) {
        if (!(error instanceof DwarfError)) throw new Error(`round ${round}: ${String(error)}`);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
