// GUID partition table (UEFI spec §5.2-5.3): the protective MBR at LBA 0 (which may carry BIOS
// boot code in its first 440 bytes, BOOT-CONTRACT-011 §7), the primary header at LBA 1 with
// 128 entries of 128 bytes at LBA 2-33, and the backup entries and header at the end of the
// disk. Pure: writes into a disk buffer the caller sized; every bad input is a `GptError`.
import { crc32 } from './crc32.js';

export const SECTOR = 512;
export const GPT_ENTRY_COUNT = 128;
export const GPT_ENTRY_SIZE = 128;
/** Sectors taken by one copy of the partition-entry array (16 KiB). */
export const GPT_ENTRY_SECTORS = (GPT_ENTRY_COUNT * GPT_ENTRY_SIZE) / SECTOR;
/** The first LBA a partition may use: after the PMBR, the header and the entry array. */
export const GPT_FIRST_USABLE_LBA = 2 + GPT_ENTRY_SECTORS;
/** Bytes of the PMBR that are boot code (the disk signature and the table follow). */
export const PMBR_BOOT_CODE_BYTES = 440;

/** Partition type GUIDs. */
export const GPT_TYPE = {
  efiSystem: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  /** GRUB's "BIOS boot partition": raw space for BIOS boot stages, no file system. */
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
} as const;

export class GptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GptError';
  }
}

export interface GptPartition {
  /** Partition type GUID, e.g. `GPT_TYPE.efiSystem`. */
  type: string;
  /** The partition's own unique GUID. */
  guid: string;
  /** At most 36 UTF-16 code units. */
  name: string;
  firstLba: number;
  /** Inclusive. */
  lastLba: number;
  /** Attribute bits (bit 0 "platform required", bit 2 "legacy BIOS bootable"). */
  attributes?: bigint;
}

export interface GptSpec {
  diskGuid: string;
  partitions: GptPartition[];
  /** Up to 440 bytes for LBA 0 (BIOS runs it; UEFI ignores it). Zeros when absent. */
  bootCode?: Uint8Array;
}

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 16 on-disk bytes of a GUID: the first three groups little-endian, the rest as written. */
export function guidBytes(guid: string): Uint8Array {
  if (!GUID_PATTERN.test(guid)) throw new GptError(`"${guid}" is not a GUID (expected the form 01234567-89AB-CDEF-0123-456789ABCDEF)`);
  const hex = guid.replace(/-/g, '');
  const raw = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const out = new Uint8Array(16);
  out.set([raw[3]!, raw[2]!, raw[1]!, raw[0]!, raw[5]!, raw[4]!, raw[7]!, raw[6]!]);
  out.set(raw.subarray(8), 8);
  return out;
}

/**
 * A version-4-shaped GUID derived from `seed`, so that the same inputs give the same image
 * byte for byte (reproducible builds); different seeds give different GUIDs.
 */
export function guidFromSeed(seed: string): string {
  const text = new TextEncoder().encode(seed);
  let hex = '';
  for (let i = 0; i < 4; i++) {
    const salted = new Uint8Array(text.length + 1);
    salted.set(text);
    salted[text.length] = i;
    hex += crc32(salted).toString(16).padStart(8, '0');
  }
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  hex = `${hex.slice(0, 12)}4${hex.slice(13, 16)}${variant}${hex.slice(17)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

/** The last LBA partitions may use on a disk of `totalSectors` (the backup copy follows). */
export function gptLastUsableLba(totalSectors: number): number {
  return totalSectors - 2 - GPT_ENTRY_SECTORS;
}

/** Writes the protective MBR, both GPT headers and both entry arrays into `disk`. */
export function writeGpt(disk: Uint8Array, spec: GptSpec): void {
  if (disk.length % SECTOR !== 0) throw new GptError(`the disk is ${disk.length} bytes, not a whole number of ${SECTOR}-byte sectors`);
  const totalSectors = disk.length / SECTOR;
  const lastUsable = gptLastUsableLba(totalSectors);
  if (lastUsable < GPT_FIRST_USABLE_LBA) throw new GptError(`a GPT disk needs more than ${2 * GPT_FIRST_USABLE_LBA - 1} sectors; this one has ${totalSectors}`);
  const entries = partitionEntries(spec.partitions, lastUsable);

  writeProtectiveMbr(disk, totalSectors, spec.bootCode);
  const diskGuid = guidBytes(spec.diskGuid);
  const backupEntriesLba = totalSectors - 1 - GPT_ENTRY_SECTORS;
  disk.set(entries, 2 * SECTOR);
  disk.set(entries, backupEntriesLba * SECTOR);
  const entriesCrc = crc32(entries);
  const header = (myLba: number, alternateLba: number, entriesLba: number) => {
    const h = new Uint8Array(SECTOR);
    const v = new DataView(h.buffer);
    h.set(new TextEncoder().encode('EFI PART'), 0);
    v.setUint32(8, 0x0001_0000, true); // revision 1.0
    v.setUint32(12, 92, true); // header size
    v.setBigUint64(24, BigInt(myLba), true);
    v.setBigUint64(32, BigInt(alternateLba), true);
    v.setBigUint64(40, BigInt(GPT_FIRST_USABLE_LBA), true);
    v.setBigUint64(48, BigInt(lastUsable), true);
    h.set(diskGuid, 56);
    v.setBigUint64(72, BigInt(entriesLba), true);
    v.setUint32(80, GPT_ENTRY_COUNT, true);
    v.setUint32(84, GPT_ENTRY_SIZE, true);
    v.setUint32(88, entriesCrc, true);
    // The header CRC covers its 92 bytes with the CRC field itself zero.
    v.setUint32(16, crc32(h.subarray(0, 92)), true);
    return h;
  };
  disk.set(header(1, totalSectors - 1, 2), SECTOR);
  disk.set(header(totalSectors - 1, 1, backupEntriesLba), (totalSectors - 1) * SECTOR);
}

function partitionEntries(partitions: GptPartition[], lastUsable: number): Uint8Array {
  if (partitions.length > GPT_ENTRY_COUNT) throw new GptError(`${partitions.length} partitions do not fit in ${GPT_ENTRY_COUNT} GPT entries`);
  const entries = new Uint8Array(GPT_ENTRY_COUNT * GPT_ENTRY_SIZE);
  const v = new DataView(entries.buffer);
  const sorted = [...partitions].sort((a, b) => a.firstLba - b.firstLba);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.firstLba <= sorted[i - 1]!.lastLba) {
      throw new GptError(`partitions "${sorted[i - 1]!.name}" (LBA ${sorted[i - 1]!.firstLba}-${sorted[i - 1]!.lastLba}) and "${sorted[i]!.name}" (LBA ${sorted[i]!.firstLba}-${sorted[i]!.lastLba}) overlap`);
    }
  }
  partitions.forEach((p, i) => {
    const what = `partition ${i + 1} ("${p.name}")`;
    if (!Number.isSafeInteger(p.firstLba) || !Number.isSafeInteger(p.lastLba) || p.firstLba > p.lastLba) {
      throw new GptError(`${what}: LBA range ${p.firstLba}-${p.lastLba} is empty or not whole sectors`);
    }
    if (p.firstLba < GPT_FIRST_USABLE_LBA || p.lastLba > lastUsable) {
      throw new GptError(`${what}: LBA ${p.firstLba}-${p.lastLba} lies outside the usable sectors ${GPT_FIRST_USABLE_LBA}-${lastUsable}`);
    }
    if (p.name.length > 36) throw new GptError(`${what}: the name is ${p.name.length} UTF-16 units long, at most 36 fit`);
    const o = i * GPT_ENTRY_SIZE;
    entries.set(guidBytes(p.type), o);
    entries.set(guidBytes(p.guid), o + 16);
    v.setBigUint64(o + 32, BigInt(p.firstLba), true);
    v.setBigUint64(o + 40, BigInt(p.lastLba), true);
    v.setBigUint64(o + 48, p.attributes ?? 0n, true);
    for (let c = 0; c < p.name.length; c++) v.setUint16(o + 56 + c * 2, p.name.charCodeAt(c), true);
  });
  return entries;
}

/** LBA 0: boot code, one 0xEE record covering the disk (start LBA 1, as UEFI 2.4 requires). */
function writeProtectiveMbr(disk: Uint8Array, totalSectors: number, bootCode: Uint8Array | undefined): void {
  const mbr = new Uint8Array(SECTOR);
  if (bootCode) {
    if (bootCode.length > PMBR_BOOT_CODE_BYTES) throw new GptError(`the boot code is ${bootCode.length} bytes; a protective MBR holds at most ${PMBR_BOOT_CODE_BYTES}`);
    mbr.set(bootCode);
  }
  const v = new DataView(mbr.buffer);
  const record = 446;
  mbr.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], record); // not active, CHS 0/0/2, type, CHS max
  v.setUint32(record + 8, 1, true);
  v.setUint32(record + 12, Math.min(totalSectors - 1, 0xffff_ffff), true);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  disk.set(mbr, 0);
}
