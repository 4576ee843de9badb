// Everything the inspector shows about a paused machine, gathered in a few bulk reads: the CPU,
// the GDT and IDT, the page tables as merged runs with what each run is, and the kernel's
// segments checked against them (permissions, and for read-only pages the frame's bytes).
import type { ElfFile } from '../../elf/index.js';
import type { BootLog } from '../../image/bootLog.js';
import type { LoadPlan } from '../../image/plan.js';
import { spansOf, type MappingRun, type RecursiveEntry } from '../../image/inspect/pageTables.js';
import type { CpuRegisters } from '../../image/inspect/registers.js';
import { checkSegments, describeRun, kernelSegments, readOnlyPagesOf, runAt, type KernelSegment, type LayoutFacts, type SegmentCheck } from '../../image/inspect/segmentCheck.js';
import { readCpu, readDescriptorTables, readPageTables, guestRamBytes, type DescriptorTables, type MachineLink, type PageTableRead } from './machine.js';

const CR0_PG = 1n << 31n;
const CR4_PAE = 1n << 5n;
const EFER_LMA = 1n << 10n;

/** What Bootlab knows about the kernel it booted: its segments and the loader's layout. */
export interface KernelFacts {
  segments: KernelSegment[];
  layout: LayoutFacts;
  /** Bytes of each read-only page as the loader copies them (from the load plan). */
  readOnlyPages: Map<bigint, Uint8Array>;
  /** Pages the loader maps read-only beyond the segments' flags (0.11: PT_GNU_RELRO). */
  readOnly: { start: bigint; end: bigint }[];
}

export function kernelFactsFromPlan(elf: ElfFile, plan: LoadPlan): KernelFacts {
  const segments = kernelSegments(elf, plan.relocationBase);
  return {
    segments,
    layout: {
      segments,
      stack: plan.stack,
      bootInfo: { address: plan.bootInfo.address, size: plan.bootInfo.layout.size },
      physicalMemoryOffset: plan.physicalMemoryOffset,
      ...(plan.abi011 ? { framebuffer: plan.abi011.framebuffer } : {}),
      ...(plan.abi011?.ramdisk ? { ramdisk: { address: plan.abi011.ramdisk.address, size: BigInt(plan.abi011.ramdisk.bytes) } } : {}),
    },
    readOnlyPages: readOnlyPagesOf(plan),
    readOnly: plan.abi011?.relro ? [plan.abi011.relro] : [],
  };
}

const MASK64 = (1n << 64n) - 1n;

/**
 * The kernel facts as the loader really laid the kernel out, from its boot log: a plan made
 * again here matches the image's except where the plan was random (a bootloader_api 0.11 config
 * that asks for ASLR). The entry record says where the kernel went (the relocation), the stack,
 * boot-info and physical-memory records where those went; what the log does not say under ASLR
 * (the framebuffer, the ramdisk, the relocated bytes of read-only pages) is left out rather
 * than guessed. Without an entry record the plan's facts stand.
 */
export function kernelFactsFromBootLog(elf: ElfFile, plan: LoadPlan, log: BootLog | undefined): { facts: KernelFacts; relocationBase: bigint } {
  const planned = kernelFactsFromPlan(elf, plan);
  if (!log?.entry) return { facts: planned, relocationBase: plan.relocationBase };
  const delta = (log.entry.rip - plan.entry) & MASK64;
  const random = plan.abi011?.config.mappings.aslr === true;
  if (delta === 0n && !random) return { facts: planned, relocationBase: plan.relocationBase };
  const relocationBase = (plan.relocationBase + delta) & MASK64;
  const segments = kernelSegments(elf, relocationBase);
  const shift = (r: { start: bigint; end: bigint }) => ({ start: (r.start + delta) & MASK64, end: (r.end + delta) & MASK64 });
  return {
    relocationBase,
    facts: {
      segments,
      layout: {
        segments,
        ...(log.stack ? { stack: { guard: log.stack.guard, bottom: log.stack.bottom, top: log.stack.top } } : {}),
        ...(log.bootInfo ? { bootInfo: { address: log.bootInfo.address, size: plan.bootInfo.layout.size } } : {}),
        ...(log.physicalMemory ? { physicalMemoryOffset: log.physicalMemory.offset } : {}),
      },
      // The loader relocated them for where it put the kernel: the plan's bytes differ.
      readOnlyPages: new Map(),
      readOnly: planned.readOnly.map(shift),
    },
  };
}

export interface MachineSnapshot {
  cpu: CpuRegisters;
  descriptors: DescriptorTables;
  /** Undefined when paging is off or not 4-level (32-bit paging is not walked). */
  mappings?: { runs: { run: MappingRun; what: string }[]; recursive: RecursiveEntry[]; problems: string[]; tablesRead: number };
  /** Undefined without kernel facts or without mappings. */
  segmentChecks?: SegmentCheck[];
  /** Why something is missing (paging off, ...). */
  notes: string[];
  /** Bulk reads and bytes read for the whole snapshot. */
  reads: number;
  bytes: number;
}

/**
 * `known`: the registers and tables already read during this pause (the app's cache), so that one
 * pause costs one register read and one walk however many views ask.
 */
export async function snapshotMachine(link: MachineLink, kernel?: KernelFacts, known?: { cpu: CpuRegisters; tables: PageTableRead | undefined }): Promise<MachineSnapshot> {
  const cpu = known?.cpu ?? (await readCpu(link.qmp));
  const notes: string[] = [];
  const fourLevel = (cpu.cr0 & CR0_PG) !== 0n && (cpu.cr4 & CR4_PAE) !== 0n && (cpu.efer & EFER_LMA) !== 0n;
  if ((cpu.cr0 & CR0_PG) === 0n) notes.push('paging is off (CR0.PG clear): no page tables to walk');
  else if (!fourLevel) notes.push('paging is not 4-level long-mode paging: the tables are not walked');
  const tables = known ? known.tables : fourLevel ? await readPageTables(link, cpu, await guestRamBytes(link.qmp)) : undefined;
  const descriptors = await readDescriptorTables(link, cpu, tables);
  const snapshot: MachineSnapshot = { cpu, descriptors, notes, reads: 0, bytes: 0 };
  if (tables) {
    const { walk } = tables;
    const layout: LayoutFacts = kernel?.layout ?? { segments: [] };
    snapshot.mappings = { runs: walk.runs.map((run) => ({ run, what: describeRun(run, layout) })), recursive: walk.recursive, problems: walk.problems, tablesRead: walk.tablesRead };
    if (kernel) {
      // The frames behind the kernel's read-only pages, read in one batch, to compare with the plan.
      const frameOf = new Map<bigint, bigint>();
      for (const page of kernel.readOnlyPages.keys()) {
        const run = runAt(walk.runs, page);
        if (run) frameOf.set(page, run.physicalStart + (page - run.virtualStart));
      }
      await tables.readMore(spansOf([...frameOf.values()], 64 * 1024));
      const reader = tables.reader;
      snapshot.segmentChecks = checkSegments(kernel.segments, walk.runs, {
        frameHolds: (page, physical) => {
          const want = kernel.readOnlyPages.get(page);
          const have = want && reader(physical, want.length);
          return want && have ? Buffer.from(want.buffer, want.byteOffset, want.length).equals(Buffer.from(have.buffer, have.byteOffset, have.length)) : undefined;
        },
        readOnly: kernel.readOnly,
      });
    }
    snapshot.reads = tables.reads;
    snapshot.bytes = tables.bytes;
  }
  return snapshot;
}
