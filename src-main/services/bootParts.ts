// The default image builder and host-log parser for the app and the CLI (the bootloader work's
// `imageBuilder.ts` and `../image/bootLog.ts`), adapted to the pipeline's types.
import type { MemoryMap } from '../shared/api.js';
import type { BootLogParser, DiskImageBuilder, DiskImageRequest } from './images.js';

// Loaded lazily so that a missing builder is a readable error at boot time, not a crash at start.
const BUILDER_MODULE = './imageBuilder.js';
const BOOTLOG_MODULE = '../image/bootLog.js';

type Loaded = { buildDiskImage?: (request: DiskImageRequest) => Promise<unknown> };
type LoadedLog = { parseBootLog?: (input: never) => unknown };

export const defaultDiskImageBuilder: DiskImageBuilder = async (request) => {
  let mod: Loaded;
  try {
    mod = (await import(/* @vite-ignore */ BUILDER_MODULE)) as Loaded;
  } catch (error) {
    throw new Error(`the disk image builder is not available in this build: ${(error as Error).message}`);
  }
  if (typeof mod.buildDiskImage !== 'function') throw new Error('the disk image builder has no buildDiskImage()');
  return (await mod.buildDiskImage(request)) as never;
};

let logParser: LoadedLog['parseBootLog'] | null | undefined;

/** Loads the host-log parser once; afterwards parsing is synchronous. */
export async function loadBootLogParser(): Promise<BootLogParser> {
  if (logParser === undefined) {
    try {
      const mod = (await import(/* @vite-ignore */ BOOTLOG_MODULE)) as LoadedLog;
      logParser = typeof mod.parseBootLog === 'function' ? mod.parseBootLog : null;
    } catch {
      logParser = null;
    }
  }
  const parse = logParser;
  return (lines) => {
    if (!parse) return undefined;
    return toMemoryMap(parse(lines.join('\n') as never));
  };
}

/** Accepts a MemoryMap, or an object holding one under `memoryMap` / `map`. */
function toMemoryMap(value: unknown): MemoryMap | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.regions)) return { regions: v.regions as MemoryMap['regions'], e820: Array.isArray(v.e820) ? (v.e820 as MemoryMap['e820']) : [] , ...(Array.isArray(v.labels) ? { labels: v.labels as MemoryMap['labels'] } : {}) };
  return toMemoryMap(v.memoryMap ?? v.map);
}
