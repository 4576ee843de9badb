// Where a bootloader_api 0.11 kernel's mappings go (BOOT-CONTRACT-011 §1.5 and §3.5): its
// config says Dynamic or FixedAddress for each; Dynamic ones take the lowest run of free level-4
// slots (512 GiB each) in upstream's order (PIE kernel base, stack, framebuffer, ramdisk,
// physical memory, recursive index, boot info). Slots are marked used first for the loader's
// identity region (slot 0: the first 512 GiB, physical memory and the framebuffer below 4 GiB),
// every Fixed mapping, an ET_EXEC kernel's segments and everything outside the config's dynamic
// range. With `aslr` in the config each Dynamic request takes a random free run of slots and a
// random aligned offset inside it (upstream's rule); the choice is made when the image is written,
// so every image (`run`, `runner` and the app write one per run) gets other addresses. Pure but
// for that randomness, which callers may pass in; `PlanError` names the config field.
import type { BootloaderConfig, Mapping } from './bootloaderConfig.js';
import { PlanError } from './planError.js';

export const SLOT_BYTES = 1n << 39n;
const PAGE = 4096n;
/** BootInfo (232 bytes) and its region array share these pages (room for 300+ regions). */
export const BOOT_INFO_011_PAGES = 3;
export const BOOT_INFO_011_SIZE = 232;
/** The framebuffer's size is only known at boot: it gets a slot of its own; ASLR offsets leave it 1 GiB. */
const FRAMEBUFFER_PLANNED = 1n << 30n;

/** A uniformly random integer in [0, bound); bound >= 1. */
export type RandomBelow = (bound: bigint) => bigint;

/** RandomBelow from the platform's cryptographic generator (Web Crypto, also in Node). */
export function cryptoRandomBelow(bound: bigint): bigint {
  const words = new Uint32Array(4);
  globalThis.crypto.getRandomValues(words);
  let n = 0n;
  for (const w of words) n = (n << 32n) | BigInt(w);
  // 128 random bits modulo a bound below 2^64: the bias is below 2^-64.
  return n % bound;
}
/**
 * The physical-memory map covers max(end of the firmware's highest map entry, 4 GiB) (§1.5),
 * which the plan cannot know: it reserves 1 TiB, what QEMU reports (its E820 list ends with a
 * reserved range below 1 TiB). A larger machine makes stage3 stop with a page-table collision
 * rather than map over something else.
 */
export const PHYS_MAP_PLANNED = 1n << 40n;

export interface KernelFacts011 {
  pie: boolean;
  /** Lowest PT_LOAD p_vaddr and the end of the highest (link addresses). */
  minVaddr: bigint;
  maxEnd: bigint;
  /** Largest PT_LOAD p_align (at least a page). */
  maxAlign: bigint;
  /** ET_EXEC: the segments' link ranges (their slots are taken). */
  execRanges: { start: bigint; end: bigint }[];
  /** Ramdisk bytes, when there is one. */
  ramdiskBytes?: bigint;
}

export interface Placement011 {
  relocationBase: bigint;
  stackGuard: bigint;
  framebuffer: bigint;
  ramdisk?: bigint;
  physicalMemoryOffset?: bigint;
  recursiveIndex?: number;
  bootInfo: bigint;
  /** Slots in use once everything is placed. */
  usedSlots: number[];
}

export function slotOf(a: bigint): number {
  return Number((a >> 39n) & 511n);
}

/** The canonical address of slot `i`'s first byte. */
export function slotBase(i: number): bigint {
  const a = BigInt(i) << 39n;
  return i >= 256 ? a | 0xffff_0000_0000_0000n : a;
}

function where(field: string): string {
  return `.bootloader-config mappings.${field}`;
}

/** Slots from `start` through `end - 1` (canonical addresses). */
function slotsCovering(start: bigint, end: bigint): number[] {
  const out: number[] = [];
  for (let i = slotOf(start); ; i++) {
    out.push(i);
    if (i >= slotOf(end - 1n) || i >= 511) break;
  }
  return out;
}

function checkCanonical(field: string, a: bigint, what: string): void {
  const top = a >> 47n;
  if (top !== 0n && top !== 0x1ffffn) throw new PlanError(`mappings.${field}`, `${where(field)}: ${what} 0x${a.toString(16)} is not a canonical x86-64 address`);
}

function checkAligned(field: string, a: bigint, align: bigint, what: string, why = ''): void {
  if (a % align !== 0n) throw new PlanError(`mappings.${field}`, `${where(field)}: ${what} 0x${a.toString(16)} is not aligned to 0x${align.toString(16)}${why ? ` (${why})` : ''}`);
}

/** Decide every 0.11 address. `stackBytes` is kernel_stack_size (already checked non-zero). */
export function place011(config: BootloaderConfig, kernel: KernelFacts011, randomBelow: RandomBelow = cryptoRandomBelow): Placement011 {
  const m = config.mappings;
  const used = new Set<number>([0]);
  const fixed = (map: Mapping | null): bigint | undefined => (map && map.kind === 'fixed' ? map.address : undefined);

  // Fixed addresses: checked, and their slots taken.
  const stackBytes = config.kernelStackSize;
  const stackPages = (stackBytes + PAGE - 1n) / PAGE;
  const stackSpan = (1n + stackPages) * PAGE;
  const fStack = fixed(m.kernelStack);
  if (fStack !== undefined) {
    checkCanonical('kernel_stack', fStack, 'the stack address');
    checkAligned('kernel_stack', fStack, PAGE, 'the stack address');
    for (const s of slotsCovering(fStack, fStack + stackSpan)) used.add(s);
  }
  const fBoot = fixed(m.bootInfo);
  if (fBoot !== undefined) {
    checkCanonical('boot_info', fBoot, 'the boot info address');
    checkAligned('boot_info', fBoot, 8n, 'the boot info address');
    used.add(slotOf(fBoot));
  }
  const fFb = fixed(m.framebuffer);
  if (fFb !== undefined) {
    checkCanonical('framebuffer', fFb, 'the framebuffer address');
    checkAligned('framebuffer', fFb, PAGE, 'the framebuffer address');
    used.add(slotOf(fFb));
  }
  const fPhys = fixed(m.physicalMemory);
  if (fPhys !== undefined) {
    checkCanonical('physical_memory', fPhys, 'the physical memory offset');
    checkAligned('physical_memory', fPhys, 0x200000n, 'the physical memory offset', 'it is mapped with 2 MiB pages');
    for (const s of slotsCovering(fPhys, fPhys + PHYS_MAP_PLANNED)) used.add(s);
  }
  const fRec = fixed(m.pageTableRecursive);
  if (fRec !== undefined) {
    checkCanonical('page_table_recursive', fRec, 'the recursive page-table address');
    checkAligned('page_table_recursive', fRec, SLOT_BYTES, 'the recursive page-table address', 'it names a whole level-4 entry, 512 GiB');
    used.add(slotOf(fRec));
  }
  const fRamdisk = kernel.ramdiskBytes !== undefined ? fixed(m.ramdiskMemory) : undefined;
  if (fRamdisk !== undefined) {
    checkCanonical('ramdisk_memory', fRamdisk, 'the ramdisk address');
    checkAligned('ramdisk_memory', fRamdisk, PAGE, 'the ramdisk address');
    for (const s of slotsCovering(fRamdisk, fRamdisk + (kernel.ramdiskBytes! > 0n ? kernel.ramdiskBytes! : 1n))) used.add(s);
  }
  const kernelSize = kernel.maxEnd - kernel.minVaddr;
  const fBase = fixed(m.kernelBase);
  if (!kernel.pie) {
    if (fBase !== undefined) throw new PlanError('mappings.kernel_base', `${where('kernel_base')}: FixedAddress(0x${fBase.toString(16)}) needs a position-independent (ET_DYN) kernel; this kernel is ET_EXEC and loads at its link address`);
    for (const r of kernel.execRanges) for (const s of slotsCovering(r.start, r.end)) used.add(s);
  } else if (fBase !== undefined) {
    checkCanonical('kernel_base', fBase, 'the kernel base');
    checkAligned('kernel_base', fBase, kernel.maxAlign, 'the kernel base', "the segments' largest p_align");
    for (const s of slotsCovering(fBase + kernel.minVaddr, fBase + kernel.maxEnd)) used.add(s);
  }

  // The dynamic range: slots up to the page before its start, and from the page after its end.
  if (m.dynamicRangeStart !== null) {
    const startPage = m.dynamicRangeStart & ~(PAGE - 1n);
    const before = startPage === 0xffff_8000_0000_0000n ? 0x0000_7fff_ffff_f000n : startPage - PAGE;
    if (startPage !== 0n) for (let i = 0; i <= slotOf(before); i++) used.add(i);
  }
  if (m.dynamicRangeEnd !== null) {
    const endPage = m.dynamicRangeEnd & ~(PAGE - 1n);
    const after = endPage === 0x0000_7fff_ffff_f000n ? 0xffff_8000_0000_0000n : endPage + PAGE;
    if (endPage !== 0xffff_ffff_ffff_f000n) for (let i = slotOf(after); i < 512; i++) used.add(i);
  }

  const aslr = m.aslr;
  /** The lowest free run of slots for `bytes` (with ASLR a random one, at a random `align`ed offset). */
  const take = (field: string, what: string, bytes: bigint, align = PAGE): bigint => {
    const count = Number((bytes + SLOT_BYTES - 1n) / SLOT_BYTES) || 1;
    const runs: number[] = [];
    for (let i = 0; i + count <= 512; i++) {
      let free = true;
      for (let k = i; k < i + count; k++) if (used.has(k)) free = false;
      // A run may not cross from the lower half into the higher half (the canonical hole).
      if (i < 256 && i + count > 256) free = false;
      if (!free) continue;
      runs.push(i);
      if (!aslr) break;
    }
    if (runs.length === 0) throw new PlanError(`mappings.${field}`, `no free level-4 entries left for the ${what} (${count} of 512 GiB each needed; ${where(field)} and the dynamic range decide which are free)`);
    const i = aslr ? runs[Number(randomBelow(BigInt(runs.length)))]! : runs[0]!;
    for (let k = i; k < i + count; k++) used.add(k);
    const room = BigInt(count) * SLOT_BYTES - bytes;
    const offset = aslr && room > 0n ? randomBelow(room / align + 1n) * align : 0n;
    return slotBase(i) + offset;
  };

  let relocationBase = 0n;
  if (kernel.pie) {
    const alignedMin = kernel.minVaddr & ~(kernel.maxAlign - 1n);
    relocationBase = fBase !== undefined ? fBase : (take('kernel_base', 'kernel', kernel.maxEnd - alignedMin, kernel.maxAlign) - alignedMin) & 0xffff_ffff_ffff_ffffn;
    if (fBase === undefined && kernelSize <= 0n) throw new PlanError('PT_LOAD', 'the kernel has no loadable bytes');
  }
  const stackGuard = fStack ?? take('kernel_stack', 'kernel stack', stackSpan);
  const framebuffer = fFb ?? take('framebuffer', 'framebuffer', FRAMEBUFFER_PLANNED);
  const ramdisk = kernel.ramdiskBytes === undefined ? undefined : (fRamdisk ?? take('ramdisk_memory', 'ramdisk', kernel.ramdiskBytes > 0n ? kernel.ramdiskBytes : 1n));
  const physicalMemoryOffset = m.physicalMemory === null ? undefined : (fPhys ?? take('physical_memory', 'physical memory mapping', PHYS_MAP_PLANNED, 0x200000n));
  const recursiveIndex = m.pageTableRecursive === null ? undefined : fRec !== undefined ? slotOf(fRec) : slotOf(take('page_table_recursive', 'recursive page-table entry', SLOT_BYTES));
  const bootInfo = fBoot ?? take('boot_info', 'boot info', BigInt(BOOT_INFO_011_PAGES) * PAGE);
  return { relocationBase, stackGuard, framebuffer, ramdisk, physicalMemoryOffset, recursiveIndex, bootInfo, usedSlots: [...used].sort((a, b) => a - b) };
}
