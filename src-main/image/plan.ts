// The load plan: everything about booting a kernel that can be decided before boot
// (BOOT-CONTRACT.md sections 1, 2, 4 and 6; DESIGN.md "Decisions"). Input: the kernel ELF, its
// `bootloader` features and `[package.metadata.bootloader]`. Output: page-granular runs of the
// kernel's address space (data pages whose bytes travel in the payload, zero pages the loader
// allocates), permissions, entry, stack, boot info address and layout, physical-memory offset,
// recursive index, TLS template. Static PIE kernels are relocated here (R_X86_64_RELATIVE).
// The bootloader then only has to read the payload, build page tables and write BootInfo.
import {
  ET_DYN,
  ElfError,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_RELRO,
  PT_LOAD,
  PT_TLS,
  R_X86_64_NONE,
  R_X86_64_RELATIVE,
  readElf,
  type ElfFile,
  type ElfRelocation,
  type ProgramHeader,
} from '../elf/index.js';
import { PLAN_HEADER_SIZE, PLAN_MAX_BYTES, PLAN_RUN_SIZE } from './disk.js';
import { PlanError } from './planError.js';
import { detectKernelAbi, type BootloaderConfig } from './bootloaderConfig.js';
import { BOOT_INFO_011_PAGES, BOOT_INFO_011_SIZE, place011, type RandomBelow } from './plan011.js';

export const PAGE = 4096n;
export const BOOT_FEATURES = ['map_physical_memory', 'recursive_page_table', 'sse', 'vga_320x200'] as const;
export type BootFeature = (typeof BOOT_FEATURES)[number];

/** The kernel base chosen for static PIE kernels (like the blog's ET_EXEC link address). */
export const PIE_BASE = 0x200000n;
/** Virtual addresses below this belong to the loader (identity maps: its code, GDT, VGA window; page 0 unmapped). */
export const LOADER_RESERVED_END = 0x100000n;
export const DEFAULT_STACK_PAGES = 512;
/** The loader places zero-filled pages below 4 GiB (stage3.asm), so a larger .bss never loads. */
export const MAX_BSS_BYTES = 4n << 30n;
/** Page runs that fit in the loader's 32 KiB plan buffer after the header. */
export const MAX_PAGE_RUNS = (PLAN_MAX_BYTES - PLAN_HEADER_SIZE) / PLAN_RUN_SIZE;

export { PlanError };

export interface PlanOptions {
  /** The kernel's `bootloader` features (unknown names are an error). */
  features?: readonly string[];
  /** `[package.metadata.bootloader]` as a plain object (validated strictly). */
  bootloaderMetadata?: Record<string, unknown>;
  /** A bootloader_api 0.11 kernel's ramdisk: mapped per its config, reported in BootInfo. */
  ramdisk?: Uint8Array;
  /** The randomness for a 0.11 config that asks for ASLR (default: the platform's crypto generator). */
  randomBelow?: RandomBelow;
}

/** What only a bootloader_api 0.11 kernel's plan has (BOOT-CONTRACT-011). */
export interface Abi011Plan {
  config: BootloaderConfig;
  /** BootInfo.api_version: the version the kernel's config was serialized with. */
  apiVersion: { major: number; minor: number; patch: number; preRelease: boolean };
  /** kernel_stack_size in bytes (the stack's pages round it up). */
  stackBytes: bigint;
  /** Virtual address the framebuffer is mapped at, when the firmware gives one. */
  framebuffer: bigint;
  /** Minimum framebuffer size from the config (0: none). */
  minFramebuffer: { width: number; height: number };
  recursiveIndex?: number;
  tlsPresent: boolean;
  ramdisk?: { address: bigint; bytes: number; payloadPage: number; pages: number };
  /** The PT_GNU_RELRO pages (relocated), mapped read-only. */
  relro?: { start: bigint; end: bigint };
  /** Payload pages that belong to the kernel (the ramdisk's follow them). */
  kernelPayloadPages: number;
  /** Level-4 slots in use once every mapping was placed. */
  usedSlots: number[];
}

export interface BootInfoLayout {
  size: number;
  memoryMap: number;
  recursivePageTableAddr?: number;
  physicalMemoryOffset?: number;
  tlsTemplate: number;
  trailingByte: number;
}

export interface PlannedSegment {
  index: number;
  /** Relocated virtual address. */
  vaddr: bigint;
  memsz: bigint;
  filesz: number;
  fileOffset: number;
  writable: boolean;
  executable: boolean;
}

/** A run of consecutive virtual pages with the same permissions and kind. */
export interface PageRun {
  vaddr: bigint;
  pages: number;
  writable: boolean;
  executable: boolean;
  /** true: pages come from the payload starting at `payloadPage`; false: zero pages. */
  data: boolean;
  payloadPage: number;
}

export interface LoadPlan {
  kind: 'exec' | 'pie';
  /** The boot contract: `bootloader` 0.9 (no `.bootloader-config` section) or `bootloader_api` 0.11. */
  abi: '0.9' | '0.11';
  abi011?: Abi011Plan;
  /** Added to link-time addresses (0 for ET_EXEC). */
  relocationBase: bigint;
  relocationsApplied: number;
  entry: bigint;
  features: Record<BootFeature, boolean>;
  featureList: BootFeature[];
  segments: PlannedSegment[];
  runs: PageRun[];
  /** The data pages, 4096 bytes each, concatenated. */
  payload: Uint8Array;
  payloadPages: number;
  zeroPages: number;
  stack: { guard: bigint; bottom: bigint; top: bigint; pages: number };
  bootInfo: { address: bigint; layout: BootInfoLayout };
  physicalMemoryOffset?: bigint;
  /**
   * The value BootInfo.physical_memory_offset holds: the offset as written in the metadata.
   * It differs from `physicalMemoryOffset` only for a value like "0x0000f00000000000" (bit 47
   * set, bits 48-63 clear), which bootloader 0.9 accepts and maps sign-extended, exactly as
   * x86_64's VirtAddr::new does with it in the kernel.
   */
  physicalMemoryOffsetField?: bigint;
  recursiveIndex: number;
  recursivePageTableAddr?: bigint;
  tls: { start: bigint; fileSize: bigint; memSize: bigint };
  /** Level-4 indices in use by the kernel and the loader when the plan was made. */
  level4Used: number[];
  warnings: string[];
}

export function bootInfoLayout(features: { map_physical_memory: boolean; recursive_page_table: boolean }): BootInfoLayout {
  let off = 1544;
  const layout: Partial<BootInfoLayout> = { memoryMap: 0 };
  if (features.recursive_page_table) {
    layout.recursivePageTableAddr = off;
    off += 8;
  }
  if (features.map_physical_memory) {
    layout.physicalMemoryOffset = off;
    off += 8;
  }
  layout.tlsTemplate = off;
  off += 24;
  layout.trailingByte = off;
  layout.size = off + 8;
  return layout as BootInfoLayout;
}

/** BootInfo of bootloader_api 0.11.14+ (232 bytes; older kernels read a prefix); the regions follow it. */
export function bootInfoLayout011(): BootInfoLayout {
  return { size: BOOT_INFO_011_SIZE, memoryMap: BOOT_INFO_011_SIZE, physicalMemoryOffset: 96, tlsTemplate: 136, trailingByte: 224 };
}

export function isCanonical(a: bigint): boolean {
  return a < 0x0000_8000_0000_0000n || (a >= 0xffff_8000_0000_0000n && a <= 0xffff_ffff_ffff_ffffn);
}

export function l4Index(a: bigint): number {
  return Number((a >> 39n) & 511n);
}

function signExtend48(a: bigint): bigint {
  return a & 0x0000_8000_0000_0000n ? a | 0xffff_0000_0000_0000n : a;
}

export function hex(a: bigint | number): string {
  return '0x' + a.toString(16);
}

/** A byte count for people: exact when two units say it ("2 MiB 4 KiB"), else to two decimals ("16.00 GiB"). */
export function formatBytes(n: bigint | number): string {
  const total = BigInt(n);
  let rest = total;
  const parts: string[] = [];
  const units = [['TiB', 1n << 40n], ['GiB', 1n << 30n], ['MiB', 1n << 20n], ['KiB', 1n << 10n]] as const;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${rest / size} ${unit}`);
      rest %= size;
    }
  }
  if (rest > 0n || parts.length === 0) parts.push(`${rest} bytes`);
  if (parts.length <= 2) return parts.join(' ');
  // The largest unit in which the value rounds to at least 1.00 (16 GiB - 4 KiB is "16.00 GiB").
  const [unit, size] = units.find(([, size]) => Number(total) / Number(size) >= 0.995)!;
  return `${(Number(total) / Number(size)).toFixed(2)} ${unit}`;
}

const METADATA_KEYS: Record<string, 'address' | 'pages'> = {
  'physical-memory-offset': 'address',
  'kernel-stack-address': 'address',
  'kernel-stack-size': 'pages',
  'boot-info-address': 'address',
};

export interface BootloaderMetadata {
  physicalMemoryOffset?: bigint;
  /** As written (see LoadPlan.physicalMemoryOffsetField). */
  physicalMemoryOffsetRaw?: bigint;
  kernelStackAddress?: bigint;
  kernelStackSize?: number;
  bootInfoAddress?: bigint;
}

/** Validate `[package.metadata.bootloader]` (BOOT-CONTRACT section 6). Errors name the key. */
export function parseBootloaderMetadata(meta: Record<string, unknown> | undefined): BootloaderMetadata {
  const out: BootloaderMetadata = {};
  if (meta === undefined || meta === null) return out;
  if (typeof meta !== 'object' || Array.isArray(meta)) throw new PlanError('package.metadata.bootloader', '[package.metadata.bootloader] must be a table');
  for (const [key, value] of Object.entries(meta)) {
    const kind = METADATA_KEYS[key];
    const where = `[package.metadata.bootloader] ${key}`;
    if (!kind) throw new PlanError(key, `${where}: unknown key (known keys: ${Object.keys(METADATA_KEYS).join(', ')})`);
    if (kind === 'pages') {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new PlanError(key, `${where}: expected an integer number of 4 KiB pages, got ${describe(value)}`);
      if (value <= 0) throw new PlanError(key, `${where}: must be greater than 0, got ${value}`);
      if (value > 1 << 20) throw new PlanError(key, `${where}: ${value} pages (more than 4 GiB) is too large`);
      out.kernelStackSize = value;
      continue;
    }
    if (typeof value !== 'string') throw new PlanError(key, `${where}: expected a string ("0x..." or decimal), got ${describe(value)}`);
    const text = value.trim().replace(/_/g, '');
    let n: bigint;
    if (/^0x[0-9a-f]+$/i.test(text)) n = BigInt(text);
    else if (/^[0-9]+$/.test(text)) n = BigInt(text);
    else throw new PlanError(key, `${where}: "${value}" is not a number ("0x..." or decimal)`);
    if (n > 0xffff_ffff_ffff_ffffn) throw new PlanError(key, `${where}: ${value} does not fit in 64 bits`);
    if (n % PAGE !== 0n) throw new PlanError(key, `${where}: ${value} is not 4 KiB aligned`);
    // Like x86_64's VirtAddr::new (what bootloader 0.9 uses): canonical, or bit 47 set with
    // bits 48-63 clear, which is sign-extended (the README's "0x0000f00000000000").
    const top = n >> 47n;
    if (top !== 0n && top !== 1n && top !== 0x1ffffn) throw new PlanError(key, `${where}: ${value} is not a canonical x86-64 address`);
    const canonical = top === 1n ? n | 0xffff_0000_0000_0000n : n;
    if (key === 'physical-memory-offset') {
      if (n % 0x200000n !== 0n) throw new PlanError(key, `${where}: ${value} is not 2 MiB aligned (physical memory is mapped with 2 MiB pages)`);
      out.physicalMemoryOffset = canonical;
      out.physicalMemoryOffsetRaw = n;
    } else if (key === 'kernel-stack-address') out.kernelStackAddress = canonical;
    else out.bootInfoAddress = canonical;
  }
  return out;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string "${v}"`;
  if (typeof v === 'number') return `the number ${v}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

export function parseFeatures(list: readonly string[] | undefined): Record<BootFeature, boolean> {
  const f: Record<BootFeature, boolean> = { map_physical_memory: false, recursive_page_table: false, sse: false, vga_320x200: false };
  for (const raw of list ?? []) {
    const name = raw.trim();
    if (!name) continue;
    if (!(BOOT_FEATURES as readonly string[]).includes(name)) throw new PlanError('features', `unknown bootloader feature "${name}" (known: ${BOOT_FEATURES.join(', ')})`);
    f[name as BootFeature] = true;
  }
  return f;
}

/**
 * Consecutive pages of one or more segments that share pages (a segment ending and the next
 * starting in the same page); `start` and `end` are page-aligned, `end` exclusive.
 */
interface Span {
  start: bigint;
  end: bigint;
  writable: boolean;
  executable: boolean;
  /** The last segment that reached into this span (for error messages). */
  segment: number;
}

/** Pages whose bytes travel in the payload: file bytes and relocated words; every other page of a span is zero-filled. */
class DataPages {
  private readonly pages = new Map<bigint, Uint8Array>();
  page(pageVa: bigint): Uint8Array {
    let bytes = this.pages.get(pageVa);
    if (!bytes) {
      bytes = new Uint8Array(4096);
      this.pages.set(pageVa, bytes);
    }
    return bytes;
  }
  /** Page addresses in ascending order. */
  sorted(): bigint[] {
    return [...this.pages.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  get(pageVa: bigint): Uint8Array {
    return this.pages.get(pageVa)!;
  }
  get size(): number {
    return this.pages.size;
  }
}

/** "(field F at file offset 0x…)", as ElfError says it, for plan errors about one ELF field. */
function at(field: string, offset: number): string {
  return `(field ${field} at file offset ${hex(offset)})`;
}

/** Make the load plan. Throws `PlanError` (or `ElfError` from the reader) with a clear message. */
export function makePlan(elfOrBytes: ElfFile | Uint8Array, options: PlanOptions = {}): LoadPlan {
  const elf = elfOrBytes instanceof Uint8Array ? readElf(elfOrBytes) : elfOrBytes;
  const abi = detectKernelAbi(elf);
  const config = abi.abi === 'bootloader_api-0.11' ? abi.config : undefined;
  const warnings: string[] = [];
  let features: Record<BootFeature, boolean>;
  let meta: BootloaderMetadata;
  if (config) {
    // A 0.11 kernel's config is its whole say; 0.9's features and metadata do not apply.
    const ignored = (options.features ?? []).filter((f) => f.trim() !== '');
    if (ignored.length > 0) warnings.push(`bootloader features (${ignored.join(', ')}) are ignored: this is a bootloader_api 0.11 kernel, configured by its ${config.layoutVersions} .bootloader-config section`);
    if (options.bootloaderMetadata && Object.keys(options.bootloaderMetadata).length > 0) warnings.push('[package.metadata.bootloader] is ignored: this is a bootloader_api 0.11 kernel, configured by its .bootloader-config section');
    features = { map_physical_memory: config.mappings.physicalMemory !== null, recursive_page_table: config.mappings.pageTableRecursive !== null, sse: false, vga_320x200: false };
    meta = {};
    const where = `.bootloader-config kernel_stack_size (file offset ${hex(config.fileOffset + 23)})`;
    if (config.kernelStackSize === 0n) throw new PlanError('kernel_stack_size', `${where}: a stack of 0 bytes cannot hold the entry's return address`);
    if (config.kernelStackSize > MAX_BSS_BYTES) throw new PlanError('kernel_stack_size', `${where}: ${formatBytes(config.kernelStackSize)} is more than the ${formatBytes(MAX_BSS_BYTES)} Bootlab's loader can place below 4 GiB`);
    if (options.ramdisk && options.ramdisk.length > Number(MAX_BSS_BYTES)) throw new PlanError('ramdisk', `the ramdisk is ${formatBytes(options.ramdisk.length)}, more than the ${formatBytes(MAX_BSS_BYTES)} Bootlab's loader can place below 4 GiB`);
  } else {
    if (options.ramdisk) throw new PlanError('ramdisk', 'a ramdisk is part of the bootloader_api 0.11 contract; this kernel has no .bootloader-config section (a bootloader 0.9 kernel)');
    features = parseFeatures(options.features);
    meta = parseBootloaderMetadata(options.bootloaderMetadata);
    if (meta.physicalMemoryOffset !== undefined && !features.map_physical_memory) {
      warnings.push('[package.metadata.bootloader] physical-memory-offset is ignored: the map_physical_memory feature is off');
    }
  }

  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0n);
  if (loads.length === 0) throw new PlanError('PT_LOAD', `the kernel has no loadable (PT_LOAD) segment among its ${elf.programHeaders.length} program headers ${at('e_phnum', 56)}`, 56);
  const headerOf = (index: number): ProgramHeader => elf.programHeaders[index]!;
  const isPie = elf.header.type === ET_DYN;
  let minVaddr = loads[0]!.vaddr;
  for (const p of loads) if (p.vaddr < minVaddr) minVaddr = p.vaddr;
  let maxEnd = 0n;
  let maxAlign = PAGE;
  for (const p of loads) {
    if (p.vaddr + p.memsz > maxEnd) maxEnd = p.vaddr + p.memsz;
    if (p.align > maxAlign) maxAlign = p.align;
  }
  const placement = config
    ? place011(config, {
        pie: isPie,
        minVaddr,
        maxEnd,
        maxAlign,
        execRanges: loads.map((p) => ({ start: p.vaddr, end: p.vaddr + p.memsz })),
        ...(options.ramdisk ? { ramdiskBytes: BigInt(options.ramdisk.length) } : {}),
      }, options.randomBelow)
    : undefined;
  const relocationBase = placement ? placement.relocationBase : isPie ? PIE_BASE - (minVaddr & ~(PAGE - 1n)) : 0n;
  const rel = (a: bigint) => (a + relocationBase) & 0xffff_ffff_ffff_ffffn;

  const segments: PlannedSegment[] = [];
  for (const p of loads) {
    const vaddr = rel(p.vaddr);
    const last = vaddr + p.memsz - 1n;
    const what = `segment ${p.index} (${hex(vaddr)}..${hex(vaddr + p.memsz)})`;
    const field = at(`program header ${p.index} p_vaddr`, p.headerOffset + 16);
    if (!isCanonical(vaddr) || !isCanonical(last) || (vaddr < 0x8000_0000_0000n) !== (last < 0x8000_0000_0000n)) {
      throw new PlanError('p_vaddr', `${what} has a non-canonical address ${field}`, p.headerOffset + 16);
    }
    if (vaddr < LOADER_RESERVED_END) {
      throw new PlanError('p_vaddr', `${what} lies in the first MiB, which the loader needs (page 0 stays unmapped, its code, GDT and the VGA window are identity mapped) ${field}`, p.headerOffset + 16);
    }
    segments.push({ index: p.index, vaddr, memsz: p.memsz, filesz: p.filesz, fileOffset: p.offset, writable: (p.flags & PF_W) !== 0, executable: (p.flags & PF_X) !== 0 });
  }
  segments.sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  for (let i = 1; i < segments.length; i++) {
    const a = segments[i - 1]!;
    const b = segments[i]!;
    if (a.vaddr + a.memsz > b.vaddr) {
      const offset = headerOf(b.index).headerOffset + 16;
      throw new PlanError('p_vaddr', `segments ${a.index} and ${b.index} overlap (${hex(a.vaddr)}..${hex(a.vaddr + a.memsz)} and ${hex(b.vaddr)}..${hex(b.vaddr + b.memsz)}) ${at(`program header ${b.index} p_vaddr`, offset)}`, offset);
    }
  }

  // Spans: segments merged where they share a page; shared pages need identical permissions.
  // Everything from here on is proportional to the number of segments and to the file's size,
  // never to p_memsz: a 16 GiB .bss is one zero-fill run, not four million pages.
  const spans: Span[] = [];
  for (const s of segments) {
    const start = s.vaddr & ~(PAGE - 1n);
    const end = (s.vaddr + s.memsz + PAGE - 1n) & ~(PAGE - 1n);
    const last = spans[spans.length - 1];
    if (last && start < last.end) {
      if (last.writable !== s.writable || last.executable !== s.executable) {
        const ph = headerOf(s.index);
        throw new PlanError('p_flags', `segments ${last.segment} and ${s.index} share the page ${hex(start)} with different permissions (${perm(last)} and ${perm(s)}) ${at(`program header ${s.index} p_flags`, ph.headerOffset + 4)}`, ph.headerOffset + 4);
      }
      if (end > last.end) last.end = end;
      last.segment = s.index;
    } else {
      spans.push({ start, end, writable: s.writable, executable: s.executable, segment: s.index });
    }
  }
  // bootloader_api 0.11 maps the PT_GNU_RELRO pages (every page it touches) read-only.
  const relroPh = config ? elf.programHeaders.find((p) => p.type === PT_GNU_RELRO && p.memsz > 0n) : undefined;
  const relro = relroPh ? { start: rel(relroPh.vaddr) & ~(PAGE - 1n), end: (rel(relroPh.vaddr) + relroPh.memsz + PAGE - 1n) & ~(PAGE - 1n) } : undefined;
  if (relro) {
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      const from = relro.start > span.start ? relro.start : span.start;
      const to = relro.end < span.end ? relro.end : span.end;
      if (from >= to || !span.writable) continue;
      const pieces: Span[] = [];
      if (span.start < from) pieces.push({ ...span, end: from });
      pieces.push({ ...span, start: from, end: to, writable: false });
      if (to < span.end) pieces.push({ ...span, start: to });
      spans.splice(i, 1, ...pieces);
      i += pieces.length - 1;
    }
  }
  let spanPages = 0n;
  for (const span of spans) spanPages += (span.end - span.start) / PAGE;

  // File bytes.
  const dataPages = new DataPages();
  for (const s of segments) {
    let copied = 0;
    while (copied < s.filesz) {
      const va = s.vaddr + BigInt(copied);
      const pageVa = va & ~(PAGE - 1n);
      const inPage = Number(va - pageVa);
      const n = Math.min(4096 - inPage, s.filesz - copied);
      dataPages.page(pageVa).set(elf.bytes.subarray(s.fileOffset + copied, s.fileOffset + copied + n), inPage);
      copied += n;
    }
  }

  // Relocations (static PIE).
  let relocationsApplied = 0;
  if (isPie) {
    const relocs = elf.relocations.length > 0 ? elf.relocations : dynamicRelocations(elf);
    for (const r of relocs) {
      if (r.type === R_X86_64_NONE) continue;
      if (r.type !== R_X86_64_RELATIVE) {
        throw new PlanError('r_info', `relocation at file offset ${hex(r.entryOffset)} has type ${r.type} (${relocName(r.type)}); only R_X86_64_RELATIVE is supported for position-independent kernels ${at('r_info', r.entryOffset + 8)}`, r.entryOffset + 8);
      }
      const target = rel(r.offset);
      const value = (r.addend + relocationBase) & 0xffff_ffff_ffff_ffffn;
      for (let i = 0; i < 8; i++) {
        const va = target + BigInt(i);
        if (!segments.some((s) => va >= s.vaddr && va < s.vaddr + s.memsz)) {
          throw new PlanError('r_offset', `relocation at file offset ${hex(r.entryOffset)} targets ${hex(target)}, outside every loadable segment ${at('r_offset', r.entryOffset)}`, r.entryOffset);
        }
        const pageVa = va & ~(PAGE - 1n);
        dataPages.page(pageVa)[Number(va - pageVa)] = Number((value >> BigInt(8 * i)) & 0xffn);
      }
      relocationsApplied++;
    }
  }

  // Zero-filled memory: every page of a span that carries no bytes from the file. The loader
  // places it below 4 GiB, so more than 4 GiB can never load.
  const zeroPagesBig = spanPages - BigInt(dataPages.size);
  if (zeroPagesBig * PAGE > MAX_BSS_BYTES) {
    const biggest = segments.reduce((a, b) => (b.memsz - BigInt(b.filesz) > a.memsz - BigInt(a.filesz) ? b : a));
    const ph = headerOf(biggest.index);
    throw new PlanError(
      'p_memsz',
      `the kernel's zero-filled memory (.bss) is ${formatBytes(zeroPagesBig * PAGE)} (${zeroPagesBig} pages), more than the ${formatBytes(MAX_BSS_BYTES)} Bootlab's loader can place; segment ${biggest.index} has p_memsz ${hex(biggest.memsz)} for ${hex(biggest.filesz)} file bytes ${at(`program header ${biggest.index} p_memsz`, ph.headerOffset + 40)}`,
      ph.headerOffset + 40,
    );
  }

  // Entry point.
  const entry = rel(elf.header.entry);
  const entrySeg = segments.find((s) => entry >= s.vaddr && entry < s.vaddr + s.memsz);
  if (!entrySeg) throw new PlanError('e_entry', `the entry point ${hex(entry)} is outside every loadable segment ${at('e_entry', 24)}`, 24);
  if (!entrySeg.executable) throw new PlanError('e_entry', `the entry point ${hex(entry)} is in segment ${entrySeg.index}, which is not executable ${at('e_entry', 24)}`, 24);

  // Runs and payload: walk the spans and the (sorted) data pages together.
  const runs: PageRun[] = [];
  const sortedData = dataPages.sorted();
  const push = (vaddr: bigint, pages: bigint, span: Span, data: boolean, payloadPage: number) => {
    const last = runs[runs.length - 1];
    if (last && last.data === data && last.writable === span.writable && last.executable === span.executable && last.vaddr + BigInt(last.pages) * PAGE === vaddr) {
      last.pages += Number(pages);
    } else {
      runs.push({ vaddr, pages: Number(pages), writable: span.writable, executable: span.executable, data, payloadPage: data ? payloadPage : 0 });
    }
  };
  let next = 0;
  for (const span of spans) {
    let cursor = span.start;
    while (cursor < span.end) {
      const dataVa = next < sortedData.length ? sortedData[next]! : span.end;
      if (dataVa === cursor) {
        const first = next;
        while (next < sortedData.length && sortedData[next] === cursor && cursor < span.end) {
          next++;
          cursor += PAGE;
        }
        push(sortedData[first]!, BigInt(next - first), span, true, first);
      } else {
        const stop = dataVa < span.end ? dataVa : span.end;
        push(cursor, (stop - cursor) / PAGE, span, false, 0);
        cursor = stop;
      }
    }
  }
  if (runs.length > MAX_PAGE_RUNS) {
    throw new PlanError(
      'e_phnum',
      `the kernel's ${segments.length} loadable segments make ${runs.length} page runs (ranges of pages with one permission, loaded or zero-filled); the loader's plan holds at most ${MAX_PAGE_RUNS} ${at('e_phnum', 56)}`,
      56,
    );
  }
  // A 0.11 ramdisk travels behind the kernel's pages in the payload and is one more data run.
  const kernelPayloadPages = sortedData.length;
  const ramdiskPages = options.ramdisk ? Math.ceil(options.ramdisk.length / 4096) : 0;
  if (options.ramdisk && placement?.ramdisk !== undefined && ramdiskPages > 0) {
    runs.push({ vaddr: placement.ramdisk, pages: ramdiskPages, writable: true, executable: false, data: true, payloadPage: kernelPayloadPages });
  }
  const payload = new Uint8Array((kernelPayloadPages + ramdiskPages) * 4096);
  sortedData.forEach((va, i) => payload.set(dataPages.get(va), i * 4096));
  if (options.ramdisk) payload.set(options.ramdisk, kernelPayloadPages * 4096);
  const zeroPages = Number(zeroPagesBig);

  // Level-4 entries: 0 belongs to the loader (identity maps), then the kernel's.
  const used = new Set<number>([0]);
  for (const s of segments) {
    for (let i = l4Index(s.vaddr); ; i = (i + 1) % 512) {
      used.add(i);
      if (i === l4Index(s.vaddr + s.memsz - 1n)) break;
    }
  }
  const kernelUsed = [...used].sort((a, b) => a - b);
  if (placement) used.clear();
  const stackPages = placement ? Number((config!.kernelStackSize + PAGE - 1n) / PAGE) : (meta.kernelStackSize ?? DEFAULT_STACK_PAGES);
  if (meta.bootInfoAddress !== undefined) used.add(l4Index(meta.bootInfoAddress));
  if (meta.kernelStackAddress !== undefined) used.add(l4Index(meta.kernelStackAddress));
  if (meta.physicalMemoryOffset !== undefined && features.map_physical_memory) used.add(l4Index(meta.physicalMemoryOffset));
  const takeFree = (what: string): number => {
    for (let i = 1; i < 256; i++) {
      if (!used.has(i)) {
        used.add(i);
        return i;
      }
    }
    throw new PlanError(what, `no free level-4 entry left for the ${what}`);
  };
  // 0.9: the loader's choices; 0.11: the config's (plan011.ts).
  const recursiveIndex = placement ? (placement.recursiveIndex ?? 0) : takeFree('recursive page table');
  const bootInfoAddress = placement ? placement.bootInfo : (meta.bootInfoAddress ?? BigInt(takeFree('boot info')) << 39n);
  const physicalMemoryOffset = placement ? placement.physicalMemoryOffset : features.map_physical_memory ? (meta.physicalMemoryOffset ?? BigInt(takeFree('physical memory mapping')) << 39n) : undefined;
  const r = BigInt(recursiveIndex);
  const recursivePageTableAddr = features.recursive_page_table ? signExtend48((r << 39n) | (r << 30n) | (r << 21n) | (r << 12n)) : undefined;

  const guard = placement ? placement.stackGuard : (meta.kernelStackAddress ?? bootInfoAddress + PAGE);
  const bottom = guard + PAGE;
  // 0.11: RSP = align_down(stack start + kernel_stack_size, 16) - 8 (BOOT-CONTRACT-011 §3.1).
  const top = placement ? (bottom + config!.kernelStackSize) & ~15n : bottom + BigInt(stackPages) * PAGE;
  const stackKey = placement ? 'mappings.kernel_stack' : 'kernel-stack-address';
  const bootKey = placement ? 'mappings.boot_info' : 'boot-info-address';
  const physKey = placement ? 'mappings.physical_memory' : 'physical-memory-offset';
  const bootInfoBytes = placement ? BigInt(BOOT_INFO_011_PAGES) * PAGE : PAGE;
  const physBytes = 1n << 40n;
  if (!isCanonical(top - 1n) || (guard < 0x8000_0000_0000n) !== (top - 1n < 0x8000_0000_0000n)) throw new PlanError(stackKey, `the kernel stack ${hex(bottom)}..${hex(top)} is not canonical`);

  // Collisions between the kernel and the loader's own placements.
  const overlapsKernel = (start: bigint, end: bigint): PlannedSegment | undefined =>
    segments.find((s) => (s.vaddr & ~(PAGE - 1n)) < end && start < ((s.vaddr + s.memsz + PAGE - 1n) & ~(PAGE - 1n)));
  const check = (key: string, what: string, start: bigint, end: bigint) => {
    if (start < LOADER_RESERVED_END) throw new PlanError(key, `the ${what} at ${hex(start)} lies in the first MiB, which the loader needs`);
    const s = overlapsKernel(start, end);
    if (s) throw new PlanError(key, `the ${what} (${hex(start)}..${hex(end)}) collides with kernel segment ${s.index} (${hex(s.vaddr)}..${hex(s.vaddr + s.memsz)})`);
  };
  const bootInfoStart = bootInfoAddress & ~(PAGE - 1n);
  check(bootKey, 'boot info page', bootInfoStart, bootInfoStart + bootInfoBytes);
  check(stackKey, 'kernel stack and its guard page', guard, top);
  if (bootInfoStart + bootInfoBytes > guard && bootInfoStart < top) throw new PlanError(bootKey, `the boot info page ${hex(bootInfoAddress)} lies inside the kernel stack ${hex(guard)}..${hex(top)}`);
  if (physicalMemoryOffset !== undefined) {
    check(physKey, 'physical memory mapping', physicalMemoryOffset, physicalMemoryOffset + physBytes);
    const inPhys = (a: bigint) => a >= physicalMemoryOffset && a < physicalMemoryOffset + physBytes;
    if (inPhys(bootInfoAddress) || inPhys(guard) || inPhys(top - 1n)) throw new PlanError(physKey, `the physical memory mapping at ${hex(physicalMemoryOffset)} would cover the boot info page or the kernel stack`);
  }
  if (placement) {
    if (placement.ramdisk !== undefined && ramdiskPages > 0) check('mappings.ramdisk_memory', 'ramdisk', placement.ramdisk, placement.ramdisk + BigInt(ramdiskPages) * PAGE);
    check('mappings.framebuffer', 'framebuffer', placement.framebuffer, placement.framebuffer + PAGE);
  }
  const recStart = signExtend48(r << 39n);
  for (const [key, a] of [[bootKey, bootInfoAddress], [stackKey, guard]] as const) {
    if (features.recursive_page_table && l4Index(a) === recursiveIndex) throw new PlanError(key, `${key} ${hex(a)} lies in the recursive page-table slot ${hex(recStart)}`);
  }

  // TLS template.
  const tlsPh = elf.programHeaders.find((p) => p.type === PT_TLS);
  const tls = tlsPh ? { start: rel(tlsPh.vaddr), fileSize: BigInt(tlsPh.filesz), memSize: tlsPh.memsz } : { start: 0n, fileSize: 0n, memSize: 0n };

  const featureList = BOOT_FEATURES.filter((f) => features[f]);
  const abi011: Abi011Plan | undefined =
    config && placement
      ? {
          config,
          apiVersion: config.apiVersion,
          stackBytes: config.kernelStackSize,
          framebuffer: placement.framebuffer,
          minFramebuffer: { width: clampU32(config.frameBuffer.minimumWidth), height: clampU32(config.frameBuffer.minimumHeight) },
          ...(placement.recursiveIndex !== undefined ? { recursiveIndex: placement.recursiveIndex } : {}),
          tlsPresent: tlsPh !== undefined,
          ...(options.ramdisk && placement.ramdisk !== undefined ? { ramdisk: { address: placement.ramdisk, bytes: options.ramdisk.length, payloadPage: kernelPayloadPages, pages: ramdiskPages } } : {}),
          ...(relro ? { relro } : {}),
          kernelPayloadPages,
          usedSlots: placement.usedSlots,
        }
      : undefined;
  return {
    kind: isPie ? 'pie' : 'exec',
    abi: config ? '0.11' : '0.9',
    ...(abi011 ? { abi011 } : {}),
    relocationBase,
    relocationsApplied,
    entry,
    features,
    featureList,
    segments,
    runs,
    payload,
    payloadPages: kernelPayloadPages + ramdiskPages,
    zeroPages,
    stack: { guard, bottom, top, pages: stackPages },
    bootInfo: { address: bootInfoAddress, layout: config ? bootInfoLayout011() : bootInfoLayout(features) },
    physicalMemoryOffset,
    physicalMemoryOffsetField: physicalMemoryOffset === undefined ? undefined : (meta.physicalMemoryOffsetRaw ?? physicalMemoryOffset),
    recursiveIndex,
    recursivePageTableAddr,
    tls,
    level4Used: kernelUsed,
    warnings,
  };
}

/** A config's minimum framebuffer size as the plan's u32 (0: none; larger than any screen: the largest u32). */
function clampU32(v: bigint | null): number {
  if (v === null) return 0;
  return v > 0xffff_ffffn ? 0xffff_ffff : Number(v);
}

function perm(p: { writable: boolean; executable: boolean }): string {
  return `R${p.writable ? 'W' : '-'}${p.executable ? 'X' : '-'}`;
}

function relocName(t: number): string {
  const names: Record<number, string> = { 1: 'R_X86_64_64', 2: 'R_X86_64_PC32', 4: 'R_X86_64_PLT32', 6: 'R_X86_64_GLOB_DAT', 7: 'R_X86_64_JUMP_SLOT', 10: 'R_X86_64_32', 11: 'R_X86_64_32S', 16: 'R_X86_64_DTPMOD64', 18: 'R_X86_64_TPOFF64', 37: 'R_X86_64_IRELATIVE' };
  return names[t] ?? 'unknown type';
}

/** RELA entries named by PT_DYNAMIC (DT_RELA/DT_RELASZ), for PIE kernels without section headers. */
function dynamicRelocations(elf: ElfFile): ElfRelocation[] {
  const dyn = elf.programHeaders.find((p) => p.type === PT_DYNAMIC);
  if (!dyn) return [];
  const view = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  let rela: bigint | undefined;
  let relasz = 0n;
  for (let o = dyn.offset; o + 16 <= dyn.offset + dyn.filesz; o += 16) {
    const tag = view.getBigInt64(o, true);
    const val = view.getBigUint64(o + 8, true);
    if (tag === 0n) break;
    if (tag === 7n) rela = val;
    if (tag === 8n) relasz = val;
  }
  if (rela === undefined || relasz === 0n) return [];
  const ph = elf.programHeaders.find((p: ProgramHeader) => p.type === PT_LOAD && rela! >= p.vaddr && rela! + relasz <= p.vaddr + BigInt(p.filesz));
  if (!ph) throw new ElfError('DT_RELA', dyn.offset, `DT_RELA ${hex(rela)} is not inside a loadable segment's file bytes`);
  const start = ph.offset + Number(rela - ph.vaddr);
  const out: ElfRelocation[] = [];
  for (let o = start; o + 24 <= start + Number(relasz); o += 24) {
    const info = view.getBigUint64(o + 8, true);
    out.push({ offset: view.getBigUint64(o, true), type: Number(info & 0xffff_ffffn), symbol: Number(info >> 32n), addend: view.getBigInt64(o + 16, true), entryOffset: o });
  }
  return out;
}
