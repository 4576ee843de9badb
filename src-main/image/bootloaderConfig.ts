// Which boot contract a kernel was written for, and the config a `bootloader_api` 0.11 kernel
// embeds (BOOT-CONTRACT-011 §1). A 0.11 kernel's `entry_point!` puts a serialized
// `BootloaderConfig` in a section named `.bootloader-config`; a kernel without that section is
// a `bootloader` 0.9 kernel. The blob is read from the file through the section header, as the
// upstream loader does, and checked as strictly as upstream's `deserialize` (UUID, every flag
// and bool 0 or 1, no payload behind a Dynamic or None) except that every 0.11.x length is
// accepted: 115 bytes (0.11.0), 124 (0.11.1-0.11.10) and 133 (0.11.11-0.11.16). Pure: takes
// the parsed ELF, returns data or throws `BootloaderConfigError` naming the section and byte.
import { SHT_NOBITS, type ElfFile, type SectionHeader } from '../elf/index.js';

export const BOOTLOADER_CONFIG_SECTION = '.bootloader-config';

/** The 16 bytes every serialized config starts with (the same in every 0.11.x). */
export const BOOTLOADER_CONFIG_UUID: readonly number[] = [
  0x74, 0x3c, 0xa9, 0x61, 0x09, 0x36, 0x46, 0xa0, 0xbb, 0x55, 0x5c, 0x15, 0x89, 0x15, 0x25, 0x3d,
];

/** The config layouts, by serialized length; the length is the only version check there is. */
export const CONFIG_LAYOUTS = {
  115: { apiVersions: '0.11.0', kernelBase: false, ramdiskMemory: false },
  124: { apiVersions: '0.11.1-0.11.10', kernelBase: false, ramdiskMemory: true },
  133: { apiVersions: '0.11.11-0.11.16', kernelBase: true, ramdiskMemory: true },
} as const;

export type ConfigLength = keyof typeof CONFIG_LAYOUTS;

/** Where the loader puts something: an address of its choice, or exactly this one. */
export type Mapping = { kind: 'dynamic' } | { kind: 'fixed'; address: bigint };

export interface BootloaderConfig {
  /** Serialized length, which says which 0.11.x layout the kernel was built against. */
  length: ConfigLength;
  /** The API versions that serialize this layout, e.g. "0.11.11-0.11.16". */
  layoutVersions: string;
  /** The version written in the blob (upstream does not check it; informative only). */
  apiVersion: { major: number; minor: number; patch: number; preRelease: boolean };
  kernelStackSize: bigint;
  mappings: {
    kernelStack: Mapping;
    /** Dynamic when the layout predates the field (before 0.11.11). */
    kernelBase: Mapping;
    bootInfo: Mapping;
    framebuffer: Mapping;
    /** null: no physical memory mapping. */
    physicalMemory: Mapping | null;
    /** null: no recursive page-table entry. */
    pageTableRecursive: Mapping | null;
    aslr: boolean;
    dynamicRangeStart: bigint | null;
    dynamicRangeEnd: bigint | null;
    /** Dynamic when the layout predates the field (0.11.0). */
    ramdiskMemory: Mapping;
  };
  frameBuffer: { minimumHeight: bigint | null; minimumWidth: bigint | null };
  /** File offset of the blob (the section's sh_offset), for messages. */
  fileOffset: number;
}

/** A `.bootloader-config` section that is not a valid 0.11 config. */
export class BootloaderConfigError extends Error {
  readonly section = BOOTLOADER_CONFIG_SECTION;
  /** Offset of the offending byte inside the section. */
  readonly byte: number;
  readonly fileOffset: number;
  readonly field: string;
  constructor(field: string, byte: number, sectionFileOffset: number, problem: string) {
    const fileOffset = sectionFileOffset + byte;
    super(
      `${BOOTLOADER_CONFIG_SECTION} byte ${byte} (file offset 0x${fileOffset.toString(16)}), ${field}: ${problem}; ` +
        'the kernel was not built against a bootloader_api 0.11 release or its config is corrupt',
    );
    this.name = 'BootloaderConfigError';
    this.byte = byte;
    this.fileOffset = fileOffset;
    this.field = field;
  }
}

export type KernelAbi =
  | { abi: 'bootloader-0.9' }
  | { abi: 'bootloader_api-0.11'; config: BootloaderConfig; section: SectionHeader };

/**
 * The contract a kernel expects: 0.11 when it has a `.bootloader-config` section (which must
 * then be valid), 0.9 otherwise. Throws `BootloaderConfigError` for a section that fails a check.
 */
export function detectKernelAbi(elf: ElfFile): KernelAbi {
  const found = elf.sections.filter((s) => s.name === BOOTLOADER_CONFIG_SECTION);
  if (found.length === 0) return { abi: 'bootloader-0.9' };
  const section = found[0]!;
  if (found.length > 1) {
    throw new BootloaderConfigError('section header', 0, section.offset, `the kernel has ${found.length} sections named ${BOOTLOADER_CONFIG_SECTION} (headers ${found.map((s) => s.index).join(', ')}); a 0.11 kernel has one`);
  }
  if (section.type === SHT_NOBITS) {
    throw new BootloaderConfigError('section header', 0, section.offset, `section ${section.index} has no bytes in the file (SHT_NOBITS)`);
  }
  const blob = elf.bytes.subarray(section.offset, section.offset + section.size);
  return { abi: 'bootloader_api-0.11', config: decodeBootloaderConfig(blob, section.offset), section };
}

/** Decodes a serialized config of any 0.11.x layout; `fileOffset` is only for messages. */
export function decodeBootloaderConfig(blob: Uint8Array, fileOffset = 0): BootloaderConfig {
  const length = blob.length;
  if (!isConfigLength(length)) {
    throw new BootloaderConfigError(
      'length',
      length,
      fileOffset,
      `the section is ${length} bytes, but a bootloader_api 0.11 config is 115 (0.11.0), 124 (0.11.1-0.11.10) or 133 (0.11.11-0.11.16) bytes`,
    );
  }
  const layout = CONFIG_LAYOUTS[length];
  const r = new BlobReader(blob, fileOffset);
  for (let i = 0; i < BOOTLOADER_CONFIG_UUID.length; i++) {
    const b = r.byteAt(i);
    if (b !== BOOTLOADER_CONFIG_UUID[i]) {
      throw new BootloaderConfigError('UUID', i, fileOffset, `byte 0x${hex2(b)} differs from the bootloader_api config UUID (0x${hex2(BOOTLOADER_CONFIG_UUID[i]!)} expected)`);
    }
  }
  r.at = 16;
  const apiVersion = { major: r.u16(), minor: r.u16(), patch: r.u16(), preRelease: r.bool('version.pre_release') };
  const kernelStackSize = r.u64();
  const kernelStack = r.mapping('mappings.kernel_stack');
  const kernelBase = layout.kernelBase ? r.mapping('mappings.kernel_base') : DYNAMIC;
  const bootInfo = r.mapping('mappings.boot_info');
  const framebuffer = r.mapping('mappings.framebuffer');
  const physicalMemory = r.optionalMapping('mappings.physical_memory');
  const pageTableRecursive = r.optionalMapping('mappings.page_table_recursive');
  const aslr = r.bool('mappings.aslr');
  const dynamicRangeStart = r.optionalU64('mappings.dynamic_range_start');
  const dynamicRangeEnd = r.optionalU64('mappings.dynamic_range_end');
  const ramdiskMemory = layout.ramdiskMemory ? r.mapping('mappings.ramdisk_memory') : DYNAMIC;
  const minimumHeight = r.optionalU64('frame_buffer.minimum_framebuffer_height');
  const minimumWidth = r.optionalU64('frame_buffer.minimum_framebuffer_width');
  // The layouts add up to their lengths; this guards the table above against an edit.
  if (r.at !== length) throw new Error(`internal: config layout ${length} decoded ${r.at} bytes`);
  return {
    length,
    layoutVersions: layout.apiVersions,
    apiVersion,
    kernelStackSize,
    mappings: { kernelStack, kernelBase, bootInfo, framebuffer, physicalMemory, pageTableRecursive, aslr, dynamicRangeStart, dynamicRangeEnd, ramdiskMemory },
    frameBuffer: { minimumHeight, minimumWidth },
    fileOffset,
  };
}

function isConfigLength(n: number): n is ConfigLength {
  return Object.hasOwn(CONFIG_LAYOUTS, n);
}

const DYNAMIC: Mapping = { kind: 'dynamic' };

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** A cursor over the blob; every check names its field and the byte it looked at. */
class BlobReader {
  at = 0;
  private readonly view: DataView;
  constructor(
    private readonly blob: Uint8Array,
    private readonly fileOffset: number,
  ) {
    this.view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  }
  byteAt(i: number): number {
    return this.blob[i]!;
  }
  private fail(field: string, byte: number, problem: string): never {
    throw new BootloaderConfigError(field, byte, this.fileOffset, problem);
  }
  u16(): number {
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  /** One flag byte: 0 or 1. */
  flag(field: string, meaning: string): boolean {
    const b = this.blob[this.at]!;
    if (b > 1) this.fail(field, this.at, `flag byte 0x${hex2(b)} is neither 0 nor 1 (${meaning})`);
    this.at += 1;
    return b === 1;
  }
  bool(field: string): boolean {
    return this.flag(field, 'false or true');
  }
  /** `n` bytes that must be zero because the flag before them said "nothing here". */
  zeros(field: string, n: number, why: string): void {
    for (let i = 0; i < n; i++) {
      const b = this.blob[this.at + i]!;
      if (b !== 0) this.fail(field, this.at + i, `byte 0x${hex2(b)} after a ${why} flag must be 0`);
    }
    this.at += n;
  }
  mapping(field: string): Mapping {
    if (!this.flag(field, '0 Dynamic, 1 FixedAddress')) {
      this.zeros(field, 8, 'Dynamic');
      return DYNAMIC;
    }
    return { kind: 'fixed', address: this.u64() };
  }
  optionalMapping(field: string): Mapping | null {
    if (!this.flag(field, '0 None, 1 Some')) {
      this.zeros(field, 9, 'None');
      return null;
    }
    return this.mapping(field);
  }
  optionalU64(field: string): bigint | null {
    if (!this.flag(field, '0 None, 1 Some')) {
      this.zeros(field, 8, 'None');
      return null;
    }
    return this.u64();
  }
}
