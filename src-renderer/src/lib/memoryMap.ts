// The memory map view's arithmetic: the picture's segments (to scale where it matters, large
// ranges compressed and marked), the totals per type, the labels. Pure functions over the map
// exactly as the kernel received it; the table shows `map.regions` unchanged.
import type { MemoryMap, MemoryRegion, MemoryRegionType } from '../../../src-main/shared/api.js';
import { MEMORY_REGION_TYPES_09 } from '../../../src-main/shared/api.js';

export interface MapSegment {
  /** Index into map.regions, or -1 for a gap no region covers (or a marked range in one). */
  index: number;
  start: number;
  end: number;
  /** `Marked`: a labelled range no region covers (the framebuffer, which is device memory). */
  type: MemoryRegionType | 'Gap' | 'Marked';
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

/** What each 0.9 type means, for the legend. */
export const TYPE_DESCRIPTIONS: Record<(typeof MEMORY_REGION_TYPES_09)[number], string> = {
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

/** E820 type names (ACPI spec), for 0.11's `UnknownBios(N)`. */
const E820_NAMES: Record<number, string> = { 2: 'reserved', 3: 'ACPI reclaimable', 4: 'ACPI NVS', 5: 'bad memory', 6: 'disabled', 7: 'persistent memory', 12: 'OEM-reserved' };

/** EFI_MEMORY_TYPE names (UEFI spec, table "Memory Type Usage"), for 0.11's `UnknownUefi(N)` and the raw UEFI map. */
export const UEFI_MEMORY_TYPES: readonly string[] = [
  'EfiReservedMemoryType',
  'EfiLoaderCode',
  'EfiLoaderData',
  'EfiBootServicesCode',
  'EfiBootServicesData',
  'EfiRuntimeServicesCode',
  'EfiRuntimeServicesData',
  'EfiConventionalMemory',
  'EfiUnusableMemory',
  'EfiACPIReclaimMemory',
  'EfiACPIMemoryNVS',
  'EfiMemoryMappedIO',
  'EfiMemoryMappedIOPortSpace',
  'EfiPalCode',
  'EfiPersistentMemory',
  'EfiUnacceptedMemoryType',
];

/** A UEFI memory type's name, `OEM or OS type 0x...` beyond the spec's list. */
export function uefiTypeName(type: number): string {
  return UEFI_MEMORY_TYPES[type] ?? `${type >= 0x80000000 ? 'OS loader' : type >= 0x70000000 ? 'OEM' : 'unknown'} type 0x${type.toString(16)}`;
}

/** `UnknownBios(N)` / `UnknownUefi(N)`: the family and N; undefined for the named types. */
export function unknownKind(type: string): { family: 'UnknownBios' | 'UnknownUefi'; n: number } | undefined {
  const m = /^(UnknownBios|UnknownUefi)\((\d+)\)$/.exec(type);
  return m ? { family: m[1] as 'UnknownBios' | 'UnknownUefi', n: Number(m[2]) } : undefined;
}

/** The CSS class suffix for a type: one colour per family for 0.11's `UnknownBios(N)` and `UnknownUefi(N)`. */
export function typeClass(type: string): string {
  return unknownKind(type)?.family ?? type;
}

/** What a type means, for the legend (0.9 names, and 0.11's kinds with the firmware's own name for N). */
export function describeType(type: MemoryRegionType): string {
  const unknown = unknownKind(type);
  if (unknown?.family === 'UnknownBios') return `E820 type ${unknown.n}${E820_NAMES[unknown.n] ? `, ${E820_NAMES[unknown.n]}` : ''}: not usable`;
  if (unknown?.family === 'UnknownUefi') return `UEFI type ${unknown.n}, ${uefiTypeName(unknown.n)}: not usable`;
  return (TYPE_DESCRIPTIONS as Record<string, string>)[type] ?? '';
}

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
  markLabelsInGaps(raw, map.labels ?? []);

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

/**
 * Splits the gaps that labelled ranges fall in (a framebuffer is device memory: no region covers
 * it), so the picture shows them as `Marked` segments in their place. Ranges beyond the last
 * region are left out (the picture ends with the map).
 */
function markLabelsInGaps(raw: Omit<MapSegment, 'weight' | 'compressed'>[], labels: readonly { start: number; end: number; label: string }[]): void {
  for (const label of labels) {
    const at = raw.findIndex((s) => s.type === 'Gap' && s.start < label.end && s.end > label.start);
    if (at < 0) continue;
    const gap = raw[at]!;
    const start = Math.max(gap.start, label.start);
    const end = Math.min(gap.end, label.end);
    const pieces: Omit<MapSegment, 'weight' | 'compressed'>[] = [];
    if (gap.start < start) pieces.push({ index: -1, start: gap.start, end: start, type: 'Gap' });
    pieces.push({ index: -1, start, end, type: 'Marked', label: label.label });
    if (end < gap.end) pieces.push({ index: -1, start: end, end: gap.end, type: 'Gap' });
    raw.splice(at, 1, ...pieces);
  }
}

/** Labelled ranges that no region covers at all (shown apart from the regions' table). */
export function labelsOutsideRegions(map: MemoryMap): { start: number; end: number; label: string }[] {
  return (map.labels ?? []).filter((l) => !map.regions.some((r) => r.start < l.end && r.end > l.start));
}

/** Parses `region 0xSTART..0xEND TYPE` lines (the sample kernel's serial output). */
export function parseRegionLines(text: string): MemoryRegion[] {
  const regions: MemoryRegion[] = [];
  for (const match of text.matchAll(/^region (0x[0-9a-f]+)\.\.(0x[0-9a-f]+) (\w+(?:\(\d+\))?)\s*$/gim)) {
    regions.push({ start: Number(match[1]), end: Number(match[2]), type: match[3] as MemoryRegionType });
  }
  return regions;
}
