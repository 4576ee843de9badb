// The Node side of the image step: read the bootloader sources from resources/bootloader,
// assemble them with Bootlab's assembler (cached by source hash, in memory and on disk), read
// the kernel ELF, make the load plan, lay out the disk image and write it to a temporary file
// that is then renamed over the final name (a failed write never leaves a half image).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readElf } from '../elf/index.js';
import { ESP_PATHS, layoutDisk, layoutHybridDisk, layoutUefiDisk, type GptLayout, type ImageKind, type ImageLayout } from '../image/disk.js';
import { checkGuestMemory, kernelMemory, type GuestRam } from '../image/memoryBudget.js';
import { hex, makePlan, type LoadPlan } from '../image/plan.js';
import { writeFileAtomic } from './atomicWrite.js';
import { assembleBootloader as assembleLoaderSources, assembleEfiLoader, BootloaderAssemblyError, defaultCacheDir, type AssembledLoader } from './bootloaderAssembly.js';

export { clearBootloaderMemoryCache, type AssembledLoader } from './bootloaderAssembly.js';

export interface BuildDiskImageOptions {
  kernelPath: string;
  outPath: string;
  /** The kernel's `bootloader` features (map_physical_memory, recursive_page_table, sse, vga_320x200). */
  features?: string[];
  /** `[package.metadata.bootloader]`, validated strictly. */
  bootloaderMetadata?: Record<string, unknown>;
  /** Ask the bootloader to write its host log to port 0xE9. */
  hostLog?: boolean;
  /** The folder holding `bootloader/` (default: the installed resources folder). */
  resourcesDir?: string;
  /** Where assembled bootloaders are cached (default: the per-user cache folder; `false`: memory only). */
  cacheDir?: string | false;
  /** The RAM of the guest that will boot the image (from QEMU's -m): a kernel that cannot fit is refused before the write. */
  guestRam?: GuestRam;
  /** `bios` (MBR only, the default here), `hybrid` (BIOS and UEFI) or `uefi` (GPT + ESP only). */
  imageKind?: ImageKind;
  /** BOOTX64.EFI's bytes; by default the UEFI loader from the resources folder, when it exists. */
  efiLoader?: Uint8Array;
  /** A file a bootloader_api 0.11 kernel gets as its ramdisk (BootInfo.ramdisk_addr/len). */
  ramdiskPath?: string;
}

export interface PlanSummary {
  kind: 'exec' | 'pie';
  features: string[];
  entry: string;
  relocationBase: string;
  relocationsApplied: number;
  segments: { index: number; vaddr: string; end: string; fileBytes: number; flags: string }[];
  stack: { guard: string; bottom: string; top: string; pages: number };
  bootInfo: { address: string; size: number };
  physicalMemoryOffset?: string;
  recursiveIndex: number;
  recursivePageTableAddr?: string;
  tls?: { start: string; fileSize: number; memSize: number };
  payloadPages: number;
  zeroPages: number;
}

export interface ImageFacts {
  imagePath: string;
  imageBytes: number;
  elfBytes: number;
  payloadBytes: number;
  /** Added to the kernel's link-time addresses (PIE kernels); 0n for ET_EXEC. */
  relocationBase: bigint;
  /** The contract the kernel gets: `bootloader` 0.9 or `bootloader_api` 0.11. */
  abi: LoadPlan['abi'];
  plan: PlanSummary;
  kind: ImageKind;
  layout: ImageLayout | GptLayout;
  /** The layout in a few human-readable lines. */
  summary: string[];
  warnings: string[];
  timings: { assembleMs: number; assembleCached: boolean; readMs: number; planMs: number; layoutMs: number; writeMs: number; totalMs: number };
}

export class ImageBuildError extends Error {
  constructor(message: string, readonly key?: string) {
    super(message);
    this.name = 'ImageBuildError';
  }
}

/**
 * The resources folder: next to the sources in a checkout, next to `out/` when bundled. Never the
 * current directory: a `resources/bootloader` there would be a stranger's loader in the user's image.
 */
export function defaultResourcesDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'bootloader', 'bootloader.asm'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ImageBuildError(`Bootlab's resources folder (resources/bootloader/bootloader.asm) was not found above ${start}: reinstall Bootlab`);
}

/** The bootloader assembled (or taken from the cache), with assembly failures as image-build errors. */
export async function assembleBootloader(resourcesDir = defaultResourcesDir(), cacheDir: string | false = defaultCacheDir()): Promise<AssembledLoader> {
  try {
    return await assembleLoaderSources(resourcesDir, cacheDir);
  } catch (e) {
    if (e instanceof BootloaderAssemblyError) throw new ImageBuildError(e.message);
    throw e;
  }
}

/**
 * BOOTX64.EFI: Bootlab's UEFI loader (resources/bootloader/uefi) assembled, or nothing when this
 * Bootlab has no UEFI loader yet.
 */
export async function loadEfiLoader(resourcesDir: string, cacheDir: string | false): Promise<Uint8Array | undefined> {
  if (!existsSync(join(resourcesDir, 'bootloader', 'uefi', 'bootx64.asm'))) return undefined;
  try {
    return (await assembleEfiLoader(resourcesDir, cacheDir)).bytes;
  } catch (e) {
    if (e instanceof BootloaderAssemblyError) throw new ImageBuildError(e.message);
    throw e;
  }
}

function flagsOf(s: { writable: boolean; executable: boolean }): string {
  return `R${s.writable ? 'W' : '-'}${s.executable ? 'X' : '-'}`;
}

export function summarizePlan(plan: LoadPlan): PlanSummary {
  return {
    kind: plan.kind,
    features: [...plan.featureList],
    entry: hex(plan.entry),
    relocationBase: hex(plan.relocationBase),
    relocationsApplied: plan.relocationsApplied,
    segments: plan.segments.map((s) => ({ index: s.index, vaddr: hex(s.vaddr), end: hex(s.vaddr + s.memsz), fileBytes: s.filesz, flags: flagsOf(s) })),
    stack: { guard: hex(plan.stack.guard), bottom: hex(plan.stack.bottom), top: hex(plan.stack.top), pages: plan.stack.pages },
    bootInfo: { address: hex(plan.bootInfo.address), size: plan.bootInfo.layout.size },
    ...(plan.physicalMemoryOffset !== undefined ? { physicalMemoryOffset: hex(plan.physicalMemoryOffset) } : {}),
    recursiveIndex: plan.recursiveIndex,
    ...(plan.recursivePageTableAddr !== undefined ? { recursivePageTableAddr: hex(plan.recursivePageTableAddr) } : {}),
    ...(plan.tls.memSize > 0n ? { tls: { start: hex(plan.tls.start), fileSize: Number(plan.tls.fileSize), memSize: Number(plan.tls.memSize) } } : {}),
    payloadPages: plan.payloadPages,
    zeroPages: plan.zeroPages,
  };
}

/** Human-readable lines describing the chosen layout (printed by `bootlab image`, logged by the pipeline). */
export function describeLayout(plan: LoadPlan, layout: ImageLayout | GptLayout, imageBytes: number, elfBytes: number): string[] {
  const lines: string[] = [];
  lines.push(`kernel: ${plan.kind === 'pie' ? `static PIE relocated by ${hex(plan.relocationBase)} (${plan.relocationsApplied} relocations)` : 'ET_EXEC'}, entry ${hex(plan.entry)}`);
  if (plan.abi011) {
    const c = plan.abi011.config;
    lines.push(`bootloader_api ${c.apiVersion.major}.${c.apiVersion.minor}.${c.apiVersion.patch} kernel (${c.length}-byte config): BootInfo ${plan.bootInfo.layout.size} bytes, framebuffer at ${hex(plan.abi011.framebuffer)}${c.mappings.aslr ? ', ASLR' : ''}`);
    if (plan.abi011.ramdisk) lines.push(`ramdisk: ${plan.abi011.ramdisk.bytes} bytes at ${hex(plan.abi011.ramdisk.address)}`);
  } else lines.push(`features: ${plan.featureList.length ? plan.featureList.join(', ') : 'none'} (BootInfo ${plan.bootInfo.layout.size} bytes)`);
  for (const s of plan.segments) lines.push(`segment ${s.index}: ${hex(s.vaddr)}..${hex(s.vaddr + s.memsz)} ${flagsOf(s)} (${s.filesz} file bytes)`);
  lines.push(`boot info: ${hex(plan.bootInfo.address)}`);
  lines.push(`stack: ${hex(plan.stack.bottom)}..${hex(plan.stack.top)} (${plan.stack.pages} pages, guard page ${hex(plan.stack.guard)})`);
  if (plan.physicalMemoryOffset !== undefined) lines.push(`physical memory offset: ${hex(plan.physicalMemoryOffset)}`);
  lines.push(`recursive index: ${plan.recursiveIndex}${plan.recursivePageTableAddr !== undefined ? ` (level-4 table at ${hex(plan.recursivePageTableAddr)})` : ' (not mapped)'}`);
  if (plan.tls.memSize > 0n) lines.push(`TLS template: ${hex(plan.tls.start)}, ${plan.tls.fileSize} file bytes, ${plan.tls.memSize} bytes`);
  lines.push(`payload: ${plan.payloadPages} pages (${plan.payloadPages * 4} KiB) + ${plan.zeroPages} zero pages`);
  if ('esp' in layout) {
    const boot = layout.biosBoot ? `BIOS boot partition LBA ${layout.biosBoot.firstLba}-${layout.biosBoot.lastLba} (loader ${layout.loaderSectors}, plan ${layout.planSectors}), ` : '';
    const files = [...(layout.efiLoader ? ['BOOTX64.EFI'] : []), 'PLAN.BIN', `KERNEL.BIN (payload ${layout.payloadSectors} sectors at LBA ${layout.payloadLba})`];
    lines.push(`image: ${imageBytes} bytes, ${layout.kind} (${layout.totalSectors} sectors: GPT, ${boot}ESP LBA ${layout.esp.firstLba}-${layout.esp.lastLba} FAT${layout.esp.fatType} with ${files.join(', ')}) from a ${elfBytes}-byte ELF`);
  } else {
    lines.push(`image: ${imageBytes} bytes (${layout.totalSectors} sectors: loader ${layout.loaderSectors}, plan ${layout.planSectors}, payload ${layout.payloadSectors}) from a ${elfBytes}-byte ELF`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines;
}

/** A disk image decided and laid out in memory, not yet written. */
export interface PlannedDiskImage {
  outPath: string;
  bytes: Uint8Array;
  plan: LoadPlan;
  kind: ImageKind;
  layout: ImageLayout | GptLayout;
  elfBytes: number;
  timings: { assembleMs: number; assembleCached: boolean; readMs: number; planMs: number; layoutMs: number };
}

/** Everything before the write: assemble (cached), read the ELF, plan, lay out. Throws with a clear message on any rejection. */
export async function planDiskImage(options: BuildDiskImageOptions): Promise<PlannedDiskImage> {
  const t0 = performance.now();
  const kind = options.imageKind ?? 'bios';
  const resourcesDir = options.resourcesDir ?? defaultResourcesDir();
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const loader = kind === 'uefi' ? undefined : await assembleBootloader(resourcesDir, cacheDir);
  const efiLoader = kind === 'bios' ? undefined : (options.efiLoader ?? (await loadEfiLoader(resourcesDir, cacheDir)));
  if (kind === 'uefi' && !efiLoader) throw new ImageBuildError(`a UEFI image needs Bootlab's UEFI loader (${ESP_PATHS.efiLoader}), and this Bootlab has none (${join(resourcesDir, 'bootloader', 'uefi')} is missing): use --firmware hybrid or bios`);
  const t1 = performance.now();
  let elfBytes: Uint8Array;
  try {
    elfBytes = new Uint8Array(readFileSync(options.kernelPath));
  } catch (e) {
    throw new ImageBuildError(`cannot read the kernel ${options.kernelPath}: ${(e as Error).message}`);
  }
  let ramdisk: Uint8Array | undefined;
  if (options.ramdiskPath !== undefined) {
    try {
      ramdisk = new Uint8Array(readFileSync(options.ramdiskPath));
    } catch (e) {
      throw new ImageBuildError(`cannot read the ramdisk ${options.ramdiskPath}: ${(e as Error).message}`, 'ramdisk');
    }
  }
  const t2 = performance.now();
  let plan: LoadPlan;
  try {
    plan = makePlan(readElf(elfBytes), { features: options.features, bootloaderMetadata: options.bootloaderMetadata, ...(ramdisk ? { ramdisk } : {}) });
  } catch (e) {
    const err = e as Error & { key?: string; field?: string };
    throw new ImageBuildError(`${options.kernelPath}: ${err.message}`, err.key ?? err.field);
  }
  if (options.guestRam) {
    const tooBig = checkGuestMemory(kernelMemory(plan, options.guestRam.bytes), options.guestRam);
    if (tooBig) throw new ImageBuildError(`${options.kernelPath}: ${tooBig}`, 'memory');
  }
  const t3 = performance.now();
  let laidOut: { bytes: Uint8Array; layout: ImageLayout | GptLayout };
  try {
    if (kind === 'bios') laidOut = layoutDisk(loader!.bytes, plan, { hostLog: options.hostLog });
    else if (kind === 'hybrid') laidOut = layoutHybridDisk(loader!.bytes, plan, { hostLog: options.hostLog, efiLoader });
    else laidOut = layoutUefiDisk(plan, { hostLog: options.hostLog, efiLoader });
  } catch (e) {
    throw new ImageBuildError(`${options.kernelPath}: ${(e as Error).message}`);
  }
  const { bytes, layout } = laidOut;
  const t4 = performance.now();
  return {
    outPath: resolve(options.outPath),
    bytes,
    plan,
    kind,
    layout,
    elfBytes: elfBytes.length,
    timings: { assembleMs: t1 - t0, assembleCached: loader ? loader.cached !== false : true, readMs: t2 - t1, planMs: t3 - t2, layoutMs: t4 - t3 },
  };
}

/** Writes a planned image (temporary file, then rename) and describes it. */
export function writeDiskImage(planned: PlannedDiskImage): ImageFacts {
  const { outPath, bytes, plan, layout, elfBytes } = planned;
  const t0 = performance.now();
  try {
    writeFileAtomic(outPath, bytes);
  } catch (e) {
    throw new ImageBuildError(`cannot write the disk image ${outPath}: ${(e as Error).message}`);
  }
  const writeMs = performance.now() - t0;
  const { assembleMs, readMs, planMs, layoutMs } = planned.timings;
  return {
    imagePath: outPath,
    imageBytes: bytes.length,
    elfBytes,
    payloadBytes: plan.payload.length,
    relocationBase: plan.relocationBase,
    abi: plan.abi,
    plan: summarizePlan(plan),
    kind: planned.kind,
    layout,
    summary: describeLayout(plan, layout, bytes.length, elfBytes),
    warnings: plan.warnings,
    timings: { ...planned.timings, writeMs, totalMs: assembleMs + readMs + planMs + layoutMs + writeMs },
  };
}

/** Build a bootable disk image for a kernel ELF. Throws with a clear message on any rejection. */
export async function buildDiskImage(options: BuildDiskImageOptions): Promise<ImageFacts> {
  return writeDiskImage(await planDiskImage(options));
}

/** A scratch folder for callers that need one (tests, bench). */
export function scratchDir(prefix = 'bootlab-image-'): string {
  const dir = join(tmpdir(), `${prefix}${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
