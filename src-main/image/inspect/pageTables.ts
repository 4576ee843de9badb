// The guest's 4-level page tables, walked from CR3 over a physical-memory reader, as merged runs
// of virtual memory: consecutive pages of one size with contiguous frames and the same effective
// permissions (writable and user only when every level allows it, no-execute when any level
// forbids it). A level-4 entry that points back at the level-4 table is the recursive entry:
// reported once, not walked (walking it would list every table again as pages).

export const PAGE_4K = 4096;
export const PAGE_2M = 2 * 1024 * 1024;
export const PAGE_1G = 1024 * 1024 * 1024;

/** Reads physical memory; undefined when the range is not available (outside RAM or not fetched). */
export type PhysicalReader = (address: bigint, length: number) => Uint8Array | undefined;

export interface MappingRun {
  virtualStart: bigint;
  /** Exclusive. */
  virtualEnd: bigint;
  physicalStart: bigint;
  pageSize: number;
  writable: boolean;
  user: boolean;
  executable: boolean;
  global: boolean;
}

export interface RecursiveEntry {
  index: number;
  virtualStart: bigint;
  virtualEnd: bigint;
}

export interface WalkResult {
  runs: MappingRun[];
  recursive: RecursiveEntry[];
  /** Tables that could not be read, or a walk cut short: said plainly, the rest still walked. */
  problems: string[];
  tablesRead: number;
}

export interface WalkOptions {
  /** EFER.NXE: without it bit 63 is reserved and every page is executable. */
  noExecuteEnabled: boolean;
  /** A bound on leaf entries visited, against tables that loop back on themselves. */
  maxLeaves?: number;
}

const PRESENT = 1n;
const WRITABLE = 1n << 1n;
const USER = 1n << 2n;
const HUGE = 1n << 7n;
const NO_EXECUTE = 1n << 63n;
/** The same bits in an entry's low 32-bit half, for the walk's number-only inner loop. */
const LOW_PRESENT = 1;
const LOW_WRITABLE = 2;
const LOW_USER = 4;
const LOW_HUGE = 0x80;
const LOW_GLOBAL = 0x100;
/** Bit 63 in the high half. */
const HIGH_NO_EXECUTE = 0x8000_0000;
const FRAME_MASK = 0x000f_ffff_ffff_f000n;
const DEFAULT_MAX_LEAVES = 16 * 1024 * 1024;

/** Bits 0-47 of an address whose index bits are known; bit 47 extends into 48-63. */
export function canonical(address: bigint): bigint {
  const low = address & 0xffff_ffff_ffffn;
  return low & (1n << 47n) ? low | 0xffff_0000_0000_0000n : low;
}

/** Page size of a leaf at `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB). */
function leafSize(level: number): number {
  return level === 1 ? PAGE_4K : level === 2 ? PAGE_2M : PAGE_1G;
}

const SHIFT: Record<number, bigint> = { 4: 39n, 3: 30n, 2: 21n, 1: 12n };

function entriesOf(table: Uint8Array): DataView {
  return new DataView(table.buffer, table.byteOffset, table.byteLength);
}

export function permissionString(p: { writable: boolean; executable: boolean }): string {
  return `R${p.writable ? 'W' : '-'}${p.executable ? 'X' : '-'}`;
}

export function walkPageTables(cr3: bigint, read: PhysicalReader, options: WalkOptions): WalkResult {
  const runs: MappingRun[] = [];
  const recursive: RecursiveEntry[] = [];
  const problems: string[] = [];
  const root = cr3 & FRAME_MASK;
  const rootFrame = Number(root);
  const maxLeaves = options.maxLeaves ?? DEFAULT_MAX_LEAVES;
  const nx = options.noExecuteEnabled;
  let leaves = 0;
  let tablesRead = 0;
  let cut = false;

  // The run being extended. A 1 TiB window has half a million leaf entries: they are merged
  // with plain numbers (frames are below 2^52, exact in a double); a BigInt is made only when a
  // run starts or when the next entry is not simply the one after the last in the same table.
  let last: MappingRun | undefined;
  let lastBytes = 0;
  let lastPhysicalEnd = 0;
  let lastTable: Uint8Array | undefined;
  let lastIndex = -1;
  const close = () => {
    if (last) last.virtualEnd = last.virtualStart + BigInt(lastBytes);
  };

  const leaf = (table: Uint8Array, index: number, prefix: bigint, shift: bigint, physical: number, size: number, writable: boolean, user: boolean, executable: boolean, global: boolean) => {
    if (
      last &&
      last.pageSize === size &&
      lastPhysicalEnd === physical &&
      last.writable === writable &&
      last.user === user &&
      last.executable === executable &&
      last.global === global &&
      ((lastTable === table && lastIndex === index - 1) || last.virtualStart + BigInt(lastBytes) === canonical(prefix | (BigInt(index) << shift)))
    ) {
      lastBytes += size;
      lastPhysicalEnd += size;
      lastTable = table;
      lastIndex = index;
      return;
    }
    close();
    const virtualStart = canonical(prefix | (BigInt(index) << shift));
    last = { virtualStart, virtualEnd: virtualStart, physicalStart: BigInt(physical), pageSize: size, writable, user, executable, global };
    runs.push(last);
    lastBytes = size;
    lastPhysicalEnd = physical + size;
    lastTable = table;
    lastIndex = index;
  };

  const walk = (tableAddress: bigint, level: number, prefix: bigint, writable: boolean, user: boolean, executable: boolean) => {
    if (cut) return;
    const table = read(tableAddress, PAGE_4K);
    if (!table || table.length < PAGE_4K) {
      problems.push(`level-${level} table at physical 0x${tableAddress.toString(16)} (for 0x${canonical(prefix).toString(16)}) could not be read`);
      return;
    }
    tablesRead++;
    const view = entriesOf(table);
    const shift = SHIFT[level]!;
    for (let i = 0; i < 512; i++) {
      const low = view.getUint32(i * 8, true);
      if ((low & LOW_PRESENT) === 0) continue;
      const high = view.getUint32(i * 8 + 4, true);
      // Bits 12-51: the frame.
      const frame = (high & 0xfffff) * 0x1_0000_0000 + ((low & 0xfffff000) >>> 0);
      const w = writable && (low & LOW_WRITABLE) !== 0;
      const u = user && (low & LOW_USER) !== 0;
      const x = executable && !(nx && (high & HIGH_NO_EXECUTE) !== 0);
      if (level === 4 && frame === rootFrame) {
        const start = canonical(prefix | (BigInt(i) << shift));
        recursive.push({ index: i, virtualStart: start, virtualEnd: start + (1n << 39n) });
        continue;
      }
      if (level === 1 || ((level === 2 || level === 3) && (low & LOW_HUGE) !== 0)) {
        if (++leaves > maxLeaves) {
          problems.push(`walk stopped after ${maxLeaves} pages (tables that loop back on themselves?)`);
          cut = true;
          return;
        }
        const size = leafSize(level);
        // A large page's frame ignores the PAT bit (12) and anything below its own alignment.
        const physical = level === 1 ? frame : frame - (frame % size);
        leaf(table, i, prefix, shift, physical, size, w, u, x, (low & LOW_GLOBAL) !== 0);
        continue;
      }
      walk(BigInt(frame), level - 1, prefix | (BigInt(i) << shift), w, u, x);
      if (cut) return;
    }
  };
  walk(root, 4, 0n, true, true, true);
  close();
  return { runs, recursive, problems, tablesRead };
}

export type Translation =
  | { mapped: true; physical: bigint; pageSize: number; writable: boolean; user: boolean; executable: boolean }
  | { mapped: false; /** The level whose entry was not present (4 = PML4). */ level: number; reason: string };

/** Translates one virtual address the way the MMU does. */
export function translate(virtualAddress: bigint, cr3: bigint, read: PhysicalReader, options: WalkOptions): Translation {
  const va = virtualAddress & 0xffff_ffff_ffff_ffffn;
  if (canonical(va) !== va) return { mapped: false, level: 4, reason: `0x${va.toString(16)} is not canonical` };
  let table = cr3 & FRAME_MASK;
  let writable = true;
  let user = true;
  let executable = true;
  for (let level = 4; level >= 1; level--) {
    const index = Number((va >> SHIFT[level]!) & 511n);
    const bytes = read(table + BigInt(index * 8), 8);
    if (!bytes || bytes.length < 8) return { mapped: false, level, reason: `the level-${level} table at physical 0x${table.toString(16)} could not be read` };
    const entry = entriesOf(bytes).getBigUint64(0, true);
    if ((entry & PRESENT) === 0n) return { mapped: false, level, reason: `not mapped: level-${level} entry ${index} is not present` };
    writable &&= (entry & WRITABLE) !== 0n;
    user &&= (entry & USER) !== 0n;
    executable &&= !(options.noExecuteEnabled && (entry & NO_EXECUTE) !== 0n);
    const frame = entry & FRAME_MASK;
    if (level === 1 || ((level === 2 || level === 3) && (entry & HUGE) !== 0n)) {
      const size = leafSize(level);
      const base = level === 1 ? frame : frame & ~BigInt(size - 1);
      return { mapped: true, physical: base + (va & BigInt(size - 1)), pageSize: size, writable, user, executable };
    }
    table = frame;
  }
  return { mapped: false, level: 1, reason: 'unreachable' };
}

/**
 * The next level's tables that a table points to (present, not a large page, not the recursive
 * entry): what a reader fetches level by level, one bulk read per level.
 */
export function referencedTables(table: Uint8Array, level: number, root: bigint): bigint[] {
  if (level <= 1) return [];
  const out: bigint[] = [];
  const view = entriesOf(table);
  const rootFrame = root & FRAME_MASK;
  for (let i = 0; i < 512 && (i + 1) * 8 <= table.length; i++) {
    const entry = view.getBigUint64(i * 8, true);
    if ((entry & PRESENT) === 0n) continue;
    if ((level === 2 || level === 3) && (entry & HUGE) !== 0n) continue;
    const frame = entry & FRAME_MASK;
    if (level === 4 && frame === rootFrame) continue;
    out.push(frame);
  }
  return out;
}

/** Frames grouped into spans to read in one piece each; frames less than `maxGap` bytes apart share a span. */
export function spansOf(frames: bigint[], maxGap: number): { start: bigint; length: number }[] {
  const sorted = [...new Set(frames)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const spans: { start: bigint; length: number }[] = [];
  for (const f of sorted) {
    const last = spans[spans.length - 1];
    if (last && f - (last.start + BigInt(last.length)) <= BigInt(maxGap)) last.length = Number(f - last.start) + PAGE_4K;
    else spans.push({ start: f, length: PAGE_4K });
  }
  return spans;
}

/** A physical-memory reader over pieces read earlier (each a start address and its bytes). */
export function piecesReader(pieces: { start: bigint; bytes: Uint8Array }[]): PhysicalReader {
  const sorted = [...pieces].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return (address, length) => {
    // The last piece starting at or before the address.
    let lo = 0;
    let hi = sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Pieces may overlap or nest: the nearest one below may end too early where an earlier, longer one covers.
    for (let i = found; i >= 0; i--) {
      const piece = sorted[i]!;
      const offset = Number(address - piece.start);
      if (offset + length <= piece.bytes.length) return piece.bytes.subarray(offset, offset + length);
    }
    return undefined;
  };
}
