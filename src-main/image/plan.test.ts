import { describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X } from '../elf/index.js';
import { code, synthElf, type SynthSegment } from '../elf/synth.test-helper.js';
import { parseBootLog, parseRegionLines } from './bootLog.js';
import { checksum64, layoutDisk, PLAN_OFFSETS, SECTOR } from './disk.js';
import type { BootloaderConfig } from './bootloaderConfig.js';
import { bootInfoLayout, makePlan, parseBootloaderMetadata, PlanError } from './plan.js';
import { place011 } from './plan011.js';

const RX = PF_R | PF_X;
const RW = PF_R | PF_W;

function kernel(segments: SynthSegment[], entry = 0x201000n, extra: Partial<Parameters<typeof synthElf>[0]> = {}) {
  return synthElf({ entry, segments, ...extra });
}

const standard = () =>
  kernel([
    { flags: PF_R, vaddr: 0x200000n, data: new Uint8Array(100).fill(1) },
    { flags: RX, vaddr: 0x201000n, data: code(0x1800) },
    { flags: RW, vaddr: 0x203000n, data: new Uint8Array(16).fill(7), memsz: 0x3000n },
  ]);

function planError(fn: () => unknown, key: string | RegExp, message: RegExp): PlanError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlanError);
    const err = e as PlanError;
    if (typeof key === 'string') expect(err.key).toBe(key);
    else expect(err.key).toMatch(key);
    expect(err.message).toMatch(message);
    return err;
  }
  throw new Error('expected a PlanError');
}

describe('BootInfo layout (BOOT-CONTRACT section 2)', () => {
  it('matches the table for every feature combination', () => {
    expect(bootInfoLayout({ map_physical_memory: false, recursive_page_table: false })).toEqual({ memoryMap: 0, tlsTemplate: 1544, trailingByte: 1568, size: 1576 });
    expect(bootInfoLayout({ map_physical_memory: true, recursive_page_table: false })).toEqual({ memoryMap: 0, physicalMemoryOffset: 1544, tlsTemplate: 1552, trailingByte: 1576, size: 1584 });
    expect(bootInfoLayout({ map_physical_memory: false, recursive_page_table: true })).toEqual({ memoryMap: 0, recursivePageTableAddr: 1544, tlsTemplate: 1552, trailingByte: 1576, size: 1584 });
    expect(bootInfoLayout({ map_physical_memory: true, recursive_page_table: true })).toEqual({
      memoryMap: 0,
      recursivePageTableAddr: 1544,
      physicalMemoryOffset: 1552,
      tlsTemplate: 1560,
      trailingByte: 1584,
      size: 1592,
    });
  });
});

describe('makePlan', () => {
  it('plans a blog-style ET_EXEC kernel with the default addresses', () => {
    const plan = makePlan(standard(), { features: ['map_physical_memory', 'recursive_page_table'] });
    expect(plan.kind).toBe('exec');
    expect(plan.entry).toBe(0x201000n);
    expect(plan.recursiveIndex).toBe(1);
    expect(plan.recursivePageTableAddr).toBe(0x0000_0080_4020_1000n);
    expect(plan.bootInfo.address).toBe(0x100_0000_0000n);
    expect(plan.physicalMemoryOffset).toBe(0x180_0000_0000n);
    expect(plan.stack).toEqual({ guard: 0x100_0000_1000n, bottom: 0x100_0000_2000n, top: 0x100_0020_2000n, pages: 512 });
    // R page, 2 RX pages, 1 RW page with data, 2 RW zero pages.
    expect(plan.runs.map((r) => [r.vaddr, r.pages, r.writable, r.executable, r.data])).toEqual([
      [0x200000n, 1, false, false, true],
      [0x201000n, 2, false, true, true],
      [0x203000n, 1, true, false, true],
      [0x204000n, 2, true, false, false],
    ]);
    expect(plan.payloadPages).toBe(4);
    expect(plan.zeroPages).toBe(2);
    expect(plan.payload.length).toBe(4 * 4096);
    expect(plan.payload[4096 * 3 + 15]).toBe(7);
    expect(plan.payload[4096 * 3 + 16]).toBe(0); // .bss tail zeroed in the page image
  });

  it('takes the lowest free level-4 entries after the kernel: recursive, boot info, physical memory', () => {
    const high = kernel([{ flags: RX, vaddr: 0x80_0000_0000n, data: code(16) }, { flags: RW, vaddr: 0x100_0000_0000n, data: code(16) }], 0x80_0000_0000n);
    const plan = makePlan(high, { features: ['map_physical_memory'] });
    expect(plan.level4Used).toEqual([0, 1, 2]);
    expect(plan.recursiveIndex).toBe(3);
    expect(plan.bootInfo.address).toBe(4n << 39n);
    expect(plan.physicalMemoryOffset).toBe(5n << 39n);
    expect(plan.recursivePageTableAddr).toBeUndefined();
  });

  it('honours [package.metadata.bootloader]', () => {
    const plan = makePlan(standard(), {
      features: ['map_physical_memory'],
      bootloaderMetadata: { 'physical-memory-offset': '0x0000600000000000', 'kernel-stack-address': '0x7000_0000_0000', 'kernel-stack-size': 8, 'boot-info-address': '17592186044416' },
    });
    expect(plan.physicalMemoryOffset).toBe(0x6000_0000_0000n);
    expect(plan.stack).toEqual({ guard: 0x7000_0000_0000n, bottom: 0x7000_0000_1000n, top: 0x7000_0000_9000n, pages: 8 });
    expect(plan.bootInfo.address).toBe(0x1000_0000_0000n);
    expect(plan.recursiveIndex).toBe(1);
  });

  it('relocates static PIE kernels to 0x200000 with R_X86_64_RELATIVE', () => {
    const data = new Uint8Array(16);
    const pie = synthElf({
      type: 3,
      entry: 0x1000n,
      segments: [
        { flags: RX, vaddr: 0x1000n, data: code(32) },
        { flags: RW, vaddr: 0x2008n, data },
      ],
      relocations: [{ offset: 0x2010n, type: 8, addend: 0x1010n }],
    });
    const plan = makePlan(pie);
    expect(plan.kind).toBe('pie');
    expect(plan.relocationBase).toBe(0x1ff000n);
    expect(plan.entry).toBe(0x200000n);
    expect(plan.relocationsApplied).toBe(1);
    const page = plan.payload.subarray(4096, 8192);
    expect(new DataView(page.buffer, page.byteOffset).getBigUint64(0x10, true)).toBe(0x200010n);
    const bad = synthElf({ type: 3, entry: 0x1000n, segments: [{ flags: RX, vaddr: 0x1000n, data: code(32) }], relocations: [{ offset: 0x1008n, type: 1, addend: 0n }] });
    planError(() => makePlan(bad), 'r_info', /type 1 \(R_X86_64_64\).*only R_X86_64_RELATIVE/);
    const outside = synthElf({ type: 3, entry: 0x1000n, segments: [{ flags: RX, vaddr: 0x1000n, data: code(32) }], relocations: [{ offset: 0x9000n, type: 8, addend: 0n }] });
    planError(() => makePlan(outside), 'r_offset', /outside every loadable segment/);
  });

  it('records the TLS template (relocated for PIE kernels)', () => {
    const withTls = synthElf({
      type: 3,
      entry: 0x1000n,
      segments: [
        { flags: RX, vaddr: 0x1000n, data: code(32) },
        { flags: RW, vaddr: 0x2000n, data: new Uint8Array(24).fill(3), memsz: 0x40n },
        { type: 7, flags: PF_R, vaddr: 0x2000n, data: new Uint8Array(24).fill(3), memsz: 0x40n, offset: 0x2000 },
      ],
    });
    const plan = makePlan(withTls);
    expect(plan.tls).toEqual({ start: 0x201000n, fileSize: 24n, memSize: 0x40n });
    expect(makePlan(standard()).tls).toEqual({ start: 0n, fileSize: 0n, memSize: 0n });
  });

  it('merges segments that share a page with a .bss tail', () => {
    const k = kernel([
      { flags: RX, vaddr: 0x201000n, data: code(16) },
      { flags: RW, vaddr: 0x202000n, data: new Uint8Array(8).fill(0xaa), memsz: 0x100n },
      { flags: RW, vaddr: 0x202200n, data: new Uint8Array(8).fill(0xbb), memsz: 0x1000n },
    ]);
    const plan = makePlan(k);
    expect(plan.runs.map((r) => [r.vaddr, r.pages, r.data])).toEqual([
      [0x201000n, 1, true],
      [0x202000n, 1, true],
      [0x203000n, 1, false],
    ]);
    const page = plan.payload.subarray(4096, 8192);
    expect(page[0]).toBe(0xaa);
    expect(page[0x10]).toBe(0);
    expect(page[0x200]).toBe(0xbb);
  });

  it('plans .bss as ranges: 4 GiB of zero-fill is one run and no payload', () => {
    const k = kernel([
      { flags: RX, vaddr: 0x201000n, data: code(16) },
      { flags: RW, vaddr: 0x202000n, data: new Uint8Array(8).fill(5), memsz: 4n << 30n },
    ]);
    const plan = makePlan(k);
    expect(plan.runs.map((r) => [r.vaddr, r.pages, r.writable, r.data])).toEqual([
      [0x201000n, 1, false, true],
      [0x202000n, 1, true, true],
      [0x203000n, (4 << 20) / 4 - 1, true, false],
    ]);
    expect(plan.payloadPages).toBe(2);
    expect(plan.zeroPages).toBe((4 << 20) / 4 - 1);
    expect(plan.payload.length).toBe(2 * 4096);
  });

  it('refuses more than 4 GiB of .bss, naming the size, the segment and the p_memsz offset', () => {
    for (const gib of [16n, 64n, 1024n]) {
      const k = kernel([
        { flags: RX, vaddr: 0x201000n, data: code(16) },
        { flags: RW, vaddr: 0x202000n, data: code(16), memsz: gib << 30n },
      ]);
      const err = planError(() => makePlan(k), 'p_memsz', new RegExp(`\\.bss\\) is ${gib >= 1024n ? `${gib / 1024n}.00 TiB` : `${gib}.00 GiB`} \\(${(gib << 18n) - 1n} pages\\), more than the 4 GiB`));
      expect(err.message).toContain('segment 1 has p_memsz');
      expect(err.message).toContain('(field program header 1 p_memsz at file offset 0xa0)');
      expect(err.offset).toBe(64 + 56 + 40);
    }
  });

  it("refuses more page runs than the loader's plan holds, with a typed error", () => {
    // Alternating permissions on separate pages: one run per segment.
    const many = (n: number) => kernel(Array.from({ length: n }, (_, i) => ({ flags: i % 2 ? RW : RX, vaddr: 0x201000n + BigInt(i) * 0x1000n, data: code(8) })));
    expect(makePlan(many(1016)).runs).toHaveLength(1016);
    const err = planError(() => makePlan(many(1017)), 'e_phnum', /1017 loadable segments make 1017 page runs.*at most 1016/);
    expect(err.message).toContain('file offset 0x38');
  });

  it('rejects bad kernels with clear messages', () => {
    planError(() => makePlan(kernel([{ type: 4, flags: RX, vaddr: 0x201000n, data: code(4) }])), 'PT_LOAD', /no loadable/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0x201000n, data: code(0x2000) }, { flags: RW, vaddr: 0x202000n, data: code(16) }])), 'p_vaddr', /overlap/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0x201000n, data: code(16) }, { flags: RW, vaddr: 0x201800n, data: code(16) }])), 'p_flags', /share the page 0x201000 with different permissions/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0x8000_0000_0000n, data: code(16) }], 0x8000_0000_0000n)), 'p_vaddr', /non-canonical/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0x7fff_ffff_f000n, data: code(0x2000) }], 0x7fff_ffff_f000n)), 'p_vaddr', /non-canonical/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0x201000n, data: code(16) }], 0x300000n)), 'e_entry', /outside every loadable segment/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0x201000n, data: code(16) }, { flags: RW, vaddr: 0x202000n, data: code(16) }], 0x202000n)), 'e_entry', /not executable/);
    planError(() => makePlan(kernel([{ flags: RX, vaddr: 0xb8000n, data: code(16) }], 0xb8000n)), 'p_vaddr', /first MiB.*loader needs/);
    planError(() => makePlan(standard(), { bootloaderMetadata: { 'boot-info-address': '0x200000' } }), 'boot-info-address', /collides with kernel segment/);
    planError(() => makePlan(standard(), { bootloaderMetadata: { 'kernel-stack-address': '0x1ff000' } }), 'kernel-stack-address', /collides with kernel segment/);
    planError(() => makePlan(standard(), { bootloaderMetadata: { 'boot-info-address': '0x1000' } }), 'boot-info-address', /first MiB/);
    planError(() => makePlan(standard(), { features: ['map_physical_memory'], bootloaderMetadata: { 'physical-memory-offset': '0x0' } }), 'physical-memory-offset', /first MiB/);
    planError(() => makePlan(standard(), { features: ['map_physical_memory'], bootloaderMetadata: { 'physical-memory-offset': '0x100000000' } }), 'physical-memory-offset', /cover the boot info page|collides/);
    planError(() => makePlan(standard(), { features: ['fast'] }), 'features', /unknown bootloader feature "fast"/);
  });
});

describe('[package.metadata.bootloader] (BOOT-CONTRACT section 6)', () => {
  it('accepts the four keys with the right types', () => {
    expect(parseBootloaderMetadata({ 'physical-memory-offset': '0x10000000000', 'kernel-stack-size': 128, 'kernel-stack-address': '4096000', 'boot-info-address': '0x4000_0000_0000' })).toEqual({
      physicalMemoryOffset: 0x100_0000_0000n,
      physicalMemoryOffsetRaw: 0x100_0000_0000n,
      kernelStackSize: 128,
      kernelStackAddress: 4096000n,
      bootInfoAddress: 0x4000_0000_0000n,
    });
    expect(parseBootloaderMetadata(undefined)).toEqual({});
  });

  it('accepts the README-style "0x0000f00000000000" like VirtAddr::new: mapped sign-extended, BootInfo keeps the value', () => {
    const plan = makePlan(standard(), { features: ['map_physical_memory'], bootloaderMetadata: { 'physical-memory-offset': '0x0000f00000000000' } });
    expect(plan.physicalMemoryOffset).toBe(0xffff_f000_0000_0000n);
    expect(plan.physicalMemoryOffsetField).toBe(0x0000_f000_0000_0000n);
    expect(makePlan(standard(), { features: ['map_physical_memory'] }).physicalMemoryOffsetField).toBe(0x180_0000_0000n);
  });

  it('rejects unknown keys and wrong types, naming the key', () => {
    planError(() => parseBootloaderMetadata({ 'kernel-stack-sise': 4 }), 'kernel-stack-sise', /unknown key/);
    planError(() => parseBootloaderMetadata({ 'physical-memory-offset': 0x10000000000 }), 'physical-memory-offset', /expected a string.*the number/);
    planError(() => parseBootloaderMetadata({ 'boot-info-address': ['0x1000'] }), 'boot-info-address', /expected a string.*an array/);
    planError(() => parseBootloaderMetadata({ 'kernel-stack-size': '512' }), 'kernel-stack-size', /expected an integer/);
    planError(() => parseBootloaderMetadata({ 'kernel-stack-size': 1.5 }), 'kernel-stack-size', /expected an integer/);
    planError(() => parseBootloaderMetadata({ 'kernel-stack-size': 0 }), 'kernel-stack-size', /greater than 0/);
    planError(() => parseBootloaderMetadata({ 'kernel-stack-address': '0x1234' }), 'kernel-stack-address', /not 4 KiB aligned/);
    planError(() => parseBootloaderMetadata({ 'boot-info-address': 'lots' }), 'boot-info-address', /not a number/);
    planError(() => parseBootloaderMetadata({ 'boot-info-address': '0x1000000000000' }), 'boot-info-address', /canonical/);
    planError(() => parseBootloaderMetadata({ 'physical-memory-offset': '0x10000001000' }), 'physical-memory-offset', /2 MiB aligned/);
  });

  it('warns when physical-memory-offset is set without map_physical_memory', () => {
    expect(makePlan(standard(), { bootloaderMetadata: { 'physical-memory-offset': '0x10000000000' } }).warnings[0]).toMatch(/ignored/);
  });
});

describe('disk image', () => {
  const loader = () => {
    const l = new Uint8Array(3 * SECTOR).fill(0xcc);
    l[510] = 0x55;
    l[511] = 0xaa;
    return l;
  };

  it('lays out whole sectors: loader, plan (magic, version, checksums), payload; MBR partition table', () => {
    const plan = makePlan(standard(), { features: ['map_physical_memory'] });
    const { bytes, layout } = layoutDisk(loader(), plan, { hostLog: true });
    expect(layout).toEqual({ loaderSectors: 3, planLba: 3, planSectors: 1, payloadLba: 4, payloadSectors: 32, totalSectors: 36 });
    expect(bytes.length).toBe(36 * SECTOR);
    const v = new DataView(bytes.buffer);
    // Partition table: one active partition from LBA 1 to the end.
    expect(bytes[0x1be]).toBe(0x80);
    expect(bytes[0x1be + 4]).toBe(0xda);
    expect(v.getUint32(0x1be + 8, true)).toBe(1);
    expect(v.getUint32(0x1be + 12, true)).toBe(35);
    expect(bytes[0x1ce]).toBe(0);
    const p = 3 * SECTOR;
    expect(new TextDecoder().decode(bytes.subarray(p, p + 8))).toBe('BLABPLAN');
    expect(v.getUint32(p + PLAN_OFFSETS.version, true)).toBe(1);
    expect(v.getUint32(p + PLAN_OFFSETS.payloadLba, true)).toBe(4);
    expect(v.getUint32(p + PLAN_OFFSETS.flags, true)).toBe(1 | 16);
    expect(v.getBigUint64(p + PLAN_OFFSETS.payloadChecksum, true)).toBe(checksum64(plan.payload));
    const planBytes = bytes.slice(p, p + v.getUint32(p + PLAN_OFFSETS.planBytes, true));
    const stored = new DataView(planBytes.buffer).getBigUint64(PLAN_OFFSETS.planChecksum, true);
    new DataView(planBytes.buffer).setBigUint64(PLAN_OFFSETS.planChecksum, 0n, true);
    expect(checksum64(planBytes)).toBe(stored);
    expect(bytes.subarray(4 * SECTOR)).toEqual(plan.payload);
  });

  it('checksum64 is rol-7-xor over little-endian words', () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 0x8000_0000_0000_0001n, true);
    new DataView(b.buffer).setBigUint64(8, 2n, true);
    expect(checksum64(b)).toBe((((0x8000_0000_0000_0001n << 7n) | (0x8000_0000_0000_0001n >> 57n)) & 0xffff_ffff_ffff_ffffn) ^ 2n);
  });
});

describe('parseBootLog', () => {
  const log = [
    'bootlab-boot-log 1',
    'stage mbr tsc=0x100',
    'stage loader tsc=0x180',
    'payload-read dma sectors=0xc0',
    'e820 0x0..0x9fc00 0x1',
    'e820 0x9fc00..0xa0000 0x2',
    'e820 0xfd00000000..0x10000000000 0x7',
    'region 0x0..0x1000 FrameZero',
    'region 0x1000..0x5000 Usable',
    'region 0x100000..0x119000 Kernel',
    'page-tables 0x31a000..0x725000',
    'pml4 0x31a000',
    'kernel-frames 0x100000..0x119000',
    'stack guard=0x10000001000 0x10000002000..0x10000202000 frames=0x119000..0x319000',
    'boot-info 0x10000000000 frame=0x319000',
    'physical-memory 0x18000000000 0x0..0x10000000000',
    'entry rip=0x206cd0 rsp=0x10000201ff8 rdi=0x10000000000 tsc=0x400',
  ].join('\n');

  it('reads every record', () => {
    const r = parseBootLog(log);
    expect(r.version).toBe(1);
    expect(r.stages.map((s) => [s.name, s.sinceStart])).toEqual([
      ['mbr', 0n],
      ['loader', 0x80n],
      ['kernel', 0x300n],
    ]);
    expect(r.e820).toEqual([
      { start: 0, end: 0x9fc00, type: 'Usable' },
      { start: 0x9fc00, end: 0xa0000, type: 'Reserved' },
      { start: 0xfd00000000, end: 0x10000000000, type: 'Reserved' },
    ]);
    expect(r.e820Raw[2]!.type).toBe(7);
    expect(r.payloadRead).toEqual({ method: 'dma', sectors: 0xc0 });
    expect(r.memoryMap).toEqual(parseRegionLines(log));
    expect(r.regions).toBe(r.memoryMap);
    expect(r.pageTableFrames).toEqual({ start: 0x31a000, end: 0x725000 });
    expect(r.stack).toEqual({ guard: 0x10000001000n, bottom: 0x10000002000n, top: 0x10000202000n, frames: { start: 0x119000, end: 0x319000 } });
    expect(r.bootInfo).toEqual({ address: 0x10000000000n, frame: 0x319000 });
    expect(r.physicalMemory).toEqual({ offset: 0x18000000000n, end: 0x10000000000 });
    expect(r.entry).toEqual({ rip: 0x206cd0n, rsp: 0x10000201ff8n, rdi: 0x10000000000n, tsc: 0x400n });
    expect(r.complete).toBe(true);
    expect(r.labels.map((l) => l.label)).toEqual(['page tables', 'kernel segments', 'kernel stack', 'boot info']);
    expect(r.unknown).toEqual([]);
  });

  it('handles partial logs, errors and junk without throwing', () => {
    const r = parseBootLog(['error corrupt image: payload checksum mismatch', 'stage mbr', 'region nonsense', 'zap']);
    expect(r.error).toBe('corrupt image: payload checksum mismatch');
    expect(r.complete).toBe(false);
    expect(r.unknown).toEqual(['stage mbr', 'region nonsense', 'zap']);
  });
});

describe('bootloader_api 0.11 placement (BOOT-CONTRACT-011 §1.5, §3.5)', () => {
  const dynamic = { kind: 'dynamic' } as const;
  const fixedAt = (address: bigint) => ({ kind: 'fixed', address }) as const;
  function config(mappings: Partial<BootloaderConfig['mappings']> = {}, kernelStackSize = 0x14000n): BootloaderConfig {
    return {
      length: 133,
      layoutVersions: '0.11.11-0.11.16',
      apiVersion: { major: 0, minor: 11, patch: 16, preRelease: false },
      kernelStackSize,
      mappings: {
        kernelStack: dynamic,
        kernelBase: dynamic,
        bootInfo: dynamic,
        framebuffer: dynamic,
        physicalMemory: null,
        pageTableRecursive: null,
        aslr: false,
        dynamicRangeStart: null,
        dynamicRangeEnd: null,
        ramdiskMemory: dynamic,
        ...mappings,
      },
      frameBuffer: { minimumHeight: null, minimumWidth: null },
      fileOffset: 0x1000,
    };
  }
  const pie = { pie: true, minVaddr: 0n, maxEnd: 0x30000n, maxAlign: 0x1000n, execRanges: [] };
  const slot = (i: bigint) => i << 39n;

  it('Dynamic requests take the lowest free slots in upstream order: kernel, stack, framebuffer, ramdisk, physical memory, recursive, boot info', () => {
    const p = place011(config({ physicalMemory: dynamic, pageTableRecursive: dynamic }), { ...pie, ramdiskBytes: 5000n });
    expect(p.relocationBase).toBe(slot(1n));
    expect(p.stackGuard).toBe(slot(2n));
    expect(p.framebuffer).toBe(slot(3n));
    expect(p.ramdisk).toBe(slot(4n));
    // The physical-memory map is planned at 1 TiB (QEMU's E820 ends there): two slots.
    expect(p.physicalMemoryOffset).toBe(slot(5n));
    expect(p.recursiveIndex).toBe(7);
    expect(p.bootInfo).toBe(slot(8n));
  });

  it('Fixed mappings keep their addresses and their slots are not handed out again', () => {
    const p = place011(config({ kernelStack: fixedAt(slot(1n)), framebuffer: fixedAt(slot(3n)), kernelBase: fixedAt(0x7000_0000_0000n) }), pie);
    expect(p.relocationBase).toBe(0x7000_0000_0000n);
    expect(p.stackGuard).toBe(slot(1n));
    expect(p.framebuffer).toBe(slot(3n));
    expect(p.bootInfo).toBe(slot(2n));
  });

  it('an ET_EXEC kernel keeps its link addresses, and its slots are taken', () => {
    const p = place011(config(), { pie: false, minVaddr: slot(1n), maxEnd: slot(1n) + 0x5000n, maxAlign: 0x1000n, execRanges: [{ start: slot(1n), end: slot(1n) + 0x5000n }] });
    expect(p.relocationBase).toBe(0n);
    expect(p.stackGuard).toBe(slot(2n));
  });

  it('a dynamic range in the higher half puts every Dynamic choice there (sign-extended)', () => {
    const p = place011(config({ dynamicRangeStart: 0xffff_8000_0000_0000n }), pie);
    expect(p.relocationBase).toBe(0xffff_8000_0000_0000n);
    expect(p.stackGuard).toBe(0xffff_8080_0000_0000n);
    expect(p.usedSlots).toContain(255);
  });

  it('misaligned or impossible Fixed addresses name the config field', () => {
    const err = (c: BootloaderConfig, facts = pie): PlanError => {
      try {
        place011(c, facts);
      } catch (e) {
        expect(e).toBeInstanceOf(PlanError);
        return e as PlanError;
      }
      throw new Error('expected a PlanError');
    };
    expect(err(config({ physicalMemory: fixedAt(0x1000_0010_0000n) })).message).toMatch(/^\.bootloader-config mappings\.physical_memory: the physical memory offset 0x100000100000 is not aligned to 0x200000/);
    expect(err(config({ pageTableRecursive: fixedAt(0x1000_0000_0000n + 0x1000n) })).key).toBe('mappings.page_table_recursive');
    expect(err(config({ kernelStack: fixedAt(0x1234n) })).message).toMatch(/mappings\.kernel_stack: the stack address 0x1234 is not aligned to 0x1000/);
    expect(err(config({ bootInfo: fixedAt(0x0000_9000_0000_0000n) })).message).toMatch(/boot info address 0x900000000000 is not a canonical x86-64 address/);
    expect(err(config({ kernelBase: fixedAt(0x7000_0000_1000n) }), { ...pie, maxAlign: 0x200000n }).message).toMatch(/kernel base .* is not aligned to 0x200000/);
    const full = err(config({ dynamicRangeStart: slot(10n), dynamicRangeEnd: slot(10n) + 0x1000n }));
    // The range's own slot is taken too (upstream marks from the page after its end).
    expect(full.key).toBe('mappings.kernel_base');
    expect(full.message).toMatch(/no free level-4 entries left for the kernel \(1 of 512 GiB each needed/);
  });

  it('0.9 kernels keep their plan: no 0.11 part, abi 0.9', () => {
    const plan = makePlan(standard(), { features: ['map_physical_memory'] });
    expect(plan.abi).toBe('0.9');
    expect(plan.abi011).toBeUndefined();
  });
});

describe('bootloader_api 0.11 ASLR', () => {
  it('takes a random free slot run and a random aligned offset inside it', () => {
    const base = { pie: true, minVaddr: 0n, maxEnd: 0x30000n, maxAlign: 0x1000n, execRanges: [] };
    const cfg = {
      length: 133 as const,
      layoutVersions: '0.11.11-0.11.16',
      apiVersion: { major: 0, minor: 11, patch: 16, preRelease: false },
      kernelStackSize: 0x14000n,
      mappings: {
        kernelStack: { kind: 'dynamic' as const },
        kernelBase: { kind: 'dynamic' as const },
        bootInfo: { kind: 'dynamic' as const },
        framebuffer: { kind: 'dynamic' as const },
        physicalMemory: { kind: 'dynamic' as const },
        pageTableRecursive: null,
        aslr: true,
        dynamicRangeStart: null,
        dynamicRangeEnd: null,
        ramdiskMemory: { kind: 'dynamic' as const },
      },
      frameBuffer: { minimumHeight: null, minimumWidth: null },
      fileOffset: 0,
    };
    // The largest choice every time: the highest free run, the highest offset that still fits.
    const p = place011(cfg, base, (bound) => bound - 1n);
    expect(p.relocationBase).toBe(0xffff_ff80_0000_0000n + (1n << 39n) - 0x30000n);
    expect(p.stackGuard).toBe(0xffff_ff00_0000_0000n + (1n << 39n) - 0x15000n);
    // 1 TiB of physical memory: two slots, 2 MiB aligned, no room for an offset.
    expect(p.physicalMemoryOffset).toBe(0xffff_fd80_0000_0000n); // slots 507-508 (509 is the framebuffer's)
    // The smallest choice every time: what no ASLR gives.
    const q = place011(cfg, base, () => 0n);
    expect([q.relocationBase, q.stackGuard, q.framebuffer, q.physicalMemoryOffset, q.bootInfo]).toEqual([1n << 39n, 2n << 39n, 3n << 39n, 4n << 39n, 6n << 39n]);
  });
});
