// A paused VM, looked at through QMP: the CPU's registers, its GDT and IDT, and its page tables
// read level by level with one bulk read (pmemsave) per level, never one round trip per page.
// Pause, resume and one-instruction steps (gdbStep.ts) for the app and the CLI.
import { decodeGdt, decodeIdt, decodeTss64, type GdtEntry, type IdtEntry, type Tss64 } from '../../image/inspect/descriptors.js';
import { PAGE_4K, piecesReader, referencedTables, spansOf, translate, walkPageTables, type PhysicalReader, type WalkResult } from '../../image/inspect/pageTables.js';
import { parseInfoRegisters, type CpuRegisters } from '../../image/inspect/registers.js';
import type { QmpClient } from '../qmp.js';
import { GdbStepper, STEP_TIMEOUT_MS, StepError } from './gdbStep.js';

/** Reads guest physical memory in one piece (QemuSession.readMemory: one pmemsave). */
export type PhysicalRead = (address: number, length: number) => Promise<Buffer>;

export interface MachineLink {
  qmp: QmpClient;
  readPhysical: PhysicalRead;
}

const EFER_NXE = 1n << 11n;
const CR0_PG = 1n << 31n;
const RFLAGS_IF = 1n << 9n;
/** Frames closer than this are read in one piece (a few wasted KiB beat a round trip). */
const SPAN_GAP = 64 * 1024;

export interface PageTableRead {
  walk: WalkResult;
  /** Physical memory read so far (the tables and whatever `readMore` added). */
  reader: PhysicalReader;
  /** Bulk reads made and bytes read, for the benchmark and the tests. */
  reads: number;
  bytes: number;
  /** Reads the given physical spans in one batch and makes them available to `reader`. */
  readMore(spans: { start: bigint; length: number }[]): Promise<void>;
}

/** The guest's RAM, from QMP (to tell a frame outside RAM from one worth reading). */
export async function guestRamBytes(qmp: QmpClient): Promise<bigint | undefined> {
  try {
    const summary = await qmp.execute<{ 'base-memory'?: number }>('query-memory-size-summary');
    return summary['base-memory'] !== undefined ? BigInt(summary['base-memory']) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a physical range can hold RAM: below the RAM size, or for large guests above the 4 GiB line too. */
function inRam(start: bigint, length: number, ram: bigint | undefined): boolean {
  if (ram === undefined) return true;
  const end = start + BigInt(length);
  const below4g = ram < 0xc000_0000n ? ram : 0xc000_0000n;
  return end <= below4g || (ram > below4g && start >= 0x1_0000_0000n && end <= 0x1_0000_0000n + (ram - below4g));
}

export async function readCpu(qmp: QmpClient): Promise<CpuRegisters> {
  return parseInfoRegisters(await qmp.hmp('info registers'));
}

/**
 * Walks the page tables from CR3: level 4's table, then all level-3 tables it names in one batch
 * of reads, and so on; each batch is a few pmemsaves of contiguous spans (the loaders put their
 * tables together, so a 1 TiB window's 1024 tables are one read).
 */
export async function readPageTables(link: MachineLink, cpu: Pick<CpuRegisters, 'cr3' | 'efer'>, ram?: bigint): Promise<PageTableRead> {
  const pieces: { start: bigint; bytes: Uint8Array }[] = [];
  let reads = 0;
  let bytes = 0;
  const readMore = async (spans: { start: bigint; length: number }[]) => {
    const wanted = spans.filter((s) => inRam(s.start, s.length, ram));
    const got = await Promise.all(wanted.map((s) => link.readPhysical(Number(s.start), s.length)));
    wanted.forEach((s, i) => {
      reads++;
      bytes += got[i]!.length;
      pieces.push({ start: s.start, bytes: got[i]! });
    });
  };
  const root = cpu.cr3 & 0x000f_ffff_ffff_f000n;
  let frames = [root];
  for (let level = 4; level >= 1 && frames.length > 0; level--) {
    const known = piecesReader(pieces);
    await readMore(spansOf(frames.filter((f) => !known(f, PAGE_4K)), SPAN_GAP));
    const reader = piecesReader(pieces);
    const next: bigint[] = [];
    for (const frame of frames) {
      const table = reader(frame, PAGE_4K);
      if (table) next.push(...referencedTables(table, level, root));
    }
    frames = next;
  }
  let reader = piecesReader(pieces);
  const walk = walkPageTables(cpu.cr3, reader, { noExecuteEnabled: (cpu.efer & EFER_NXE) !== 0n });
  return {
    walk,
    get reader() {
      return reader;
    },
    get reads() {
      return reads;
    },
    get bytes() {
      return bytes;
    },
    async readMore(spans) {
      await readMore(spans);
      reader = piecesReader(pieces);
    },
  };
}

/** Reads `length` bytes at a linear address (through the page tables when paging is on). */
export async function readLinear(link: MachineLink, cpu: CpuRegisters, tables: PageTableRead | undefined, address: bigint, length: number): Promise<Uint8Array | string> {
  if (length === 0) return new Uint8Array(0);
  const paging = (cpu.cr0 & CR0_PG) !== 0n;
  const out = new Uint8Array(length);
  const wanted: { start: bigint; length: number; at: number }[] = [];
  for (let at = 0; at < length; ) {
    const linear = address + BigInt(at);
    const inPage = Math.min(length - at, PAGE_4K - Number(linear & 0xfffn));
    let physical = linear;
    if (paging && tables) {
      const t = translate(linear, cpu.cr3, tables.reader, { noExecuteEnabled: (cpu.efer & EFER_NXE) !== 0n });
      if (!t.mapped) return `0x${linear.toString(16)}: ${t.reason}`;
      physical = t.physical;
    }
    wanted.push({ start: physical, length: inPage, at });
    at += inPage;
  }
  const got = await Promise.all(wanted.map((w) => link.readPhysical(Number(w.start), w.length)));
  wanted.forEach((w, i) => out.set(got[i]!.subarray(0, w.length), w.at));
  return out;
}

export interface DescriptorTables {
  gdt: GdtEntry[] | string;
  idt: IdtEntry[] | string;
  /** Long mode with a task register loaded: its TSS, or why it could not be read. */
  tss?: Tss64 | string;
}

/** The GDT and IDT as the CPU sees them (GDTR/IDTR hold linear addresses). */
export async function readDescriptorTables(link: MachineLink, cpu: CpuRegisters, pageTables: PageTableRead | undefined): Promise<DescriptorTables> {
  const longMode = cpu.mode === 'long' || cpu.mode === 'compatibility';
  const idtMode = cpu.mode === 'real' ? 'real' : longMode ? 'long' : 'protected';
  const [gdt, idt] = await Promise.all([
    cpu.gdt.limit === 0 ? new Uint8Array(0) : readLinear(link, cpu, pageTables, cpu.gdt.base, Math.min(cpu.gdt.limit + 1, 65536)),
    cpu.idt.limit === 0 ? new Uint8Array(0) : readLinear(link, cpu, pageTables, cpu.idt.base, Math.min(cpu.idt.limit + 1, 4096)),
  ]);
  const descriptors: DescriptorTables = {
    gdt: typeof gdt === 'string' ? gdt : decodeGdt(gdt, longMode),
    idt: typeof idt === 'string' ? idt : decodeIdt(idt, idtMode),
  };
  const tr = cpu.segments.find((s) => s.name === 'TR');
  if (longMode && tr && tr.selector !== 0) {
    const bytes = await readLinear(link, cpu, pageTables, tr.base, 104);
    descriptors.tss = typeof bytes === 'string' ? bytes : (decodeTss64(bytes) ?? 'the TSS is shorter than 104 bytes');
  }
  return descriptors;
}

/** Pause, resume and step of one VM; the gdbstub for steps is attached on the first step. */
export class MachineControl {
  private stepper: GdbStepper | undefined;

  constructor(private readonly qmp: QmpClient) {}

  async isRunning(): Promise<boolean> {
    const status = await this.qmp.execute<{ running?: boolean }>('query-status');
    return status.running === true;
  }

  async pause(): Promise<void> {
    await this.qmp.execute('stop');
  }

  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  /** Executes `count` instructions one by one (pausing first when the VM runs); the VM stays paused. */
  async step(count = 1): Promise<void> {
    if (await this.isRunning()) await this.pause();
    // HLT with interrupts off never completes: say so at once instead of after the step's timeout.
    const cpu = await readCpu(this.qmp);
    if (cpu.halted && (cpu.rflags & RFLAGS_IF) === 0n) throw new StepError('the CPU is halted with interrupts off (HLT, IF clear): no instruction can run until a reset');
    if (!this.stepper || this.stepper.isClosed) this.stepper = await GdbStepper.attach(this.qmp);
    try {
      for (let i = 0; i < count; i++) await this.stepper.step();
    } catch (error) {
      // HLT with interrupts on: the next instruction runs only after an interrupt, and none came.
      if (error instanceof StepError && cpu.halted && /did not complete/.test(error.message)) {
        throw new StepError(`the CPU is in HLT waiting for an interrupt, and none came within ${STEP_TIMEOUT_MS} ms (are its interrupts masked?): resume it instead`);
      }
      throw error;
    }
  }

  dispose(): void {
    this.stepper?.close();
    this.stepper = undefined;
  }
}
