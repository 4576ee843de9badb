// The default image builder and host-log parser for the app and the CLI (the bootloader work's
// `imageBuilder.ts` and `../image/bootLog.ts`), adapted to the pipeline's types.
import { MEMORY_REGION_TYPES, type MemoryMap, type MemoryRegionType } from '../shared/api.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/index.js';
import { layoutDisk } from '../image/disk.js';
import { makePlan } from '../image/plan.js';
import type { BootLogParser, DiskImageBuilder, DiskImageRequest } from './images.js';

// Loaded lazily so that a missing builder is a readable error at boot time, not a crash at start.
const BUILDER_MODULE = './imageBuilder.js';
const BOOTLOG_MODULE = '../image/bootLog.js';

type Loaded = { buildDiskImage?: (request: DiskImageRequest) => Promise<unknown> };
type LoadedLog = { parseBootLog?: (input: never) => unknown };

let builderModule: Loaded | null | undefined;

export const defaultDiskImageBuilder: DiskImageBuilder = async (request) => {
  if (builderModule === undefined) {
    try {
      builderModule = (await import(/* @vite-ignore */ BUILDER_MODULE)) as Loaded;
    } catch {
      builderModule = null;
    }
  }
  if (builderModule && typeof builderModule.buildDiskImage === 'function') {
    return (await builderModule.buildDiskImage(request)) as never;
  }
  return partsDiskImageBuilder(request);
};

/** The folder holding Bootlab's package.json (source tree or installed package). */
export function bootlabRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'bootlab') return dir;
    } catch {
      // keep looking
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find Bootlab's package.json above ${from}`);
    dir = parent;
  }
}

let loaderCache: { key: string; bytes: Uint8Array } | undefined;

function assembleLoader(): Uint8Array {
  const dir = join(bootlabRoot(), 'resources', 'bootloader');
  const files = readdirSync(dir).filter((f) => /\.(asm|inc)$/.test(f)).sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(join(dir, f)));
  const key = hash.digest('hex');
  if (loaderCache?.key === key) return loaderCache.bytes;
  const main = join(dir, 'bootloader.asm');
  const result = assemble(readFileSync(main, 'utf8'), {
    fileName: main,
    includePaths: [dir],
    readFile: (p) => {
      const path = existsSync(p) ? p : join(dir, p);
      return existsSync(path) ? readFileSync(path) : undefined;
    },
  });
  if (!result.ok) {
    const first = result.diagnostics.find((d) => d.severity === 'error');
    throw new Error(`the bootloader does not assemble: ${first ? `${first.file}:${first.line}: ${first.message}` : 'unknown error'}`);
  }
  loaderCache = { key, bytes: result.bytes };
  return result.bytes;
}

/**
 * The image step from its parts (assemble, plan, lay out, write to a temporary file and
 * rename): used only when this build has no `imageBuilder.ts`.
 */
export const partsDiskImageBuilder: DiskImageBuilder = async (request) => {
  const plan = makePlan(readFileSync(request.kernelPath), { features: request.features, bootloaderMetadata: request.bootloaderMetadata });
  const { bytes } = layoutDisk(assembleLoader(), plan, { hostLog: request.hostLog });
  const tmp = `${request.outPath}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, request.outPath);
  return { imageBytes: bytes.length, relocationBase: plan.relocationBase, summary: plan.warnings };
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
    if (!parse) return readMapLines(lines);
    try {
      return toMemoryMap(parse(lines.join('\n') as never)) ?? readMapLines(lines);
    } catch {
      return readMapLines(lines);
    }
  };
}

const E820_TYPES: Record<number, MemoryRegionType> = { 1: 'Usable', 2: 'Reserved', 3: 'AcpiReclaimable', 4: 'AcpiNvs', 5: 'BadMemory' };

/**
 * A minimal reading of the host log's `region 0xSTART..0xEND TYPE` and `e820 0xSTART..0xEND
 * 0xTYPE` records, used only when the full parser (../image/bootLog.ts) is not available.
 */
export function readMapLines(lines: string[]): MemoryMap | undefined {
  const regions: MemoryMap['regions'] = [];
  const e820: MemoryMap['e820'] = [];
  for (const line of lines) {
    const r = /^region 0x([0-9a-f]+)\.\.0x([0-9a-f]+) (\w+)\s*$/i.exec(line);
    if (r && (MEMORY_REGION_TYPES as readonly string[]).includes(r[3]!)) {
      regions.push({ start: parseInt(r[1]!, 16), end: parseInt(r[2]!, 16), type: r[3] as MemoryRegionType });
      continue;
    }
    const e = /^e820 0x([0-9a-f]+)\.\.0x([0-9a-f]+) 0x([0-9a-f]+)/i.exec(line);
    if (e) e820.push({ start: parseInt(e[1]!, 16), end: parseInt(e[2]!, 16), type: E820_TYPES[parseInt(e[3]!, 16)] ?? 'Reserved' });
  }
  return regions.length > 0 ? { regions, e820 } : undefined;
}

/** Accepts a MemoryMap, or an object holding one under `memoryMap` / `map`. */
function toMemoryMap(value: unknown): MemoryMap | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.regions)) return { regions: v.regions as MemoryMap['regions'], e820: Array.isArray(v.e820) ? (v.e820 as MemoryMap['e820']) : [] , ...(Array.isArray(v.labels) ? { labels: v.labels as MemoryMap['labels'] } : {}) };
  return toMemoryMap(v.memoryMap ?? v.map);
}
