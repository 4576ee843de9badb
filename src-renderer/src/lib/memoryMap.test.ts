import { describe, expect, it } from 'vitest';
import type { MemoryMap } from '../../../src-main/shared/api.js';
import { describeType, labelFor, labelsOutsideRegions, layoutSegments, parseRegionLines, totalsByType, typeClass, uefiTypeName } from './memoryMap.js';

const MAP: MemoryMap = {
  regions: [
    { start: 0x0, end: 0x1000, type: 'FrameZero' },
    { start: 0x1000, end: 0x5000, type: 'PageTable' },
    { start: 0x5000, end: 0x9f000, type: 'Usable' },
    { start: 0x9fc00, end: 0x100000, type: 'Reserved' },
    { start: 0x100000, end: 0x400000, type: 'Usable' },
    { start: 0x400000, end: 0x420000, type: 'Kernel' },
    { start: 0x420000, end: 0x430000, type: 'KernelStack' },
    { start: 0x430000, end: 0x431000, type: 'BootInfo' },
    { start: 0x431000, end: 0x7fe0000, type: 'Usable' },
    { start: 0xfffc0000, end: 0x100000000, type: 'Reserved' },
  ],
  e820: [],
  labels: [{ start: 0x400000, end: 0x410000, label: '.text' }],
};

describe('layoutSegments', () => {
  const segments = layoutSegments(MAP);

  it('covers every region in address order with the gaps between them', () => {
    const regions = segments.filter((s) => s.index >= 0);
    expect(regions.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const gaps = segments.filter((s) => s.type === 'Gap');
    expect(gaps.map((g) => [g.start, g.end])).toEqual([
      [0x9f000, 0x9fc00],
      [0x7fe0000, 0xfffc0000],
    ]);
  });

  it('compresses the hole below 4 GiB and marks it, keeping small regions visible', () => {
    const hole = segments.find((s) => s.start === 0x7fe0000)!;
    expect(hole.compressed).toBe(true);
    expect(hole.label).toBe('not in the map');
    const kernel = segments.find((s) => s.type === 'Kernel')!;
    const stack = segments.find((s) => s.type === 'KernelStack')!;
    const frameZero = segments.find((s) => s.type === 'FrameZero')!;
    const pageTable = segments.find((s) => s.type === 'PageTable')!;
    // To scale where it matters: 16 KiB of page tables are four times the 4 KiB frame zero.
    expect(pageTable.compressed).toBe(false);
    expect(pageTable.weight / frameZero.weight).toBeCloseTo(4, 5);
    // Larger ranges stay in size order and the small typed ones stay clearly visible.
    expect(kernel.weight).toBeGreaterThan(stack.weight);
    expect(kernel.weight).toBeGreaterThan(0.02);
    expect(hole.weight).toBeLessThan(0.45);
    const usable = segments.filter((s) => s.type === 'Usable').sort((a, b) => a.end - a.start - (b.end - b.start));
    expect(usable.map((u) => u.weight)).toEqual([...usable.map((u) => u.weight)].sort((a, b) => a - b));
    const sum = segments.reduce((n, s) => n + s.weight, 0);
    expect(sum).toBeGreaterThan(0.95);
    expect(sum).toBeLessThan(1.1);
  });

  it('handles an empty map and unsorted regions', () => {
    expect(layoutSegments({ regions: [], e820: [] })).toEqual([]);
    const unsorted = layoutSegments({ regions: [MAP.regions[2], MAP.regions[0]], e820: [] });
    expect(unsorted.map((s) => s.index)).toEqual([1, -1, 0]);
  });

  it('lays out 64 regions with the 63 gaps between them', () => {
    const regions = Array.from({ length: 64 }, (_, i) => ({ start: i * 0x10000, end: i * 0x10000 + 0x8000, type: 'Usable' as const }));
    const result = layoutSegments({ regions, e820: [] });
    expect(result).toHaveLength(127);
  });
});

describe('totals and labels', () => {
  it('sums bytes per type, largest first', () => {
    const totals = totalsByType(MAP.regions);
    expect(totals[0].type).toBe('Usable');
    expect(totals.find((t) => t.type === 'Usable')).toEqual({ type: 'Usable', bytes: 0x9a000 + 0x300000 + 0x7baf000, count: 3 });
    expect(totals.find((t) => t.type === 'Reserved')!.count).toBe(2);
  });

  it('labels kernel segments, stack, page tables and boot info', () => {
    expect(labelFor(MAP, MAP.regions[5])).toBe('.text');
    expect(labelFor(MAP, MAP.regions[6])).toBe('stack');
    expect(labelFor(MAP, MAP.regions[1])).toBe('page tables');
    expect(labelFor(MAP, MAP.regions[7])).toBe('boot info');
    expect(labelFor(MAP, MAP.regions[2])).toBeUndefined();
  });

  it('parses the sample kernel region lines', () => {
    const text = 'Hello\nregion 0x0..0x1000 FrameZero\r\nregion 0x1000..0x5000 PageTable\nusable memory: 1 KiB\n';
    expect(parseRegionLines(text)).toEqual([
      { start: 0, end: 0x1000, type: 'FrameZero' },
      { start: 0x1000, end: 0x5000, type: 'PageTable' },
    ]);
  });
});

describe('bootloader_api 0.11 region kinds', () => {
  const MAP_011: MemoryMap = {
    regions: [
      { start: 0x0, end: 0x9fc00, type: 'Usable' },
      { start: 0x9fc00, end: 0xa0000, type: 'UnknownBios(2)' },
      { start: 0x100000, end: 0x180000, type: 'Bootloader' },
      { start: 0x180000, end: 0x7fe0000, type: 'Usable' },
      { start: 0x7fe0000, end: 0x8000000, type: 'UnknownUefi(10)' },
      { start: 0xfd000000, end: 0xfd001000, type: 'UnknownBios(2)' },
    ],
    e820: [],
    labels: [{ start: 0xa0000, end: 0xafa00, label: 'framebuffer (VGA mode 0x13, 320x200)' }],
  };

  it('keeps each kind with its N apart in the totals, one colour per family, described with the firmware names', () => {
    const totals = totalsByType(MAP_011.regions);
    expect(totals.find((t) => t.type === 'UnknownBios(2)')).toEqual({ type: 'UnknownBios(2)', bytes: 0x400 + 0x1000, count: 2 });
    expect(totals.find((t) => t.type === 'UnknownUefi(10)')?.count).toBe(1);
    expect(typeClass('UnknownBios(2)')).toBe('UnknownBios');
    expect(typeClass('UnknownUefi(10)')).toBe('UnknownUefi');
    expect(typeClass('Usable')).toBe('Usable');
    expect(describeType('UnknownBios(2)')).toBe('E820 type 2, reserved: not usable');
    expect(describeType('UnknownUefi(10)')).toBe('UEFI type 10, EfiACPIMemoryNVS: not usable');
    expect(describeType('UnknownUefi(2147483650)')).toBe('UEFI type 2147483650, OS loader type 0x80000002: not usable');
    expect(describeType('Bootloader')).toBe('bootloader');
    expect(uefiTypeName(7)).toBe('EfiConventionalMemory');
  });

  it('draws a labelled range that no region covers (the framebuffer) in its place in the gap, and lists it', () => {
    const segments = layoutSegments(MAP_011);
    const i = segments.findIndex((s) => s.type === 'Marked');
    expect(segments[i]).toMatchObject({ index: -1, start: 0xa0000, end: 0xafa00, label: 'framebuffer (VGA mode 0x13, 320x200)' });
    expect(segments[i - 1]).toMatchObject({ type: 'UnknownBios(2)', end: 0xa0000 });
    expect(segments[i + 1]).toMatchObject({ type: 'Gap', start: 0xafa00, end: 0x100000 });
    expect(labelsOutsideRegions(MAP_011)).toEqual(MAP_011.labels);
    expect(labelsOutsideRegions(MAP)).toEqual([]);
  });

  it('reads 0.11 kinds from region lines', () => {
    expect(parseRegionLines('region 0x0..0x1000 UnknownUefi(0)\nregion 0x1000..0x2000 Usable\n')).toEqual([
      { start: 0, end: 0x1000, type: 'UnknownUefi(0)' },
      { start: 0x1000, end: 0x2000, type: 'Usable' },
    ]);
  });
});
