// The call chain of a stopped kernel: unwinds the guest's stack with the kernel's CFI
// (.debug_frame, else .eh_frame) and falls back to the frame-pointer chain (RBP) where a
// function has no CFI. The stack is read from the guest's virtual memory through QMP (`memsave`
// translates with the CPU's own page tables), a page at a time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElfFile } from '../elf/index.js';
import { DW_REG_RA, DW_REG_RBP, DW_REG_RSP, tryReadFrameTable, type FrameTable } from '../elf/debugFrame.js';
import { DwarfError } from '../elf/dwarfReader.js';
import type { StackFrame } from '../shared/api.js';
import type { CodeLocator } from './codeLocator.js';
import type { QmpClient } from './qmp.js';

export const MAX_FRAMES = 64;
const PAGE = 4096n;
const MASK64 = (1n << 64n) - 1n;

/** Reads 8 bytes of guest virtual memory; undefined where nothing is mapped. */
export type StackReader = (address: bigint) => Promise<bigint | undefined>;

const tables = new WeakMap<ElfFile, FrameTable | undefined>();

/** The kernel's CFI: `.debug_frame` (Rust kernels built with panic=abort), else `.eh_frame`. */
export function frameTableOf(elf: ElfFile): FrameTable | undefined {
  if (tables.has(elf)) return tables.get(elf);
  let table: FrameTable | undefined;
  for (const name of ['.debug_frame', '.eh_frame']) {
    const s = elf.sections.find((x) => x.name === name && x.type !== 8);
    if (!s || s.offset + s.size > elf.bytes.length) continue;
    const read = tryReadFrameTable(elf.bytes.subarray(s.offset, s.offset + s.size), { ehFrame: name === '.eh_frame', sectionAddress: s.addr });
    if (read.ok && read.table.fdeCount > 0) {
      table = read.table;
      break;
    }
  }
  tables.set(elf, table);
  return table;
}

/** Page-cached reads of guest virtual memory through QMP `memsave` (CPU 0's page tables). */
export function qmpStackReader(qmp: QmpClient): { read: StackReader; dispose(): void } {
  const pages = new Map<bigint, Buffer | null>();
  let dir: string | undefined;
  const page = async (base: bigint): Promise<Buffer | null> => {
    if (pages.has(base)) return pages.get(base)!;
    dir ??= mkdtempSync(join(tmpdir(), 'bootlab-stack-'));
    const file = join(dir, `page-${base.toString(16)}.bin`);
    let bytes: Buffer | null = null;
    try {
      // memsave takes the address as a JSON number: stacks live below 2^53 or in the canonical
      // upper half, which a double cannot hold exactly; those pages are left unread.
      if (base <= BigInt(Number.MAX_SAFE_INTEGER)) {
        await qmp.execute('memsave', { val: Number(base), size: Number(PAGE), filename: file, 'cpu-index': 0 });
        bytes = readFileSync(file);
        if (bytes.length !== Number(PAGE)) bytes = null;
      }
    } catch {
      bytes = null;
    } finally {
      rmSync(file, { force: true });
    }
    pages.set(base, bytes);
    return bytes;
  };
  return {
    read: async (address) => {
      if (address % 8n !== 0n) return undefined;
      const base = address & ~(PAGE - 1n);
      const bytes = await page(base);
      return bytes ? bytes.readBigUInt64LE(Number(address - base)) : undefined;
    },
    dispose: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface UnwindInput {
  /** RIP, RSP and RBP of the stopped CPU. */
  registers: Record<string, bigint>;
  read: StackReader;
  locator: CodeLocator;
  /** RIP is just past the instruction that stopped the CPU (HLT). */
  ripAfterInstruction?: boolean;
}

/** The call chain, innermost first. Never throws: an unreadable step ends the chain. */
export async function unwindStack(input: UnwindInput): Promise<StackFrame[]> {
  const { locator, read } = input;
  const rip = input.registers.RIP;
  if (rip === undefined) return [];
  const table = locator.elf ? frameTableOf(locator.elf) : undefined;
  const frames: StackFrame[] = [];
  let pc = rip;
  let rsp: bigint | undefined = input.registers.RSP;
  let rbp: bigint | undefined = input.registers.RBP;
  let adjust = input.ripAfterInstruction ?? false;
  for (let depth = 0; depth < MAX_FRAMES; depth++) {
    const frame = locator.frame(pc, { returnAddress: adjust });
    if (depth > 0 && frame.symbol === undefined) break; // not kernel code: the chain ends
    frames.push(frame);
    const lookup = (pc - locator.relocationBase - (adjust ? 1n : 0n)) & MASK64;
    let next: { pc: bigint; rsp: bigint; rbp: bigint | undefined } | undefined;
    try {
      next = await stepWithCfi(table, lookup, { rsp, rbp }, read);
    } catch (error) {
      if (!(error instanceof DwarfError)) throw error;
      next = undefined;
    }
    next ??= await stepWithFramePointer(rbp, read);
    if (!next || next.pc === 0n || (rsp !== undefined && next.rsp <= rsp)) break;
    pc = next.pc;
    rsp = next.rsp;
    rbp = next.rbp;
    // Return addresses point after the call: look up the call itself.
    adjust = true;
  }
  return frames;
}

async function stepWithCfi(
  table: FrameTable | undefined,
  pc: bigint,
  regs: { rsp: bigint | undefined; rbp: bigint | undefined },
  read: StackReader,
): Promise<{ pc: bigint; rsp: bigint; rbp: bigint | undefined } | undefined> {
  const row = table?.rowFor(pc);
  if (!row?.cfa) return undefined;
  const base = row.cfa.register === DW_REG_RSP ? regs.rsp : row.cfa.register === DW_REG_RBP ? regs.rbp : undefined;
  if (base === undefined) return undefined;
  const cfa = (base + row.cfa.offset) & MASK64;
  const ra = row.rules.get(row.returnAddressRegister ?? DW_REG_RA);
  if (ra?.kind !== 'offset') return undefined;
  const returnAddress = await read((cfa + ra.offset) & MASK64);
  if (returnAddress === undefined) return undefined;
  const rbpRule = row.rules.get(DW_REG_RBP);
  let rbp = regs.rbp;
  if (rbpRule?.kind === 'offset') rbp = await read((cfa + rbpRule.offset) & MASK64);
  else if (rbpRule && rbpRule.kind !== 'same') rbp = undefined;
  return { pc: returnAddress, rsp: cfa, rbp };
}

/** The classic chain: [RBP] is the caller's RBP, [RBP+8] the return address. */
async function stepWithFramePointer(rbp: bigint | undefined, read: StackReader): Promise<{ pc: bigint; rsp: bigint; rbp: bigint | undefined } | undefined> {
  if (rbp === undefined || rbp === 0n || rbp % 8n !== 0n) return undefined;
  const [savedRbp, returnAddress] = [await read(rbp), await read(rbp + 8n)];
  if (savedRbp === undefined || returnAddress === undefined) return undefined;
  return { pc: returnAddress, rsp: rbp + 16n, rbp: savedRbp };
}
