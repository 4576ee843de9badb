// The kernel's loadable segments against the walked page tables: is every page of each PT_LOAD
// segment mapped with the permissions the ELF gives it, onto a frame that holds the segment's
// bytes? And what each mapped run is (kernel segment with its sections, stack, boot info,
// physical-memory window, identity map), for people reading the mappings.
import { PF_W, PF_X, PT_LOAD, type ElfFile } from '../../elf/index.js';
import type { LoadPlan } from '../plan.js';
import { PAGE_4K, permissionString, type MappingRun } from './pageTables.js';

const SHF_ALLOC = 2n;
const PAGE = BigInt(PAGE_4K);

export interface KernelSegment {
  /** The program header's index. */
  index: number;
  /** Relocated (run-time) virtual address. */
  vaddr: bigint;
  memsz: bigint;
  writable: boolean;
  executable: boolean;
  /** Allocated sections inside the segment, in address order. */
  sections: string[];
}

/** PT_LOAD segments at their run-time addresses (`relocationBase` for PIE kernels), with their section names. */
export function kernelSegments(elf: ElfFile, relocationBase = 0n): KernelSegment[] {
  const mask = 0xffff_ffff_ffff_ffffn;
  return elf.programHeaders
    .filter((p) => p.type === PT_LOAD && p.memsz > 0n)
    .map((p) => {
      const sections = elf.sections
        .filter((s) => (s.flags & SHF_ALLOC) !== 0n && s.size > 0 && s.addr >= p.vaddr && s.addr < p.vaddr + p.memsz)
        .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0))
        .map((s) => s.name);
      return { index: p.index, vaddr: (p.vaddr + relocationBase) & mask, memsz: p.memsz, writable: (p.flags & PF_W) !== 0, executable: (p.flags & PF_X) !== 0, sections };
    })
    .sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
}

export type SegmentDifference =
  | { kind: 'missing'; start: bigint; end: bigint }
  | { kind: 'permission'; start: bigint; end: bigint; expected: string; actual: string }
  | { kind: 'frame'; start: bigint; end: bigint; physical: bigint };

export interface SegmentCheck {
  segment: KernelSegment;
  expected: string;
  ok: boolean;
  differences: SegmentDifference[];
}

/** Finds the run holding a virtual address (runs sorted by virtual start, as the walk gives them). */
export function runAt(runs: MappingRun[], address: bigint): MappingRun | undefined {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    if (address < r.virtualStart) hi = mid - 1;
    else if (address >= r.virtualEnd) lo = mid + 1;
    else return r;
  }
  return undefined;
}

export interface CheckOptions {
  /**
   * Whether the frame at `physical` holds what the loader should have put at the page `pageVa`
   * (undefined: cannot tell, e.g. a writable page the kernel may have changed).
   */
  frameHolds?: (pageVa: bigint, physical: bigint) => boolean | undefined;
  /**
   * Ranges the loader maps read-only whatever the segment says: bootloader_api 0.11 maps the
   * PT_GNU_RELRO pages (also the ELF's word) read-only.
   */
  readOnly?: { start: bigint; end: bigint }[];
}

/**
 * Checks each segment page by page. A page shared by two segments is expected to carry both
 * segments' permissions (writable if either is, executable if either is).
 */
export function checkSegments(segments: KernelSegment[], runs: MappingRun[], options: CheckOptions = {}): SegmentCheck[] {
  const pageUnion = new Map<bigint, { writable: boolean; executable: boolean }>();
  const pagesOf = (s: KernelSegment) => {
    const first = s.vaddr & ~(PAGE - 1n);
    const end = (s.vaddr + s.memsz + PAGE - 1n) & ~(PAGE - 1n);
    return { first, end };
  };
  for (const s of segments) {
    const { first, end } = pagesOf(s);
    // Only the edge pages can be shared with another segment.
    for (const page of new Set([first, end - PAGE])) {
      const u = pageUnion.get(page);
      pageUnion.set(page, { writable: (u?.writable ?? false) || s.writable, executable: (u?.executable ?? false) || s.executable });
    }
  }
  return segments.map((segment) => {
    const differences: SegmentDifference[] = [];
    const add = (d: SegmentDifference) => {
      const last = differences[differences.length - 1];
      const same =
        last &&
        last.kind === d.kind &&
        last.end === d.start &&
        (d.kind !== 'permission' || (last.kind === 'permission' && last.actual === d.actual && last.expected === d.expected)) &&
        (d.kind !== 'frame' || (last.kind === 'frame' && last.physical + (last.end - last.start) === d.physical));
      if (same) last.end = d.end;
      else differences.push(d);
    };
    const { first, end } = pagesOf(segment);
    for (let page = first; page < end; ) {
      const run = runAt(runs, page);
      if (!run) {
        // Skip to the next mapped run (a large unmapped .bss is one difference, not millions of pages).
        const next = runs.find((r) => r.virtualStart > page);
        const stop = next && next.virtualStart < end ? next.virtualStart : end;
        add({ kind: 'missing', start: page, end: stop });
        page = stop;
        continue;
      }
      const union = pageUnion.get(page) ?? segment;
      const relro = options.readOnly?.some((r) => page >= r.start && page < r.end) ?? false;
      const expected = relro ? { writable: false, executable: union.executable } : union;
      const pageEnd = page + PAGE;
      const physical = run.physicalStart + (page - run.virtualStart);
      if (run.writable !== expected.writable || run.executable !== expected.executable) {
        add({ kind: 'permission', start: page, end: pageEnd, expected: permissionString(expected), actual: permissionString(run) });
      } else if (options.frameHolds?.(page, physical) === false) {
        add({ kind: 'frame', start: page, end: pageEnd, physical });
      }
      page = pageEnd;
    }
    return { segment, expected: permissionString(segment), ok: differences.length === 0, differences };
  });
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** One difference in words: "0x201000..0x202000 is RW-, the ELF says R--". */
export function describeDifference(d: SegmentDifference): string {
  const range = `${hex(d.start)}..${hex(d.end)}`;
  if (d.kind === 'missing') return `${range} is not mapped`;
  if (d.kind === 'permission') return `${range} is ${d.actual}, the ELF says ${d.expected}`;
  return `${range} is mapped to 0x${d.physical.toString(16)}, a frame that does not hold the segment's bytes`;
}

export interface LayoutFacts {
  segments: KernelSegment[];
  stack?: { guard: bigint; bottom: bigint; top: bigint };
  bootInfo?: { address: bigint; size: number };
  physicalMemoryOffset?: bigint;
  /** bootloader_api 0.11: where the framebuffer is mapped (its size is the firmware's). */
  framebuffer?: bigint;
  /** bootloader_api 0.11: the ramdisk's pages. */
  ramdisk?: { address: bigint; size: bigint };
}

const VGA_WINDOW = { start: 0xa0000n, end: 0xc0000n };

/** What a run is, in a few words, from the boot layout: "kernel segment 2 (.text)", "stack", ... */
export function describeRun(run: MappingRun, facts: LayoutFacts): string {
  const what: string[] = [];
  const overlaps = (start: bigint, end: bigint) => start < run.virtualEnd && end > run.virtualStart;
  for (const s of facts.segments) {
    if (overlaps(s.vaddr, s.vaddr + s.memsz)) what.push(`kernel segment ${s.index}${s.sections.length ? ` (${s.sections.join(' ')})` : ''}`);
  }
  if (facts.stack && overlaps(facts.stack.bottom, facts.stack.top)) what.push(`stack (guard page ${hex(facts.stack.guard)})`);
  if (facts.bootInfo && overlaps(facts.bootInfo.address, facts.bootInfo.address + BigInt(facts.bootInfo.size))) what.push('boot info');
  if (facts.framebuffer !== undefined && run.virtualStart === facts.framebuffer) what.push('framebuffer');
  if (facts.ramdisk && overlaps(facts.ramdisk.address, facts.ramdisk.address + facts.ramdisk.size)) what.push('ramdisk');
  if (facts.physicalMemoryOffset !== undefined && run.virtualStart >= facts.physicalMemoryOffset && run.virtualStart - facts.physicalMemoryOffset === run.physicalStart) {
    what.push('physical-memory window');
  }
  if (what.length === 0 && run.virtualStart === run.physicalStart) {
    what.push(run.virtualStart >= VGA_WINDOW.start && run.virtualEnd <= VGA_WINDOW.end ? 'identity map (VGA window)' : 'identity map');
  }
  return what.join(', ') || '-';
}

/**
 * The bytes the loader copies to each read-only page of the kernel (relocations applied), from
 * the load plan: what `frameHolds` compares a mapped frame with. Writable pages are left out
 * (the kernel may have changed them), and so are zero-filled ones.
 */
export function readOnlyPagesOf(plan: LoadPlan): Map<bigint, Uint8Array> {
  const pages = new Map<bigint, Uint8Array>();
  for (const run of plan.runs) {
    if (!run.data || run.writable) continue;
    for (let i = 0; i < run.pages; i++) {
      const at = (run.payloadPage + i) * PAGE_4K;
      pages.set(run.vaddr + BigInt(i) * PAGE, plan.payload.subarray(at, at + PAGE_4K));
    }
  }
  return pages;
}
