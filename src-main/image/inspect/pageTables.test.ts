import { describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X, readElf } from '../../elf/index.js';
import { code, synthElf } from '../../elf/synth.test-helper.js';
import { makePlan } from '../plan.js';
import { canonical, PAGE_1G, PAGE_2M, PAGE_4K, piecesReader, referencedTables, spansOf, translate, walkPageTables, type PhysicalReader } from './pageTables.js';
import { checkSegments, describeDifference, describeRun, kernelSegments, readOnlyPagesOf, type KernelSegment } from './segmentCheck.js';

const P = 1n;
const W = 2n;
const U = 4n;
const HUGE = 0x80n;
const G = 0x100n;
const NX = 1n << 63n;

/** Synthetic physical memory: page tables built entry by entry. */
class Memory {
  readonly frames = new Map<bigint, Uint8Array>();
  private next = 0x100000n;
  reads = 0;
  table(): bigint {
    const at = this.next;
    this.next += 0x1000n;
    this.frames.set(at, new Uint8Array(4096));
    return at;
  }
  set(table: bigint, index: number, entry: bigint): void {
    new DataView(this.frames.get(table)!.buffer).setBigUint64(index * 8, entry, true);
  }
  readonly read: PhysicalReader = (address, length) => {
    this.reads++;
    const frame = address & ~0xfffn;
    const bytes = this.frames.get(frame);
    const offset = Number(address - frame);
    return bytes && offset + length <= 4096 ? bytes.subarray(offset, offset + length) : undefined;
  };
}

const idx = (va: bigint, level: number) => Number((va >> BigInt(12 + 9 * (level - 1))) & 511n);

/** Maps one 4 KiB page, making the tables on the way (upper levels P|W|U unless `upper` says otherwise). */
function map4k(mem: Memory, root: bigint, va: bigint, pa: bigint, flags: bigint, upper = P | W | U): void {
  let table = root;
  for (let level = 4; level > 1; level--) {
    const view = new DataView(mem.frames.get(table)!.buffer);
    const e = view.getBigUint64(idx(va, level) * 8, true);
    if (e & P) table = e & 0x000f_ffff_ffff_f000n;
    else {
      const t = mem.table();
      mem.set(table, idx(va, level), t | upper);
      table = t;
    }
  }
  mem.set(table, idx(va, 1), pa | flags);
}

describe('walkPageTables', () => {
  it('merges contiguous 4 KiB pages with equal permissions and splits where they differ', () => {
    const mem = new Memory();
    const root = mem.table();
    for (let i = 0n; i < 3n; i++) map4k(mem, root, 0x200000n + i * 0x1000n, 0x400000n + i * 0x1000n, P | NX); // R--
    for (let i = 3n; i < 5n; i++) map4k(mem, root, 0x200000n + i * 0x1000n, 0x400000n + i * 0x1000n, P); // R-X
    map4k(mem, root, 0x205000n, 0x900000n, P | W | NX | G); // RW-, other frame, global
    const { runs, problems, tablesRead } = walkPageTables(root, mem.read, { noExecuteEnabled: true });
    expect(problems).toEqual([]);
    expect(tablesRead).toBe(4);
    expect(runs.map((r) => [r.virtualStart, r.virtualEnd, r.physicalStart, r.pageSize, r.writable, r.executable, r.global])).toEqual([
      [0x200000n, 0x203000n, 0x400000n, PAGE_4K, false, false, false],
      [0x203000n, 0x205000n, 0x403000n, PAGE_4K, false, true, false],
      [0x205000n, 0x206000n, 0x900000n, PAGE_4K, true, false, true],
    ]);
  });

  it('does not merge pages whose frames are not contiguous', () => {
    const mem = new Memory();
    const root = mem.table();
    map4k(mem, root, 0x200000n, 0x500000n, P);
    map4k(mem, root, 0x201000n, 0x400000n, P);
    expect(walkPageTables(root, mem.read, { noExecuteEnabled: true }).runs).toHaveLength(2);
  });

  it('takes permissions from every level: W and U only if all allow, NX if any forbids', () => {
    const mem = new Memory();
    const root = mem.table();
    map4k(mem, root, 0x200000n, 0x400000n, P | W | U, P | U | NX); // upper levels: read-only, no-execute
    const [run] = walkPageTables(root, mem.read, { noExecuteEnabled: true }).runs;
    expect(run).toMatchObject({ writable: false, user: true, executable: false });
    // Without EFER.NXE bit 63 means nothing: executable.
    expect(walkPageTables(root, mem.read, { noExecuteEnabled: false }).runs[0]!.executable).toBe(true);
  });

  it('reads 2 MiB and 1 GiB pages, in the higher half too, sign-extended', () => {
    const mem = new Memory();
    const root = mem.table();
    const l3 = mem.table();
    const l2 = mem.table();
    mem.set(root, 511, l3 | P | W);
    mem.set(l3, 510, 0x40000000n | P | W | HUGE); // 0xffffffff80000000: one 1 GiB page
    mem.set(l3, 0, l2 | P | W);
    mem.set(l2, 0, 0x200000n | P | HUGE | 0x1000n); // PAT bit set: frame still 0x200000
    mem.set(l2, 1, 0x400000n | P | HUGE);
    const { runs } = walkPageTables(root, mem.read, { noExecuteEnabled: true });
    expect(runs.map((r) => [r.virtualStart, r.virtualEnd, r.physicalStart, r.pageSize])).toEqual([
      [0xffffff8000000000n, 0xffffff8000400000n, 0x200000n, PAGE_2M],
      [0xffffffff80000000n, 0xffffffffc0000000n, 0x40000000n, PAGE_1G],
    ]);
  });

  it('reports the recursive entry once instead of walking the tables as pages', () => {
    const mem = new Memory();
    const root = mem.table();
    map4k(mem, root, 0x200000n, 0x400000n, P);
    mem.set(root, 510, root | P | W);
    const { runs, recursive } = walkPageTables(root, mem.read, { noExecuteEnabled: true });
    expect(runs).toHaveLength(1);
    expect(recursive).toEqual([{ index: 510, virtualStart: 0xffffff0000000000n, virtualEnd: 0xffffff8000000000n }]);
  });

  it('a 1 TiB physical-memory window of 2 MiB pages is one run; the tables are read once each', () => {
    const mem = new Memory();
    const root = mem.table();
    const offset = 0x18000000000n; // L4 index 3, as the sample kernel's
    let pa = 0n;
    for (let l4 = 3; l4 < 5; l4++) {
      const l3 = mem.table();
      mem.set(root, l4, l3 | P | W);
      for (let i = 0; i < 512; i++) {
        const l2 = mem.table();
        mem.set(l3, i, l2 | P | W);
        for (let j = 0; j < 512; j++, pa += 0x200000n) mem.set(l2, j, pa | P | W | HUGE | NX);
      }
    }
    const { runs, tablesRead } = walkPageTables(root, mem.read, { noExecuteEnabled: true });
    expect(runs).toEqual([{ virtualStart: offset, virtualEnd: offset + (1n << 40n), physicalStart: 0n, pageSize: PAGE_2M, writable: true, user: false, executable: false, global: false }]);
    expect(tablesRead).toBe(1 + 2 + 1024);
    expect(mem.reads).toBe(tablesRead);
  });

  it('says which table could not be read and walks the rest', () => {
    const mem = new Memory();
    const root = mem.table();
    map4k(mem, root, 0x200000n, 0x400000n, P);
    mem.set(root, 1, 0x7fff000000n | P); // a level-3 table far outside RAM
    const { runs, problems } = walkPageTables(root, mem.read, { noExecuteEnabled: true });
    expect(runs).toHaveLength(1);
    expect(problems).toEqual(['level-3 table at physical 0x7fff000000 (for 0x8000000000) could not be read']);
  });

  it('stops a walk of tables that loop back on themselves at the page bound', () => {
    const mem = new Memory();
    const root = mem.table();
    const l3 = mem.table();
    mem.set(root, 0, l3 | P | W);
    // Every level-3 entry points at the level-3 table itself (used as a level-2 and level-1 table).
    for (let i = 0; i < 512; i++) mem.set(l3, i, l3 | P | W);
    const { problems } = walkPageTables(root, mem.read, { noExecuteEnabled: true, maxLeaves: 1000 });
    expect(problems).toEqual(['walk stopped after 1000 pages (tables that loop back on themselves?)']);
    expect(mem.reads).toBeLessThan(10);
  });
});

describe('translate', () => {
  const mem = new Memory();
  const root = mem.table();
  map4k(mem, root, 0x200000n, 0x400000n, P | W | NX);

  it('gives the physical address and permissions of a mapped address', () => {
    expect(translate(0x200abcn, root, mem.read, { noExecuteEnabled: true })).toEqual({ mapped: true, physical: 0x400abcn, pageSize: PAGE_4K, writable: true, user: false, executable: false });
  });

  it('says at which level an unmapped address stopped', () => {
    expect(translate(0x201000n, root, mem.read, { noExecuteEnabled: true })).toEqual({ mapped: false, level: 1, reason: 'not mapped: level-1 entry 1 is not present' });
    expect(translate(0xffff800000000000n, root, mem.read, { noExecuteEnabled: true })).toMatchObject({ mapped: false, level: 4 });
    expect(translate(0x0000800000000000n, root, mem.read, { noExecuteEnabled: true })).toEqual({ mapped: false, level: 4, reason: '0x800000000000 is not canonical' });
  });
});

describe('bulk-read helpers', () => {
  it('lists the next level tables of a table, without large pages and the recursive entry', () => {
    const mem = new Memory();
    const root = mem.table();
    mem.set(root, 0, 0x5000n | P);
    mem.set(root, 1, root | P);
    mem.set(root, 2, 0x6000n); // not present
    expect(referencedTables(mem.frames.get(root)!, 4, root)).toEqual([0x5000n]);
    const l2 = mem.table();
    mem.set(l2, 0, 0x200000n | P | HUGE);
    mem.set(l2, 1, 0x7000n | P);
    expect(referencedTables(mem.frames.get(l2)!, 2, root)).toEqual([0x7000n]);
    expect(referencedTables(mem.frames.get(l2)!, 1, root)).toEqual([]);
  });

  it('groups frames into spans, and reads them back through one reader', () => {
    expect(spansOf([0x5000n, 0x3000n, 0x4000n, 0x3000n, 0x20000n], 0x4000)).toEqual([
      { start: 0x3000n, length: 0x3000 },
      { start: 0x20000n, length: 0x1000 },
    ]);
    const read = piecesReader([
      { start: 0x3000n, bytes: new Uint8Array(0x3000).fill(7) },
      { start: 0x20000n, bytes: new Uint8Array(0x1000).fill(9) },
    ]);
    expect(read(0x4ff8n, 8)).toEqual(new Uint8Array(8).fill(7));
    expect(read(0x20000n, 4)).toEqual(new Uint8Array(4).fill(9));
    expect(read(0x5ffcn, 8)).toBeUndefined();
    expect(read(0x1000n, 8)).toBeUndefined();
    // A short piece starting inside a longer one does not hide the longer one's later bytes.
    const nested = piecesReader([
      { start: 0x1000n, bytes: new Uint8Array(0x8000).fill(1) },
      { start: 0x2000n, bytes: new Uint8Array(0x1000).fill(2) },
    ]);
    expect(nested(0x2000n, 1)).toEqual(new Uint8Array([2]));
    expect(nested(0x5000n, 1)).toEqual(new Uint8Array([1]));
  });

  it('canonical() sign-extends bit 47', () => {
    expect(canonical(0x0000ff8000000000n)).toBe(0xffffff8000000000n);
    expect(canonical(0x00007f8000000000n)).toBe(0x00007f8000000000n);
  });
});

describe('kernel segments against the mappings', () => {
  const elfBytes = synthElf({
    entry: 0x201000n,
    segments: [
      { flags: PF_R, vaddr: 0x200000n, data: new Uint8Array(0x100).fill(1) },
      { flags: PF_R | PF_X, vaddr: 0x201000n, data: code(0x1800) },
      { flags: PF_R | PF_W, vaddr: 0x203000n, data: new Uint8Array(16).fill(7), memsz: 0x3000n },
    ],
  });
  const elf = readElf(elfBytes);
  const segments = kernelSegments(elf);

  /** Maps the segments the way a loader should: frames from 0x400000 in order. */
  function mapAsElfSays(mem: Memory, root: bigint, override: (va: bigint) => bigint | undefined = () => undefined) {
    for (const s of segments) {
      for (let va = s.vaddr & ~0xfffn; va < s.vaddr + s.memsz; va += 0x1000n) {
        const flags = override(va) ?? (P | (s.writable ? W : 0n) | (s.executable ? 0n : NX));
        map4k(mem, root, va, 0x400000n + (va - 0x200000n), flags);
      }
    }
  }

  it('lists PT_LOAD segments with their permissions and sections', () => {
    expect(segments.map((s) => [s.index, s.vaddr, s.writable, s.executable])).toEqual([
      [0, 0x200000n, false, false],
      [1, 0x201000n, false, true],
      [2, 0x203000n, true, false],
    ]);
  });

  it('"mapped as the ELF says" when every page matches', () => {
    const mem = new Memory();
    const root = mem.table();
    mapAsElfSays(mem, root);
    const { runs } = walkPageTables(root, mem.read, { noExecuteEnabled: true });
    const checks = checkSegments(segments, runs);
    expect(checks.map((c) => [c.segment.index, c.expected, c.ok])).toEqual([
      [0, 'R--', true],
      [1, 'R-X', true],
      [2, 'RW-', true],
    ]);
  });

  it('names a writable page the ELF says is read-only, and a missing page', () => {
    const mem = new Memory();
    const root = mem.table();
    mapAsElfSays(mem, root, (va) => (va === 0x200000n ? P | W | NX : va === 0x204000n ? 0n : undefined));
    const checks = checkSegments(segments, walkPageTables(root, mem.read, { noExecuteEnabled: true }).runs);
    expect(checks.map((c) => c.ok)).toEqual([false, true, false]);
    expect(checks[0]!.differences.map(describeDifference)).toEqual(['0x200000..0x201000 is RW-, the ELF says R--']);
    expect(checks[2]!.differences.map(describeDifference)).toEqual(['0x204000..0x205000 is not mapped']);
  });

  it('names a frame that does not hold the bytes the loader should have put there', () => {
    const plan = makePlan(elf);
    const expected = readOnlyPagesOf(plan);
    expect([...expected.keys()]).toEqual([0x200000n, 0x201000n, 0x202000n]);
    const mem = new Memory();
    const root = mem.table();
    mapAsElfSays(mem, root);
    const physical = new Map<bigint, Uint8Array>();
    for (const [va, bytes] of expected) physical.set(0x400000n + (va - 0x200000n), bytes);
    physical.set(0x402000n, new Uint8Array(4096)); // the second code page's frame holds zeros
    const frameHolds = (va: bigint, pa: bigint) => {
      const want = expected.get(va);
      const have = physical.get(pa);
      return want && have ? Buffer.from(want).equals(Buffer.from(have)) : undefined;
    };
    const checks = checkSegments(segments, walkPageTables(root, mem.read, { noExecuteEnabled: true }).runs, { frameHolds });
    expect(checks.map((c) => c.ok)).toEqual([true, false, true]);
    expect(checks[1]!.differences.map(describeDifference)).toEqual(["0x202000..0x203000 is mapped to 0x402000, a frame that does not hold the segment's bytes"]);
  });

  it('bootloader_api 0.11: the PT_GNU_RELRO pages of a writable segment are expected read-only', () => {
    const mem = new Memory();
    const root = mem.table();
    // The loader made the writable segment's first page (its RELRO part) read-only.
    mapAsElfSays(mem, root, (va) => (va === 0x203000n ? P | NX : undefined));
    const runs = walkPageTables(root, mem.read, { noExecuteEnabled: true }).runs;
    expect(checkSegments(segments, runs).map((c) => c.ok)).toEqual([true, true, false]);
    const relro = { start: 0x203000n, end: 0x204000n };
    expect(checkSegments(segments, runs, { readOnly: [relro] }).map((c) => c.ok)).toEqual([true, true, true]);
    // A RELRO page left writable is a difference: the loader should have made it read-only.
    const plain = new Memory();
    const plainRoot = plain.table();
    mapAsElfSays(plain, plainRoot);
    const left = checkSegments(segments, walkPageTables(plainRoot, plain.read, { noExecuteEnabled: true }).runs, { readOnly: [relro] });
    expect(left[2]!.differences.map(describeDifference)).toEqual(['0x203000..0x204000 is RW-, the ELF says R--']);
  });

  it('a segment with nothing mapped is one difference however large it is', () => {
    const huge: KernelSegment = { index: 7, vaddr: 0x10000000n, memsz: 1n << 34n, writable: true, executable: false, sections: ['.bss'] };
    const checks = checkSegments([huge], []);
    expect(checks[0]!.differences).toEqual([{ kind: 'missing', start: 0x10000000n, end: 0x10000000n + (1n << 34n) }]);
  });

  it('says what a run is: kernel segment with sections, stack, boot info, window, identity map', () => {
    const named: KernelSegment[] = [{ index: 2, vaddr: 0x204a20n, memsz: 0x11f42n, writable: false, executable: true, sections: ['.text'] }];
    const facts = { segments: named, stack: { guard: 0x10000001000n, bottom: 0x10000002000n, top: 0x10000202000n }, bootInfo: { address: 0x10000000000n, size: 1584 }, physicalMemoryOffset: 0x18000000000n };
    const run = (virtualStart: bigint, virtualEnd: bigint, physicalStart: bigint) => ({ virtualStart, virtualEnd, physicalStart, pageSize: PAGE_4K, writable: false, user: false, executable: true, global: false });
    expect(describeRun(run(0x204000n, 0x217000n, 0x104000n), facts)).toBe('kernel segment 2 (.text)');
    expect(describeRun(run(0x10000002000n, 0x10000202000n, 0x300000n), facts)).toBe('stack (guard page 0x10000001000)');
    expect(describeRun(run(0x10000000000n, 0x10000001000n, 0x319000n), facts)).toBe('boot info');
    expect(describeRun(run(0x18000000000n, 0x28000000000n, 0n), facts)).toBe('physical-memory window');
    expect(describeRun(run(0xb8000n, 0xb9000n, 0xb8000n), facts)).toBe('identity map (VGA window)');
    expect(describeRun(run(0x7000n, 0xa000n, 0x7000n), facts)).toBe('identity map');
    expect(describeRun(run(0x7000n, 0xa000n, 0x9000n), facts)).toBe('-');
    // bootloader_api 0.11: the framebuffer (mapped where the plan put it) and the ramdisk.
    const facts011 = { ...facts, framebuffer: 0x18000000000n, ramdisk: { address: 0x30000000000n, size: 0x2345n } };
    expect(describeRun(run(0x18000000000n, 0x18000384000n, 0xfd000000n), facts011)).toBe('framebuffer');
    expect(describeRun(run(0x30000000000n, 0x30000003000n, 0x500000n), facts011)).toBe('ramdisk');
  });
});
