// Does the kernel fit in the guest's RAM? The loader (resources/bootloader/stage3.asm) places,
// from 1 MiB up inside the usable RAM below 4 GiB: the payload (the kernel's loaded pages), the
// zero-filled pages (.bss), the stack, the boot info page and the page tables it builds. When
// they do not fit it halts with "not enough memory"; this says the same before QEMU starts, with
// the numbers. The estimate is a lower bound (page tables counted exactly for the kernel's own
// mappings, the physical-memory map only up to the RAM's end), so it never refuses a kernel
// that would boot.
import { formatBytes, PAGE, type LoadPlan } from './plan.js';
import { BOOT_INFO_011_PAGES } from './plan011.js';

/** QEMU's RAM when no -m is given. */
export const DEFAULT_GUEST_RAM = 128 * 1024 * 1024;
/** The loader's own memory below the payload (real-mode code, buffers, the BIOS's areas). */
const LOADER_BYTES = 1 << 20;

export interface KernelMemory {
  /** Below 1 MiB: the loader and the BIOS. */
  loader: number;
  /** The kernel's pages loaded from the image. */
  segments: number;
  /** Zero-filled pages. */
  bss: number;
  stack: number;
  bootInfo: number;
  pageTables: number;
  total: number;
}

export interface GuestRam {
  bytes: number;
  /** Where the number came from, for messages: "-m 512M" or "QEMU's default". */
  source: string;
  /** The machine type, when the arguments name one (its RAM layout below 4 GiB differs). */
  machine?: string;
}

/** Table pages needed to map [start, end) with 4 KiB pages: one PT per 2 MiB, one PD per 1 GiB, one PDPT per 512 GiB touched. */
function tablesFor(ranges: { start: bigint; end: bigint }[]): number {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let tables = 0n;
  for (const shift of [21n, 30n, 39n]) {
    let lastRegion = -1n;
    for (const r of sorted) {
      const first = r.start >> shift;
      const last = (r.end - 1n) >> shift;
      tables += last - first + 1n - (first === lastRegion ? 1n : 0n);
      lastRegion = last;
    }
  }
  return Number(tables);
}

/** What the loader will allocate for this plan in a guest with `ramBytes` of RAM. */
export function kernelMemory(plan: LoadPlan, ramBytes: number = DEFAULT_GUEST_RAM): KernelMemory {
  const page = Number(PAGE);
  const mapped = plan.runs.map((r) => ({ start: r.vaddr, end: r.vaddr + BigInt(r.pages) * PAGE }));
  mapped.push({ start: plan.stack.bottom, end: plan.stack.top });
  // A 0.11 kernel's BootInfo is followed by its memory-region list: three pages (plan011.ts).
  const bootInfoPages = plan.abi === '0.11' ? BOOT_INFO_011_PAGES : 1;
  mapped.push({ start: plan.bootInfo.address, end: plan.bootInfo.address + BigInt(bootInfoPages) * PAGE });
  // Identity maps of the loader's code and the VGA window, all in the first MiB.
  mapped.push({ start: 0xa0000n, end: 0x100000n });
  let tablePages = 1 + tablesFor(mapped);
  if (plan.physicalMemoryOffset !== undefined) {
    // 2 MiB pages: one PD per GiB of physical address space (at least the 4 GiB below the
    // firmware's top), one PDPT per 512 GiB.
    const gib = Math.max(4, Math.ceil(ramBytes / 2 ** 30));
    tablePages += gib + Math.ceil(gib / 512);
  }
  const segments = plan.payloadPages * page;
  const bss = plan.zeroPages * page;
  const stack = plan.stack.pages * page;
  const pageTables = tablePages * page;
  const bootInfo = bootInfoPages * page;
  const total = LOADER_BYTES + segments + bss + stack + bootInfo + pageTables;
  return { loader: LOADER_BYTES, segments, bss, stack, bootInfo, pageTables, total };
}

const UNITS: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };

/** A QEMU size ("512", "512M", "1.5G", "2048k"): MiB without a suffix, binary units. undefined if QEMU would not take it. */
export function parseQemuSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([bkmgtpe])?$/i.exec(text.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[(m[2] ?? 'm').toLowerCase()]!;
  return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

/**
 * The guest's RAM from QEMU arguments: the last `-m` (or `--m`) wins, as in QEMU; `-m 512`,
 * `-m 512M`, `-m size=1G,slots=2,maxmem=4G`. undefined when a `-m` value is not a size QEMU
 * takes (QEMU itself then says what is wrong).
 */
export function guestRamFromQemuArgs(args: readonly string[]): GuestRam | undefined {
  let ram: GuestRam = { bytes: DEFAULT_GUEST_RAM, source: "QEMU's default 128 MiB" };
  let machine: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = args[i + 1];
    if ((a === '-m' || a === '--m') && value !== undefined) {
      i++;
      const fields = value.split(',');
      let size: string | undefined;
      for (const f of fields) {
        if (f.startsWith('size=')) size = f.slice(5);
        else if (!f.includes('=') && size === undefined) size = f;
      }
      if (size === undefined) continue; // only slots/maxmem: the size stays as it was
      const bytes = parseQemuSize(size);
      if (bytes === undefined) return undefined;
      ram = { bytes, source: `-m ${value}` };
    } else if ((a === '-M' || a === '-machine' || a === '--machine') && value !== undefined) {
      i++;
      const type = value.split(',').find((f) => !f.includes('=') || f.startsWith('type='));
      if (type) machine = type.replace(/^type=/, '');
    }
  }
  return machine ? { ...ram, machine } : ram;
}

/**
 * RAM the loader can use: QEMU puts the RAM below 4 GiB up to a limit (pc: all of it up to
 * 3.5 GiB, else 3 GiB; q35: up to 2.75 GiB, else 2 GiB) and the rest above 4 GiB, where the
 * loader (which runs identity-mapped below 4 GiB) places nothing.
 */
export function usableBelow4G(ram: GuestRam): number {
  const q35 = /q35/.test(ram.machine ?? '');
  const [whole, split] = q35 ? [0xb000_0000, 0x8000_0000] : [0xe000_0000, 0xc000_0000];
  return ram.bytes >= whole ? split : ram.bytes;
}

/** undefined when the kernel fits, else a message naming every number. */
export function checkGuestMemory(memory: KernelMemory, ram: GuestRam): string | undefined {
  const usable = usableBelow4G(ram);
  if (memory.total <= usable) return undefined;
  const parts = [
    `segments ${formatBytes(memory.segments)}`,
    `.bss ${formatBytes(memory.bss)}`,
    `stack ${formatBytes(memory.stack)}`,
    `page tables ${formatBytes(memory.pageTables)}`,
    `boot info ${formatBytes(memory.bootInfo)}`,
    `loader ${formatBytes(memory.loader)}`,
  ];
  const where = usable < ram.bytes ? `, of which ${formatBytes(usable)} lie below 4 GiB where the loader places the kernel` : '';
  return `the kernel needs at least ${formatBytes(memory.total)} of memory (${parts.join(', ')}), but the guest has ${formatBytes(ram.bytes)} (${ram.source})${where}: give QEMU more memory (-m in run-args or the QEMU arguments) or make the kernel smaller`;
}
