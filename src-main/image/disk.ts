// The disk image, as bytes, in three kinds:
// - `bios`: [MBR + loader sectors][plan sectors][payload sectors], padded to whole sectors, with
//   an MBR partition table whose one active partition covers everything after the MBR;
// - `hybrid` (BOOT-CONTRACT-011 §7): a protective MBR carrying stage 1, a GPT, a "BIOS boot"
//   partition at LBA 34 holding [stage 1 copy][rest of the loader][plan], and an EFI system
//   partition (FAT) with EFI/BOOT/BOOTX64.EFI, BOOTLAB/PLAN.BIN and BOOTLAB/KERNEL.BIN. The BIOS
//   loader reads the payload straight from KERNEL.BIN's clusters (the FAT writer stores files
//   contiguously), so the kernel's bytes are on the disk once;
// - `uefi`: the GPT and the EFI system partition only.
// The plan (binary, described below and read by resources/bootloader/stage2.asm and stage3.asm
// and the UEFI loader) carries a magic, a version and checksums of itself and of the payload.
import { PMBR_BOOT_CODE_BYTES } from './gpt.js';
import { buildGptImage, type PartitionExtent } from './gptImage.js';
import type { FatType } from './fat.js';
import type { LoadPlan } from './plan.js';

export const SECTOR = 512;
export const PLAN_MAGIC = 'BLABPLAN';
export const PLAN_VERSION = 1;
export const PLAN_HEADER_SIZE = 256;
export const PLAN_RUN_SIZE = 32;
/** The loader copies the plan to a 32 KiB buffer. */
export const PLAN_MAX_BYTES = 32 * 1024;
/** MBR partition type for the Bootlab partition ("non-FS data"). */
export const PARTITION_TYPE = 0xda;

export const PLAN_FLAG = {
  mapPhysicalMemory: 1,
  recursivePageTable: 2,
  sse: 4,
  vga320x200: 8,
  hostLog: 16,
  /** A bootloader_api 0.11 kernel: 0.11 BootInfo, memory regions and entry state (stage3). */
  abi011: 32,
  /** Set a graphics mode with a linear framebuffer (VBE in stage2, GOP in the UEFI loader). */
  framebuffer: 64,
} as const;

export const RUN_FLAG = { writable: 1, executable: 2, data: 4 } as const;

/*
 * Plan header (little-endian; offsets also in resources/bootloader/layout.inc):
 *   0x00 magic "BLABPLAN"        0x08 u32 version      0x0C u32 plan bytes (header + runs)
 *   0x10 u32 payload LBA         0x14 u32 payload sectors   0x18 u32 payload pages
 *   0x1C u32 flags (PLAN_FLAG)   0x20 u64 payload checksum
 *   0x28 u64 entry               0x30 u64 stack guard page  0x38 u64 stack pages
 *   0x40 u64 boot info address   0x48 u64 physical memory offset   0x50 u64 recursive index
 *   0x58 u64 recursive_page_table_addr   0x60/0x68/0x70 u64 TLS start, file size, memory size
 *   0x78 u32 BootInfo size   0x7C u32 offset of recursive addr (0: none)
 *   0x80 u32 offset of physical memory offset (0: none)   0x84 u32 offset of TLS template
 *   0x88 u32 run count       0x8C u32 zero pages        0x90 u64 plan checksum (computed with this field 0)
 *   0x98 u64 the value BootInfo.physical_memory_offset gets (the offset as the metadata wrote it)
 *   0xA0 u32 minimum framebuffer width, 0xA4 u32 minimum framebuffer height (0: no minimum; the
 *        0.11 config's minimum_framebuffer_width/height, used with PLAN_FLAG.framebuffer)
 *   With PLAN_FLAG.abi011 (a bootloader_api 0.11 kernel; stage3 writes the 0.11 BootInfo):
 *   0xA8 u64 BootInfo.api_version (its 8 bytes)   0xB0 u64 framebuffer virtual address
 *   0xB8 u64 kernel_stack_size in bytes           0xC0 u64 kernel image offset (relocation base)
 *   0xC8 u64 ramdisk virtual address              0xD0 u64 ramdisk bytes
 *   0xD8 u32 ABI011_FLAG                           0xDC u32 the kernel's payload pages (a ramdisk's follow)
 *   0x100 runs, 32 bytes each: u64 vaddr, u64 pages, u32 flags (RUN_FLAG), u32 0, u64 first payload page
 */
export const PLAN_OFFSETS = {
  magic: 0x00,
  version: 0x08,
  planBytes: 0x0c,
  payloadLba: 0x10,
  payloadSectors: 0x14,
  payloadPages: 0x18,
  flags: 0x1c,
  payloadChecksum: 0x20,
  entry: 0x28,
  stackGuard: 0x30,
  stackPages: 0x38,
  bootInfo: 0x40,
  physOffset: 0x48,
  recursiveIndex: 0x50,
  recursiveAddr: 0x58,
  tlsStart: 0x60,
  tlsFileSize: 0x68,
  tlsMemSize: 0x70,
  bootInfoSize: 0x78,
  offRecursive: 0x7c,
  offPhys: 0x80,
  offTls: 0x84,
  runCount: 0x88,
  zeroPages: 0x8c,
  planChecksum: 0x90,
  physOffsetField: 0x98,
  fbMinWidth: 0xa0,
  fbMinHeight: 0xa4,
  apiVersion: 0xa8,
  framebufferVaddr: 0xb0,
  stackBytes: 0xb8,
  kernelImageOffset: 0xc0,
  ramdiskVaddr: 0xc8,
  ramdiskBytes: 0xd0,
  abi011Flags: 0xd8,
  kernelPayloadPages: 0xdc,
} as const;

/** Plan header field 0xD8 of a 0.11 plan. */
export const ABI011_FLAG = { tls: 1, ramdisk: 2 } as const;

/**
 * The checksum both sides compute: over little-endian 64-bit words w, s = rol64(s, 7) xor w,
 * starting from 0. Cheap in 64-bit code (three instructions per word). `bytes.length` must be a
 * multiple of 8.
 */
export function checksum64(bytes: Uint8Array): bigint {
  if (bytes.length % 8 !== 0) throw new Error('checksum64: length must be a multiple of 8');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hi = 0;
  let lo = 0;
  for (let o = 0; o < bytes.length; o += 8) {
    const nhi = ((hi << 7) | (lo >>> 25)) >>> 0;
    const nlo = ((lo << 7) | (hi >>> 25)) >>> 0;
    lo = (nlo ^ v.getUint32(o, true)) >>> 0;
    hi = (nhi ^ v.getUint32(o + 4, true)) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export interface ImageLayout {
  loaderSectors: number;
  planLba: number;
  planSectors: number;
  payloadLba: number;
  payloadSectors: number;
  totalSectors: number;
}

/** Encode the plan's header and runs (payload LBA filled in by `layoutDisk`). */
export function encodePlan(plan: LoadPlan, payloadLba: number, options: { hostLog?: boolean } = {}): Uint8Array {
  const size = PLAN_HEADER_SIZE + plan.runs.length * PLAN_RUN_SIZE;
  if (size > PLAN_MAX_BYTES) throw new Error(`the load plan has ${plan.runs.length} page runs; at most ${(PLAN_MAX_BYTES - PLAN_HEADER_SIZE) / PLAN_RUN_SIZE} fit`);
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  const O = PLAN_OFFSETS;
  for (let i = 0; i < 8; i++) bytes[i] = PLAN_MAGIC.charCodeAt(i);
  v.setUint32(O.version, PLAN_VERSION, true);
  v.setUint32(O.planBytes, size, true);
  v.setUint32(O.payloadLba, payloadLba, true);
  v.setUint32(O.payloadSectors, plan.payload.length / SECTOR, true);
  v.setUint32(O.payloadPages, plan.payloadPages, true);
  let flags = 0;
  if (plan.features.map_physical_memory) flags |= PLAN_FLAG.mapPhysicalMemory;
  if (plan.features.recursive_page_table) flags |= PLAN_FLAG.recursivePageTable;
  if (plan.features.sse) flags |= PLAN_FLAG.sse;
  if (plan.features.vga_320x200) flags |= PLAN_FLAG.vga320x200;
  if (options.hostLog) flags |= PLAN_FLAG.hostLog;
  const abi = plan.abi011;
  // 0.11 kernels always get a framebuffer request (VBE on BIOS, GOP on UEFI).
  if (abi) flags |= PLAN_FLAG.abi011 | PLAN_FLAG.framebuffer;
  v.setUint32(O.flags, flags, true);
  if (abi) {
    v.setUint32(O.fbMinWidth, abi.minFramebuffer.width, true);
    v.setUint32(O.fbMinHeight, abi.minFramebuffer.height, true);
    v.setUint16(O.apiVersion, abi.apiVersion.major, true);
    v.setUint16(O.apiVersion + 2, abi.apiVersion.minor, true);
    v.setUint16(O.apiVersion + 4, abi.apiVersion.patch, true);
    bytes[O.apiVersion + 6] = abi.apiVersion.preRelease ? 1 : 0;
    v.setBigUint64(O.framebufferVaddr, abi.framebuffer, true);
    v.setBigUint64(O.stackBytes, abi.stackBytes, true);
    v.setBigUint64(O.kernelImageOffset, plan.relocationBase, true);
    v.setBigUint64(O.ramdiskVaddr, abi.ramdisk?.address ?? 0n, true);
    v.setBigUint64(O.ramdiskBytes, BigInt(abi.ramdisk?.bytes ?? 0), true);
    v.setUint32(O.abi011Flags, (abi.tlsPresent ? ABI011_FLAG.tls : 0) | (abi.ramdisk ? ABI011_FLAG.ramdisk : 0), true);
    v.setUint32(O.kernelPayloadPages, abi.kernelPayloadPages, true);
  }
  v.setBigUint64(O.payloadChecksum, checksum64(plan.payload), true);
  v.setBigUint64(O.entry, plan.entry, true);
  v.setBigUint64(O.stackGuard, plan.stack.guard, true);
  v.setBigUint64(O.stackPages, BigInt(plan.stack.pages), true);
  v.setBigUint64(O.bootInfo, plan.bootInfo.address, true);
  v.setBigUint64(O.physOffset, plan.physicalMemoryOffset ?? 0n, true);
  v.setBigUint64(O.physOffsetField, plan.physicalMemoryOffsetField ?? plan.physicalMemoryOffset ?? 0n, true);
  v.setBigUint64(O.recursiveIndex, BigInt(plan.recursiveIndex), true);
  v.setBigUint64(O.recursiveAddr, plan.recursivePageTableAddr ?? 0n, true);
  v.setBigUint64(O.tlsStart, plan.tls.start, true);
  v.setBigUint64(O.tlsFileSize, plan.tls.fileSize, true);
  v.setBigUint64(O.tlsMemSize, plan.tls.memSize, true);
  const L = plan.bootInfo.layout;
  v.setUint32(O.bootInfoSize, L.size, true);
  v.setUint32(O.offRecursive, L.recursivePageTableAddr ?? 0, true);
  v.setUint32(O.offPhys, L.physicalMemoryOffset ?? 0, true);
  v.setUint32(O.offTls, L.tlsTemplate, true);
  v.setUint32(O.runCount, plan.runs.length, true);
  v.setUint32(O.zeroPages, plan.zeroPages, true);
  plan.runs.forEach((r, i) => {
    const o = PLAN_HEADER_SIZE + i * PLAN_RUN_SIZE;
    v.setBigUint64(o, r.vaddr, true);
    v.setBigUint64(o + 8, BigInt(r.pages), true);
    v.setUint32(o + 16, (r.writable ? RUN_FLAG.writable : 0) | (r.executable ? RUN_FLAG.executable : 0) | (r.data ? RUN_FLAG.data : 0), true);
    v.setBigUint64(o + 24, BigInt(r.payloadPage), true);
  });
  v.setBigUint64(O.planChecksum, checksum64(bytes), true);
  return bytes;
}

function chs(lba: number): [number, number, number] {
  const heads = 255;
  const spt = 63;
  let c = Math.floor(lba / (heads * spt));
  let h = Math.floor(lba / spt) % heads;
  let s = (lba % spt) + 1;
  if (c > 1023) {
    c = 1023;
    h = 254;
    s = 63;
  }
  return [h, ((c >> 2) & 0xc0) | s, c & 0xff];
}

/**
 * Lay out the image. `loader` is the assembled bootloader: the MBR (with an empty partition
 * table at 0x1BE and the 0x55AA signature) followed by the rest of the loader, whole sectors.
 */
export function layoutDisk(loader: Uint8Array, plan: LoadPlan, options: { hostLog?: boolean; /** Default: from the plan's checksum. */ diskSignature?: number } = {}): { bytes: Uint8Array; layout: ImageLayout } {
  checkLoader(loader);
  const loaderSectors = loader.length / SECTOR;
  const planLba = loaderSectors;
  const planBytesLen = PLAN_HEADER_SIZE + plan.runs.length * PLAN_RUN_SIZE;
  const planSectors = Math.ceil(planBytesLen / SECTOR);
  const payloadLba = planLba + planSectors;
  const payloadSectors = plan.payload.length / SECTOR;
  const totalSectors = payloadLba + payloadSectors;
  if (totalSectors > 0xffff_ffff) throw new Error('the image is too large for an MBR partition table');
  const bytes = new Uint8Array(totalSectors * SECTOR);
  bytes.set(loader, 0);
  const planBytes = encodePlan(plan, payloadLba, options);
  bytes.set(planBytes, planLba * SECTOR);
  bytes.set(plan.payload, payloadLba * SECTOR);
  const v = new DataView(bytes.buffer);
  // A disk signature unique to this image: the loader trusts a DMA-readable disk only when its
  // first sectors equal the MBR the BIOS booted (two Bootlab disks must not be confused).
  const planView = new DataView(planBytes.buffer, planBytes.byteOffset);
  const signature = options.diskSignature ?? Number(planView.getBigUint64(PLAN_OFFSETS.planChecksum, true) & 0xffff_ffffn);
  v.setUint32(0x1b8, signature, true);
  v.setUint16(0x1bc, 0, true);
  for (let i = 0x1be; i < 0x1fe; i++) bytes[i] = 0;
  const e = 0x1be;
  const first = 1;
  const count = totalSectors - 1;
  bytes[e] = 0x80;
  bytes.set(chs(first), e + 1);
  bytes[e + 4] = PARTITION_TYPE;
  bytes.set(chs(first + count - 1), e + 5);
  v.setUint32(e + 8, first, true);
  v.setUint32(e + 12, count, true);
  return { bytes, layout: { loaderSectors, planLba, planSectors, payloadLba, payloadSectors, totalSectors } };
}

export type ImageKind = 'hybrid' | 'bios' | 'uefi';
export const IMAGE_KINDS: readonly ImageKind[] = ['hybrid', 'bios', 'uefi'];

/** The names the UEFI loader reads from the ESP (resources/bootloader/uefi). */
export const ESP_PATHS = { efiLoader: 'EFI/BOOT/BOOTX64.EFI', plan: 'BOOTLAB/PLAN.BIN', kernel: 'BOOTLAB/KERNEL.BIN' } as const;

/** Offsets in stage 1 (resources/bootloader/stage1.asm) that the image writer fills in. */
export const STAGE1_FIELDS = { loaderLba: 0x1b0, imageId: 0x1b4 } as const;

export interface GptLayout extends ImageLayout {
  kind: 'hybrid' | 'uefi';
  /** The BIOS boot partition (hybrid only): the loader from its sector 0, then the plan. */
  biosBoot?: PartitionExtent;
  esp: PartitionExtent & { fatType: FatType };
  /** Whether the ESP holds EFI/BOOT/BOOTX64.EFI. */
  efiLoader: boolean;
}

export interface GptDiskOptions {
  hostLog?: boolean;
  /** The UEFI loader (a PE32+): EFI/BOOT/BOOTX64.EFI; none when absent. */
  efiLoader?: Uint8Array;
}

function checkLoader(loader: Uint8Array): void {
  if (loader.length < SECTOR || loader.length % SECTOR !== 0) throw new Error(`the assembled bootloader is ${loader.length} bytes, not whole sectors`);
  if (loader[510] !== 0x55 || loader[511] !== 0xaa) throw new Error('the assembled bootloader has no 0x55AA boot signature');
}

/** A hybrid disk (BIOS through the protective MBR's stage 1, UEFI through the ESP). */
export function layoutHybridDisk(loader: Uint8Array, plan: LoadPlan, options: GptDiskOptions = {}): { bytes: Uint8Array; layout: GptLayout } {
  checkLoader(loader);
  return layoutGptDisk(loader, plan, options);
}

/** A UEFI-only disk: GPT and the ESP, no BIOS boot code. */
export function layoutUefiDisk(plan: LoadPlan, options: GptDiskOptions = {}): { bytes: Uint8Array; layout: GptLayout } {
  return layoutGptDisk(undefined, plan, options);
}

function layoutGptDisk(loader: Uint8Array | undefined, plan: LoadPlan, options: GptDiskOptions): { bytes: Uint8Array; layout: GptLayout } {
  const planSize = PLAN_HEADER_SIZE + plan.runs.length * PLAN_RUN_SIZE;
  const planSectors = Math.ceil(planSize / SECTOR);
  const loaderSectors = loader ? loader.length / SECTOR : 0;
  // The plan's payload LBA depends on where the FAT puts KERNEL.BIN, which depends only on the
  // files' sizes: lay the disk out with a plan of the right size, then write the real plan into
  // both of its places.
  const placeholder = new Uint8Array(planSize);
  let biosBootBytes: Uint8Array | undefined;
  if (loader) {
    biosBootBytes = new Uint8Array((loaderSectors + planSectors) * SECTOR);
    biosBootBytes.set(loader);
  }
  const espFiles = [
    ...(options.efiLoader ? [{ path: ESP_PATHS.efiLoader, data: options.efiLoader }] : []),
    { path: ESP_PATHS.plan, data: placeholder },
    { path: ESP_PATHS.kernel, data: plan.payload },
  ];
  // Equal kernels give equal images; different kernels different GUIDs.
  const seed = `bootlab ${checksum64(plan.payload).toString(16)} ${plan.entry.toString(16)} ${plan.payload.length}`;
  const image = buildGptImage({ espFiles, biosBoot: biosBootBytes, bootCode: loader?.subarray(0, PMBR_BOOT_CODE_BYTES), seed, espLabel: 'BOOTLAB' });
  const { bytes } = image;
  const payloadLba = image.espFileLbas.get(ESP_PATHS.kernel) ?? image.esp.firstLba;
  const planBytes = encodePlan(plan, payloadLba, options);
  bytes.set(planBytes, image.espFileLbas.get(ESP_PATHS.plan)! * SECTOR);
  const planLba = image.biosBoot ? image.biosBoot.firstLba + loaderSectors : image.espFileLbas.get(ESP_PATHS.plan)!;
  if (image.biosBoot) {
    bytes.set(planBytes, planLba * SECTOR);
    const v = new DataView(bytes.buffer);
    v.setUint32(STAGE1_FIELDS.loaderLba, image.biosBoot.firstLba, true);
    // The protective MBR's disk signature stays 0 (UEFI spec §5.2.3): stage 2's DMA check tells
    // Bootlab disks apart by this id in the boot code instead.
    const planView = new DataView(planBytes.buffer, planBytes.byteOffset);
    v.setUint32(STAGE1_FIELDS.imageId, Number(planView.getBigUint64(PLAN_OFFSETS.planChecksum, true) & 0xffff_ffffn), true);
  }
  return {
    bytes,
    layout: {
      kind: loader ? 'hybrid' : 'uefi',
      loaderSectors,
      planLba,
      planSectors,
      payloadLba,
      payloadSectors: plan.payload.length / SECTOR,
      totalSectors: image.totalSectors,
      ...(image.biosBoot ? { biosBoot: image.biosBoot } : {}),
      esp: { firstLba: image.esp.firstLba, lastLba: image.esp.lastLba, fatType: image.esp.fatType },
      efiLoader: options.efiLoader !== undefined,
    },
  };
}
