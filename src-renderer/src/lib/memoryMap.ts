// The memory map view's arithmetic: the picture's segments (to scale where it matters, large
// ranges compressed and marked), the totals per type, the labels. Pure functions over the map
// exactly as the kernel received it; the table shows `map.regions` unchanged.
import type { MemoryMap, MemoryRegion, MemoryRegionType } from '../../../src-main/shared/api.js';

export interface MapSegment {
  /** Index into map.regions, or -1 for a gap no region covers. */
  index: number;
  start: number;
  end: number;
  type: MemoryRegionType | 'Gap';
  /** Share of the bar's width, 0..1. */
  weight: number;
  /** Drawn smaller than its size. */
  compressed: boolean;
  label?: string;
}

export interface TypeTotal {
  type: MemoryRegionType;
  bytes: number;
  count: number;
}

/** What each type means, for the legend. */
export const TYPE_DESCRIPTIONS: Record<MemoryRegionType, string> = {
  Usable: 'free for the kernel',
  InUse: 'in use',
  Reserved: 'reserved by the firmware or devices',
  AcpiReclaimable: 'ACPI tables, reclaimable',
  AcpiNvs: 'ACPI non-volatile storage',
  BadMemory: 'bad memory',
  Kernel: 'kernel segments',
  KernelStack: 'kernel stack',
  PageTable: 'page tables',
  Bootloader: 'bootloader',
  FrameZero: 'frame zero',
  Empty: 'empty',
  BootInfo: 'boot info',
  Package: 'package',
};

/** Names for the types a kernel author looks for first. */
const TYPE_LABELS: Partial<Record<MemoryRegionType, string>> = {
  Kernel: 'kernel',
  KernelStack: 'stack',
  PageTable: 'page tables',
  BootInfo: 'boot info',
  Bootloader: 'bootloader',
};

export function regionSize(region: { start: number; end: number }): number {
  return Math.max(0, region.end - region.start);
}

export function totalsByType(regions: readonly MemoryRegion[]): TypeTotal[] {
  const totals = new Map<MemoryRegionType, TypeTotal>();
  for (const region of regions) {
    const total = totals.get(region.type) ?? { type: region.type, bytes: 0, count: 0 };
    total.bytes += regionSize(region);
    total.count++;
    totals.set(region.type, total);
  }
  return [...totals.values()].sort((a, b) => b.bytes - a.bytes);
}

/** The total of the gaps between regions (ranges no region covers) in a laid-out picture. */
export function gapTotal(segments: readonly MapSegment[]): { bytes: number; count: number } {
  const gaps = segments.filter((s) => s.type === 'Gap');
  return { bytes: gaps.reduce((sum, s) => sum + regionSize(s), 0), count: gaps.length };
}

/** The label of a region: the loader's own label when one overlaps it, else its type's name. */
export function labelFor(map: MemoryMap, region: MemoryRegion): string | undefined {
  const own = (map.labels ?? []).filter((l) => l.start < region.end && l.end > region.start).map((l) => l.label);
  if (own.length > 0) return [...new Set(own)].join(', ');
  return TYPE_LABELS[region.type];
}

/**
 * Lays the regions (and the gaps between them) out along one bar. Sizes count linearly up to a
 * cap; anything larger (the hole below 4 GiB, big reserved areas, a huge usable range) is drawn
 * logarithmically beyond the cap and marked compressed, so small typed regions (kernel, stack,
 * page tables, boot info) stay visible and every range keeps its place in size order.
 */
export function layoutSegments(map: MemoryMap, options: { minWeight?: number } = {}): MapSegment[] {
  const order = map.regions.map((region, index) => ({ region, index })).sort((a, b) => a.region.start - b.region.start);
  const raw: Omit<MapSegment, 'weight' | 'compressed'>[] = [];
  let cursor: number | undefined;
  for (const { region, index } of order) {
    if (cursor !== undefined && region.start > cursor) raw.push({ index: -1, start: cursor, end: region.start, type: 'Gap' });
    raw.push({ index, start: region.start, end: region.end, type: region.type, label: labelFor(map, region) });
    cursor = cursor === undefined ? region.end : Math.max(cursor, region.end);
  }
  if (raw.length === 0) return [];

  const sizes = raw.map((s) => Math.max(1, s.end - s.start));
  // The cap: four times the first quartile's size, so the small regions (boot info, page
  // tables, stack, kernel) are drawn linearly. Larger ranges grow only with the logarithm of how
  // much larger they are: still wider than smaller ones, but never flattening the rest.
  const sorted = [...sizes].sort((a, b) => a - b);
  const quartile = sorted[Math.floor(sorted.length / 4)];
  const cap = Math.max(quartile * 4, 16 * 1024);
  // Gaps are not part of the map: they are marked, not measured.
  const scaled = sizes.map((s, i) => (raw[i].type === 'Gap' ? Math.min(s, cap) : s <= cap ? s : cap * (1 + Math.log2(s / cap))));
  const total = scaled.reduce((sum, s) => sum + s, 0);
  const minWeight = options.minWeight ?? 0; // the view gives every segment a minimum width in CSS
  return raw.map((segment, i) => ({
    ...segment,
    weight: Math.max(minWeight, scaled[i] / total),
    compressed: sizes[i] > cap,
    label: segment.label ?? (segment.type === 'Gap' && sizes[i] > cap ? 'not in the map' : undefined),
  }));
}

/** Parses `region 0xSTART..0xEND TYPE` lines (the sample kernel's serial output). */
export function parseRegionLines(text: string): MemoryRegion[] {
  const regions: MemoryRegion[] = [];
  for (const match of text.matchAll(/^region (0x[0-9a-f]+)\.\.(0x[0-9a-f]+) (\w+)\s*$/gim)) {
    regions.push({ start: Number(match[1]), end: Number(match[2]), type: match[3] as MemoryRegionType });
  }
  return regions;
}
