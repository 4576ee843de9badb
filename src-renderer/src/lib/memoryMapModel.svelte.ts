// The memory map view's state: the map the kernel received, and which region is hovered or
// selected (shared by the picture and the table, so each highlights in both).
import type { MemoryMap } from '../../../src-main/shared/api.js';
import { gapTotal, layoutSegments, totalsByType, type MapSegment, type TypeTotal } from './memoryMap.js';

export class MemoryMapModel {
  map: MemoryMap | undefined = $state.raw(undefined);
  hovered: number | undefined = $state(undefined);
  selected: number | undefined = $state(undefined);
  segments: MapSegment[] = $derived(this.map ? layoutSegments(this.map) : []);
  totals: TypeTotal[] = $derived(this.map ? totalsByType(this.map.regions) : []);
  /** The ranges between regions that the map does not cover (the legend's "not in the map"). */
  gaps: { bytes: number; count: number } = $derived(gapTotal(this.segments));

  set(map: MemoryMap): void {
    this.map = map;
    this.hovered = undefined;
    this.selected = undefined;
  }

  clear(): void {
    this.map = undefined;
    this.hovered = undefined;
    this.selected = undefined;
  }

  /** The region to highlight: the hovered one, else the selected one. */
  get highlighted(): number | undefined {
    return this.hovered ?? this.selected;
  }

  hover(index: number | undefined): void {
    this.hovered = index !== undefined && index >= 0 ? index : undefined;
  }

  select(index: number | undefined): void {
    this.selected = index !== undefined && index >= 0 && index !== this.selected ? index : undefined;
  }

  /** Selects a region (keyboard Enter): unlike a click, never clears the selection. */
  choose(index: number | undefined): void {
    if (index !== undefined && index >= 0) this.selected = index;
  }

  /** Moves the selection by `delta` rows in the table's order (keyboard). */
  move(delta: number): void {
    const count = this.map?.regions.length ?? 0;
    if (count === 0) return;
    const from = this.selected ?? (delta > 0 ? -1 : count);
    this.selected = Math.min(count - 1, Math.max(0, from + delta));
  }
}
