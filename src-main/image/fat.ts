// A FAT12/16/32 file system written in one go from a list of files (Microsoft's FAT
// specification, "FAT: General Overview of On-Disk Format" 1.03): the EFI system partition of
// Bootlab's GPT images, holding `\EFI\BOOT\BOOTX64.EFI`, the kernel and the plan. Files are
// stored contiguously, directories get long names (VFAT) when a name is not already a plain
// upper-case 8.3 name, and every timestamp is the same fixed value so that the same inputs give
// the same bytes. The FAT type follows from the cluster count, as every reader decides it: the
// smallest volume that holds the files wins unless a type is asked for. Pure: bytes in, bytes
// out; bad paths and impossible sizes are a `FatError` naming the path or the limit.

export type FatType = 12 | 16 | 32;

export interface FatFile {
  /** Path inside the volume, `/` or `\` separated, e.g. `EFI/BOOT/BOOTX64.EFI`. */
  path: string;
  data: Uint8Array;
}

export interface FatOptions {
  /** Volume label, at most 11 characters of the 8.3 set; none when absent. */
  label?: string;
  volumeId?: number;
  /** Force a FAT type; by default the smallest volume that holds the files decides. */
  fatType?: FatType;
  /** Free space to leave on the volume, in bytes. */
  freeBytes?: number;
  /** LBA of the partition on its disk (BPB "hidden sectors"). */
  hiddenSectors?: number;
}

export interface FatVolume {
  bytes: Uint8Array;
  fatType: FatType;
  sectorsPerCluster: number;
  clusterCount: number;
  /**
   * Where each non-empty file's bytes start in the volume (files are contiguous), by the path
   * as given: lets a disk writer point a loader that reads sectors at a file's data, or patch a
   * file of the same length in place.
   */
  fileOffsets: Map<string, number>;
}

export class FatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatError';
  }
}

const SECTOR = 512;
const DIR_ENTRY = 32;
/** Cluster-count limits of each type (the spec's boundaries, with a margin of 16 clusters). */
const LIMITS: Record<FatType, { min: number; max: number }> = {
  12: { min: 1, max: 4084 - 16 },
  16: { min: 4085 + 16, max: 65524 - 16 },
  32: { min: 65525 + 16, max: 0x0fff_fff5 - 16 },
};
const END_OF_CHAIN: Record<FatType, number> = { 12: 0xfff, 16: 0xffff, 32: 0x0fff_ffff };
const MEDIA = 0xf8;
const ATTR_VOLUME_ID = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_ARCHIVE = 0x20;
const ATTR_LONG_NAME = 0x0f;
/** 1980-01-01 00:00:00, the first DOS date: fixed so images are reproducible. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const SHORT_CHARS = /^[A-Z0-9!#$%&'()@^_`{}~-]+$/;

interface FileNode {
  kind: 'file';
  /** The path as the caller gave it. */
  path: string;
  name: string;
  data: Uint8Array;
  shortName: Uint8Array;
  needsLongName: boolean;
  cluster: number;
}

interface DirNode {
  kind: 'dir';
  name: string;
  path: string;
  parent?: DirNode;
  children: (FileNode | DirNode)[];
  byKey: Map<string, FileNode | DirNode>;
  shortName: Uint8Array;
  needsLongName: boolean;
  cluster: number;
  clusters: number;
}

/** Writes a FAT volume holding `files` (directories are created from the paths). */
export function buildFat(files: FatFile[], options: FatOptions = {}): FatVolume {
  const root = buildTree(files);
  const label = options.label === undefined ? undefined : checkLabel(options.label);
  const geometry = chooseGeometry(root, label !== undefined, options);
  return writeVolume(root, label, geometry, options);
}

// ---- the directory tree ---------------------------------------------------------------------

function newDir(name: string, path: string, parent?: DirNode): DirNode {
  return { kind: 'dir', name, path, parent, children: [], byKey: new Map(), shortName: new Uint8Array(11), needsLongName: false, cluster: 0, clusters: 0 };
}

function buildTree(files: FatFile[]): DirNode {
  const root = newDir('', '');
  for (const file of files) {
    const parts = file.path.replace(/^[\\/]/, '').split(/[\\/]/);
    parts.forEach((part) => checkName(part, file.path));
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      const existing = dir.byKey.get(part.toUpperCase());
      if (existing?.kind === 'file') throw new FatError(`"${file.path}": "${existing.name}" is a file, not a directory`);
      if (existing) {
        dir = existing;
      } else {
        const sub = newDir(part, dir.path ? `${dir.path}/${part}` : part, dir);
        dir.children.push(sub);
        dir.byKey.set(part.toUpperCase(), sub);
        dir = sub;
      }
    }
    const name = parts[parts.length - 1]!;
    if (dir.byKey.has(name.toUpperCase())) throw new FatError(`"${file.path}" is given twice (FAT names ignore case) or is also a directory`);
    const node: FileNode = { kind: 'file', path: file.path, name, data: file.data, shortName: new Uint8Array(11), needsLongName: false, cluster: 0 };
    dir.children.push(node);
    dir.byKey.set(name.toUpperCase(), node);
  }
  assignShortNames(root);
  return root;
}

function checkName(name: string, path: string): void {
  if (name === '') throw new FatError(`"${path}" has an empty path component`);
  if (name === '.' || name === '..') throw new FatError(`"${path}": "${name}" cannot be a file or directory name`);
  if (name.length > 255) throw new FatError(`"${path}": "${name.slice(0, 20)}..." is ${name.length} characters long, at most 255 fit in a FAT long name`);
  if (/[\x00-\x1f"*/:<>?\\|\x7f]/.test(name)) throw new FatError(`"${path}": "${name}" contains a character FAT does not allow in names (control characters or " * / : < > ? \\ |)`);
  if (/[ .]$/.test(name)) throw new FatError(`"${path}": "${name}" ends with a space or a dot, which FAT drops`);
}

function checkLabel(label: string): string {
  if (label.length === 0 || label.length > 11 || !/^[A-Z0-9!#$%&'()@^_`{}~ -]+$/.test(label)) {
    throw new FatError(`volume label "${label}" must be 1-11 characters: upper-case letters, digits, spaces or !#$%&'()@^_\`{}~-`);
  }
  return label.padEnd(11, ' ');
}

/** An 8.3 name as it is stored: 8 + 3 bytes, space-padded. */
function packShort(base: string, ext: string): Uint8Array {
  return new TextEncoder().encode(base.padEnd(8, ' ') + ext.padEnd(3, ' '));
}

/** The name as its own short name, when it is exactly one (upper case, 8.3, allowed characters). */
function exactShortName(name: string): Uint8Array | undefined {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return undefined;
  if (!SHORT_CHARS.test(base) || (ext && !SHORT_CHARS.test(ext))) return undefined;
  return packShort(base, ext);
}

/** Short names for every child: its own when it is a valid 8.3 name, else BASIS~N. */
function assignShortNames(dir: DirNode): void {
  const taken = new Set<string>();
  for (const child of dir.children) {
    const exact = exactShortName(child.name);
    if (exact) {
      child.shortName = exact;
      taken.add(new TextDecoder().decode(exact));
    }
  }
  for (const child of dir.children) {
    if (!exactShortName(child.name)) {
      child.needsLongName = true;
      child.shortName = generatedShortName(child.name, taken);
    }
    if (child.kind === 'dir') assignShortNames(child);
  }
}

function generatedShortName(name: string, taken: Set<string>): Uint8Array {
  const clean = (s: string) => [...s.toUpperCase().replace(/[ .]/g, '')].map((c) => (SHORT_CHARS.test(c) ? c : '_')).join('');
  const stripped = name.replace(/^\.+/, '');
  const dot = stripped.lastIndexOf('.');
  const basis = clean(dot < 0 ? stripped : stripped.slice(0, dot)) || '_';
  const ext = dot < 0 ? '' : clean(stripped.slice(dot + 1)).slice(0, 3);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const packed = packShort(basis.slice(0, 8 - tail.length) + tail, ext);
    const key = new TextDecoder().decode(packed);
    if (!taken.has(key)) {
      taken.add(key);
      return packed;
    }
  }
  throw new FatError(`no free short name for "${name}"`);
}

function longNameEntries(name: string): number {
  return Math.ceil(name.length / 13);
}

function entryCount(dir: DirNode, isRoot: boolean, hasLabel: boolean): number {
  let n = isRoot ? (hasLabel ? 1 : 0) : 2; // "." and ".."
  for (const child of dir.children) n += 1 + (child.needsLongName ? longNameEntries(child.name) : 0);
  return n;
}

function allDirs(root: DirNode): DirNode[] {
  const out: DirNode[] = [];
  const visit = (d: DirNode) => {
    out.push(d);
    for (const c of d.children) if (c.kind === 'dir') visit(c);
  };
  visit(root);
  return out;
}

// ---- geometry -------------------------------------------------------------------------------

interface Geometry {
  fatType: FatType;
  sectorsPerCluster: number;
  clusterCount: number;
  reservedSectors: number;
  fatSectors: number;
  rootEntries: number;
  totalSectors: number;
}

function geometryFor(root: DirNode, hasLabel: boolean, fatType: FatType, spc: number, freeBytes: number): Geometry | undefined {
  const clusterBytes = spc * SECTOR;
  const clustersOf = (bytes: number) => Math.ceil(bytes / clusterBytes);
  let needed = 0;
  const files: FileNode[] = [];
  for (const dir of allDirs(root)) {
    const isRoot = dir === root;
    if (!isRoot || fatType === 32) needed += Math.max(1, clustersOf(entryCount(dir, isRoot, hasLabel) * DIR_ENTRY));
    for (const c of dir.children) if (c.kind === 'file') files.push(c);
  }
  for (const f of files) needed += clustersOf(f.data.length);
  needed += clustersOf(freeBytes);
  const limit = LIMITS[fatType];
  if (needed > limit.max) return undefined;
  const clusterCount = Math.max(needed, limit.min);
  const rootEntries = fatType === 32 ? 0 : Math.max(512, Math.ceil(entryCount(root, true, hasLabel) / 16) * 16);
  if (rootEntries > 0xffff) return undefined;
  const reservedSectors = fatType === 32 ? 32 : 1;
  const fatBytes = fatType === 12 ? Math.ceil(((clusterCount + 2) * 3) / 2) : ((clusterCount + 2) * fatType) / 8;
  const fatSectors = Math.ceil(fatBytes / SECTOR);
  const totalSectors = reservedSectors + 2 * fatSectors + (rootEntries * DIR_ENTRY) / SECTOR + clusterCount * spc;
  if (totalSectors > 0xffff_ffff) return undefined;
  return { fatType, sectorsPerCluster: spc, clusterCount, reservedSectors, fatSectors, rootEntries, totalSectors };
}

function chooseGeometry(root: DirNode, hasLabel: boolean, options: FatOptions): Geometry {
  const freeBytes = options.freeBytes ?? 0;
  if (!Number.isSafeInteger(freeBytes) || freeBytes < 0) throw new FatError(`freeBytes ${freeBytes} is not a byte count`);
  const types: FatType[] = options.fatType ? [options.fatType] : [12, 16, 32];
  let best: Geometry | undefined;
  for (const type of types) {
    for (let spc = 1; spc <= 64; spc *= 2) {
      const g = geometryFor(root, hasLabel, type, spc, freeBytes);
      if (g && (!best || g.totalSectors < best.totalSectors)) best = g;
    }
  }
  if (!best) throw new FatError(`the files do not fit in a FAT${options.fatType ?? '32'} volume (at most ${LIMITS[options.fatType ?? 32].max} clusters of up to 32 KiB)`);
  return best;
}

// ---- writing --------------------------------------------------------------------------------

function writeVolume(root: DirNode, label: string | undefined, g: Geometry, options: FatOptions): FatVolume {
  const { fatType, sectorsPerCluster: spc } = g;
  const clusterBytes = spc * SECTOR;
  const bytes = new Uint8Array(g.totalSectors * SECTOR);
  const rootSectors = (g.rootEntries * DIR_ENTRY) / SECTOR;
  const fatStart = g.reservedSectors * SECTOR;
  const rootStart = fatStart + 2 * g.fatSectors * SECTOR;
  const dataStart = rootStart + rootSectors * SECTOR;
  const clusterOffset = (cluster: number) => dataStart + (cluster - 2) * clusterBytes;

  // Contiguous allocation: (FAT32 root,) each directory, then each file, in tree order.
  const fat = new Uint32Array(g.clusterCount + 2);
  fat[0] = fatType === 12 ? 0xf00 | MEDIA : fatType === 16 ? 0xff00 | MEDIA : 0x0fff_ff00 | MEDIA;
  fat[1] = END_OF_CHAIN[fatType];
  let next = 2;
  const allocate = (count: number): number => {
    const first = next;
    for (let i = 0; i < count; i++) fat[first + i] = i === count - 1 ? END_OF_CHAIN[fatType] : first + i + 1;
    next += count;
    return first;
  };
  const dirs = allDirs(root);
  for (const dir of dirs) {
    const isRoot = dir === root;
    if (isRoot && fatType !== 32) continue;
    dir.clusters = Math.max(1, Math.ceil((entryCount(dir, isRoot, label !== undefined) * DIR_ENTRY) / clusterBytes));
    dir.cluster = allocate(dir.clusters);
  }
  const offsets = new Map<FileNode, number>();
  for (const dir of dirs) {
    for (const c of dir.children) {
      if (c.kind !== 'file' || c.data.length === 0) continue;
      c.cluster = allocate(Math.ceil(c.data.length / clusterBytes));
      bytes.set(c.data, clusterOffset(c.cluster));
      offsets.set(c, clusterOffset(c.cluster));
    }
  }

  for (const dir of dirs) {
    const isRoot = dir === root;
    const start = isRoot && fatType !== 32 ? rootStart : clusterOffset(dir.cluster);
    writeDirectory(bytes, start, dir, isRoot, label);
  }

  const fatBytes = encodeFat(fat, fatType, g.fatSectors * SECTOR);
  bytes.set(fatBytes, fatStart);
  bytes.set(fatBytes, fatStart + g.fatSectors * SECTOR);

  const volumeId = (options.volumeId ?? 0x1234_5678) >>> 0;
  const bootSector = buildBootSector(g, label, volumeId, options.hiddenSectors ?? 0, fatType === 32 ? root.cluster : 0);
  bytes.set(bootSector, 0);
  if (fatType === 32) {
    // "Next free" is, by convention (Linux, mtools), the last cluster allocated.
    const info = fsInfo(g.clusterCount - (next - 2), next - 1);
    bytes.set(info, SECTOR);
    // Backup boot sector and FSInfo at sectors 6 and 7.
    bytes.set(bootSector, 6 * SECTOR);
    bytes.set(info, 7 * SECTOR);
  }
  const fileOffsets = new Map<string, number>();
  for (const [file, offset] of offsets) fileOffsets.set(file.path, offset);
  return { bytes, fatType, sectorsPerCluster: spc, clusterCount: g.clusterCount, fileOffsets };
}

function encodeFat(fat: Uint32Array, type: FatType, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  for (let n = 0; n < fat.length; n++) {
    const value = fat[n]!;
    if (type === 32) v.setUint32(n * 4, value, true);
    else if (type === 16) v.setUint16(n * 2, value, true);
    else {
      // Two 12-bit entries share three bytes.
      const o = n + (n >> 1);
      if (n % 2 === 0) {
        out[o] = value & 0xff;
        out[o + 1] = (out[o + 1]! & 0xf0) | ((value >> 8) & 0x0f);
      } else {
        out[o] = (out[o]! & 0x0f) | ((value << 4) & 0xf0);
        out[o + 1] = (value >> 4) & 0xff;
      }
    }
  }
  return out;
}

function shortEntry(out: Uint8Array, at: number, name: Uint8Array, attr: number, cluster: number, size: number): void {
  const v = new DataView(out.buffer, out.byteOffset);
  out.set(name, at);
  out[at + 11] = attr;
  v.setUint16(at + 14, DOS_TIME, true); // created
  v.setUint16(at + 16, DOS_DATE, true);
  v.setUint16(at + 18, DOS_DATE, true); // accessed
  v.setUint16(at + 20, cluster >>> 16, true);
  v.setUint16(at + 22, DOS_TIME, true); // written
  v.setUint16(at + 24, DOS_DATE, true);
  v.setUint16(at + 26, cluster & 0xffff, true);
  v.setUint32(at + 28, size, true);
}

/** The checksum of a short name that ties its long-name entries to it. */
function shortNameChecksum(name: Uint8Array): number {
  let sum = 0;
  for (const b of name) sum = (((sum & 1) << 7) + (sum >> 1) + b) & 0xff;
  return sum;
}

/** Long-name entries, last part first (as they precede the short entry on disk). */
function longEntries(out: Uint8Array, at: number, name: string, checksum: number): number {
  const v = new DataView(out.buffer, out.byteOffset);
  const count = longNameEntries(name);
  const charOffsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
  for (let k = 0; k < count; k++) {
    const seq = count - k; // on disk: highest sequence number first
    const e = at + k * DIR_ENTRY;
    out[e] = seq | (seq === count ? 0x40 : 0);
    out[e + 11] = ATTR_LONG_NAME;
    out[e + 13] = checksum;
    for (let c = 0; c < 13; c++) {
      const i = (seq - 1) * 13 + c;
      // After the name: one NUL, then 0xFFFF padding.
      const unit = i < name.length ? name.charCodeAt(i) : i === name.length ? 0 : 0xffff;
      v.setUint16(e + charOffsets[c]!, unit, true);
    }
  }
  return count * DIR_ENTRY;
}

function writeDirectory(bytes: Uint8Array, start: number, dir: DirNode, isRoot: boolean, label: string | undefined): void {
  let at = start;
  if (isRoot) {
    if (label !== undefined) {
      shortEntry(bytes, at, new TextEncoder().encode(label), ATTR_VOLUME_ID, 0, 0);
      at += DIR_ENTRY;
    }
  } else {
    shortEntry(bytes, at, packShort('.', ''), ATTR_DIRECTORY, dir.cluster, 0);
    // ".." of a directory in the root points at cluster 0, on FAT32 too.
    shortEntry(bytes, at + DIR_ENTRY, packShort('..', ''), ATTR_DIRECTORY, dir.parent?.parent ? dir.parent.cluster : 0, 0);
    at += 2 * DIR_ENTRY;
  }
  for (const child of dir.children) {
    if (child.needsLongName) at += longEntries(bytes, at, child.name, shortNameChecksum(child.shortName));
    if (child.kind === 'dir') shortEntry(bytes, at, child.shortName, ATTR_DIRECTORY, child.cluster, 0);
    else shortEntry(bytes, at, child.shortName, ATTR_ARCHIVE, child.cluster, child.data.length);
    at += DIR_ENTRY;
  }
}

function buildBootSector(g: Geometry, label: string | undefined, volumeId: number, hiddenSectors: number, rootCluster: number): Uint8Array {
  const s = new Uint8Array(SECTOR);
  const v = new DataView(s.buffer);
  const fat32 = g.fatType === 32;
  // The jump skips the BPB to a stub that asks the BIOS for the next boot device (int 18h):
  // this volume is not bootable by itself.
  const stub = fat32 ? 0x5a : 0x3e;
  s.set([0xeb, stub - 2, 0x90], 0);
  s.set([0xcd, 0x18, 0xeb, 0xfe], stub);
  s.set(new TextEncoder().encode('BOOTLAB '), 3);
  v.setUint16(11, SECTOR, true);
  s[13] = g.sectorsPerCluster;
  v.setUint16(14, g.reservedSectors, true);
  s[16] = 2; // FAT copies
  v.setUint16(17, g.rootEntries, true);
  const small = !fat32 && g.totalSectors < 0x10000;
  v.setUint16(19, small ? g.totalSectors : 0, true);
  s[21] = MEDIA;
  v.setUint16(22, fat32 ? 0 : g.fatSectors, true);
  v.setUint16(24, 63, true); // sectors per track, heads: the usual LBA-translation values
  v.setUint16(26, 255, true);
  v.setUint32(28, hiddenSectors, true);
  v.setUint32(32, small ? 0 : g.totalSectors, true);
  const ext = fat32 ? 64 : 36;
  if (fat32) {
    v.setUint32(36, g.fatSectors, true);
    v.setUint16(40, 0, true); // both FATs mirrored
    v.setUint16(42, 0, true); // version 0.0
    v.setUint32(44, rootCluster, true);
    v.setUint16(48, 1, true); // FSInfo sector
    v.setUint16(50, 6, true); // backup boot sector
  }
  s[ext] = 0x80; // drive number
  s[ext + 2] = 0x29; // extended boot signature: the next three fields exist
  v.setUint32(ext + 3, volumeId, true);
  s.set(new TextEncoder().encode(label ?? 'NO NAME    '), ext + 7);
  s.set(new TextEncoder().encode(`FAT${g.fatType}   `), ext + 18);
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

function fsInfo(freeClusters: number, nextFree: number): Uint8Array {
  const s = new Uint8Array(SECTOR);
  const v = new DataView(s.buffer);
  v.setUint32(0, 0x4161_5252, true);
  v.setUint32(484, 0x6141_7272, true);
  v.setUint32(488, freeClusters, true);
  v.setUint32(492, nextFree, true);
  v.setUint32(508, 0xaa55_0000, true);
  return s;
}
