// A GPT disk for UEFI (and, with boot code in its protective MBR, for BIOS too; the hybrid
// layout of BOOT-CONTRACT-011 §7): LBA 0 the protective MBR, LBA 1-33 the GPT, from LBA 34 an
// optional "BIOS boot" partition holding raw bytes (Bootlab's BIOS stages and plan), and at the
// next 1 MiB boundary the EFI system partition, a FAT volume with `\EFI\BOOT\BOOTX64.EFI` and
// the other files. The GUIDs derive from a seed, so equal inputs give equal images. Pure.
import { buildFat, type FatFile, type FatType } from './fat.js';
import { GPT_FIRST_USABLE_LBA, GPT_ENTRY_SECTORS, GPT_TYPE, GptError, guidFromSeed, SECTOR, writeGpt } from './gpt.js';

/** The ESP starts on a 1 MiB boundary, as partitioning tools place partitions. */
export const ESP_ALIGN_SECTORS = 2048;
export const BIOS_BOOT_PARTITION_NAME = 'BIOS boot partition';
export const ESP_PARTITION_NAME = 'EFI system partition';

export interface GptImageSpec {
  /** Files of the EFI system partition, e.g. `{ path: 'EFI/BOOT/BOOTX64.EFI', data }`. */
  espFiles: FatFile[];
  /** Raw bytes of the BIOS boot partition; no such partition when absent or empty. */
  biosBoot?: Uint8Array;
  /** BIOS boot code for the protective MBR (at most 440 bytes). */
  bootCode?: Uint8Array;
  /** Distinguishes images: the disk and partition GUIDs derive from it. */
  seed: string;
  fatType?: FatType;
  /** Free space to leave in the ESP, in bytes. */
  espFreeBytes?: number;
  espLabel?: string;
}

export interface PartitionExtent {
  firstLba: number;
  /** Inclusive. */
  lastLba: number;
}

export interface GptImage {
  bytes: Uint8Array;
  totalSectors: number;
  biosBoot?: PartitionExtent;
  esp: PartitionExtent & { fatType: FatType; clusterCount: number };
  /** The disk LBA where each non-empty ESP file's bytes start (they are contiguous), by path as given. */
  espFileLbas: Map<string, number>;
}

export function buildGptImage(spec: GptImageSpec): GptImage {
  let biosBoot: PartitionExtent | undefined;
  let nextFree = GPT_FIRST_USABLE_LBA;
  if (spec.biosBoot && spec.biosBoot.length > 0) {
    const sectors = Math.ceil(spec.biosBoot.length / SECTOR);
    biosBoot = { firstLba: GPT_FIRST_USABLE_LBA, lastLba: GPT_FIRST_USABLE_LBA + sectors - 1 };
    nextFree = biosBoot.lastLba + 1;
  }
  const espFirst = Math.ceil(nextFree / ESP_ALIGN_SECTORS) * ESP_ALIGN_SECTORS;
  const fat = buildFat(spec.espFiles, { fatType: spec.fatType, freeBytes: spec.espFreeBytes, hiddenSectors: espFirst, label: spec.espLabel ?? 'EFI SYSTEM' });
  const espSectors = fat.bytes.length / SECTOR;
  const esp = { firstLba: espFirst, lastLba: espFirst + espSectors - 1, fatType: fat.fatType, clusterCount: fat.clusterCount };
  // The backup partition array and header follow the last partition.
  const totalSectors = esp.lastLba + 1 + GPT_ENTRY_SECTORS + 1;
  if (totalSectors > 2 ** 40) throw new GptError(`the image would be ${totalSectors} sectors, too large`);
  const bytes = new Uint8Array(totalSectors * SECTOR);
  if (biosBoot && spec.biosBoot) bytes.set(spec.biosBoot, biosBoot.firstLba * SECTOR);
  bytes.set(fat.bytes, esp.firstLba * SECTOR);
  const partitions = [];
  if (biosBoot) partitions.push({ type: GPT_TYPE.biosBoot, guid: guidFromSeed(`${spec.seed}/bios-boot`), name: BIOS_BOOT_PARTITION_NAME, ...biosBoot });
  partitions.push({ type: GPT_TYPE.efiSystem, guid: guidFromSeed(`${spec.seed}/esp`), name: ESP_PARTITION_NAME, firstLba: esp.firstLba, lastLba: esp.lastLba });
  writeGpt(bytes, { diskGuid: guidFromSeed(`${spec.seed}/disk`), partitions, bootCode: spec.bootCode });
  const espFileLbas = new Map<string, number>();
  for (const [path, offset] of fat.fileOffsets) espFileLbas.set(path, esp.firstLba + offset / SECTOR);
  return { bytes, totalSectors, biosBoot, esp, espFileLbas };
}
