// Parser for the bootloader's host log (resources/bootloader/stage3.asm writes it).
//
// The bootloader writes the log to the debug console port 0xE9 when the image was built with
// `hostLog` (QEMU: `-debugcon file:X` or a socket). Plain ASCII, one record per line ("\n"),
// fields separated by one space, numbers in lowercase hex with a 0x prefix, ranges as
// `0xSTART..0xEND` with END exclusive. The records, in the order they are written:
//
//   bootlab-boot-log 1                       header and format version
//   stage NAME tsc=0xT                       one per stage reached, TSC at its end (mbr: at its
//                                            start); NAME: mbr loader cpu-check e820 a20 plan
//                                            payload long-mode checksum page-tables boot-info
//   payload-read dma|bios sectors=0xN        how the payload was read: PCI IDE bus-master DMA
//                                            or BIOS int 13h extended reads (the fallback)
//   e820 0xS..0xE 0xTYPE                     each raw E820 entry as the BIOS gave it
//   e820 0xS..0xE 0xTYPE uefi=0xN            under UEFI: the entry the UEFI loader made, with
//                                            the UEFI memory type it kept (optional field; the
//                                            loader merges adjacent descriptors of one type)
//   vbe mode=0xM width=0xW ... base=0xB      stage2 (BIOS), when it set a VBE mode for a
//                                            framebuffer (also `note no framebuffer: ...`)
//   framebuffer base=0xB size=0xS width=0xW height=0xH stride=0xP bytes-per-pixel=0xN virt=0xV
//                                            under UEFI, a 0.11 kernel's GOP framebuffer and
//                                            where the kernel's page tables map it
//   region 0xS..0xE TYPE                     the memory map exactly as handed to the kernel,
//                                            byte addresses, TYPE the 0.9 enum name, or for a
//                                            0.11 kernel Usable, Bootloader, UnknownBios(N),
//                                            UnknownUefi(N) (N decimal; same shape as the
//                                            sample kernel's `region` lines)
//   page-tables 0xS..0xE                     the physical frames holding every page table
//   pml4 0xP                                 the level-4 table (CR3)
//   kernel-frames 0xS..0xE                   physical frames of the kernel's segments (+ .bss)
//   stack guard=0xG 0xB..0xT frames=0xS..0xE virtual guard page, stack range, its frames
//   boot-info 0xV frame=0xP                  BootInfo's virtual address and frame
//   physical-memory 0xOFFSET 0x0..0xEND      only with map_physical_memory
//   entry rip=0xR rsp=0xS rdi=0xD tsc=0xT    the kernel entry, written just before the jump
//   error MESSAGE                            a failure (the loader halts after it); may appear
//                                            at any point, even before the header
//
// Unknown records are kept in `unknown` (a newer loader may add some); nothing here throws.
import type { MemoryRegion, MemoryRegionType } from '../shared/api.js';
import { isMemoryRegionType } from '../shared/api.js';

export interface BootLogStage {
  name: string;
  tsc: bigint;
  /** Ticks since the first stage. */
  sinceStart: bigint;
}

export interface BootLog {
  version?: number;
  stages: BootLogStage[];
  /** Raw E820 entries with their types mapped to the 0.9 names (unknown types: Reserved). */
  e820: MemoryRegion[];
  /** Raw E820 entries with the BIOS's numeric type. */
  e820Raw: { start: number; end: number; type: number }[];
  /** Under UEFI, when the e820 records carry `uefi=`: the UEFI map as the loader kept it. */
  uefiMap: { start: number; end: number; type: number }[];
  /** The memory map handed to the kernel. */
  memoryMap: MemoryRegion[];
  /** Same as `memoryMap` (the MemoryMap shape of the shared API). */
  regions: MemoryRegion[];
  labels: { start: number; end: number; label: string }[];
  pageTableFrames?: { start: number; end: number };
  pml4?: number;
  kernelFrames?: { start: number; end: number };
  stack?: { guard: bigint; bottom: bigint; top: bigint; frames?: { start: number; end: number } };
  bootInfo?: { address: bigint; frame: number };
  physicalMemory?: { offset: bigint; end: number };
  entry?: { rip: bigint; rsp: bigint; rdi: bigint; tsc: bigint };
  payloadRead?: { method: 'dma' | 'bios'; sectors: number };
  error?: string;
  /** True once the entry record arrived (the loader jumped to the kernel). */
  complete: boolean;
  unknown: string[];
}

const E820_TYPES: Record<number, MemoryRegionType> = { 1: 'Usable', 2: 'Reserved', 3: 'AcpiReclaimable', 4: 'AcpiNvs', 5: 'BadMemory' };

function num(text: string | undefined): number | undefined {
  if (!text || !/^0x[0-9a-f]+$/i.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function big(text: string | undefined): bigint | undefined {
  if (!text || !/^0x[0-9a-f]+$/i.test(text)) return undefined;
  return BigInt(text);
}

function range(text: string | undefined): { start: number; end: number } | undefined {
  const m = /^(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)$/i.exec(text ?? '');
  if (!m) return undefined;
  const start = num(m[1]);
  const end = num(m[2]);
  return start !== undefined && end !== undefined ? { start, end } : undefined;
}

function bigRange(text: string | undefined): { start: bigint; end: bigint } | undefined {
  const m = /^(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)$/i.exec(text ?? '');
  return m ? { start: BigInt(m[1]!), end: BigInt(m[2]!) } : undefined;
}

function kv(fields: string[], key: string): string | undefined {
  const f = fields.find((x) => x.startsWith(`${key}=`));
  return f?.slice(key.length + 1);
}

/** Parse the host log (whole text or lines; partial logs are fine). */
export function parseBootLog(input: string | readonly string[]): BootLog {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input.flatMap((l) => l.split(/\r?\n/));
  const log: BootLog = { stages: [], e820: [], e820Raw: [], uefiMap: [], memoryMap: [], regions: [], labels: [], complete: false, unknown: [] };
  for (const raw of lines) {
    const line = raw.replace(/\0/g, '').trim();
    if (!line) continue;
    const [kind, ...f] = line.split(/\s+/);
    switch (kind) {
      case 'bootlab-boot-log':
        log.version = Number(f[0]);
        break;
      case 'stage': {
        const tsc = big(kv(f, 'tsc'));
        if (f[0] && tsc !== undefined) log.stages.push({ name: f[0], tsc, sinceStart: 0n });
        else log.unknown.push(line);
        break;
      }
      case 'payload-read': {
        const sectors = num(kv(f, 'sectors'));
        if ((f[0] === 'dma' || f[0] === 'bios') && sectors !== undefined) log.payloadRead = { method: f[0], sectors };
        else log.unknown.push(line);
        break;
      }
      case 'e820': {
        const r = range(f[0]);
        const t = num(f[1]);
        if (r && t !== undefined) {
          log.e820Raw.push({ ...r, type: t });
          log.e820.push({ ...r, type: E820_TYPES[t] ?? 'Reserved' });
          const uefi = num(kv(f, 'uefi'));
          if (uefi !== undefined) log.uefiMap.push({ ...r, type: uefi });
        } else log.unknown.push(line);
        break;
      }
      case 'region': {
        const r = range(f[0]);
        const t = f[1] as MemoryRegionType;
        if (r && isMemoryRegionType(t)) log.memoryMap.push({ ...r, type: t });
        else log.unknown.push(line);
        break;
      }
      case 'page-tables': {
        const r = range(f[0]);
        if (r) {
          log.pageTableFrames = r;
          log.labels.push({ ...r, label: 'page tables' });
        } else log.unknown.push(line);
        break;
      }
      case 'pml4':
        log.pml4 = num(f[0]);
        break;
      case 'kernel-frames': {
        const r = range(f[0]);
        if (r) {
          log.kernelFrames = r;
          log.labels.push({ ...r, label: 'kernel segments' });
        } else log.unknown.push(line);
        break;
      }
      case 'stack': {
        const guard = big(kv(f, 'guard'));
        const r = bigRange(f.find((x) => x.includes('..') && !x.includes('=')));
        const frames = range(kv(f, 'frames'));
        if (guard !== undefined && r) {
          log.stack = { guard, bottom: r.start, top: r.end, ...(frames ? { frames } : {}) };
          if (frames) log.labels.push({ ...frames, label: 'kernel stack' });
        } else log.unknown.push(line);
        break;
      }
      case 'boot-info': {
        const address = big(f[0]);
        const frame = num(kv(f, 'frame'));
        if (address !== undefined && frame !== undefined) {
          log.bootInfo = { address, frame };
          log.labels.push({ start: frame, end: frame + 4096, label: 'boot info' });
        } else log.unknown.push(line);
        break;
      }
      case 'physical-memory': {
        const offset = big(f[0]);
        const r = range(f[1]);
        if (offset !== undefined && r) log.physicalMemory = { offset, end: r.end };
        else log.unknown.push(line);
        break;
      }
      case 'entry': {
        const rip = big(kv(f, 'rip'));
        const rsp = big(kv(f, 'rsp'));
        const rdi = big(kv(f, 'rdi'));
        const tsc = big(kv(f, 'tsc'));
        if (rip !== undefined && rsp !== undefined && rdi !== undefined) {
          log.entry = { rip, rsp, rdi, tsc: tsc ?? 0n };
          log.complete = true;
          if (tsc !== undefined) log.stages.push({ name: 'kernel', tsc, sinceStart: 0n });
        } else log.unknown.push(line);
        break;
      }
      case 'error':
        log.error = line.slice(kind.length).trim();
        break;
      default:
        log.unknown.push(line);
    }
  }
  const first = log.stages[0]?.tsc;
  if (first !== undefined) for (const s of log.stages) s.sinceStart = s.tsc - first;
  log.regions = log.memoryMap;
  return log;
}

/** Parse `region 0xSTART..0xEND TYPE` lines (the sample kernel's and the host log's format). */
export function parseRegionLines(text: string): MemoryRegion[] {
  const out: MemoryRegion[] = [];
  for (const m of text.matchAll(/^\s*region (0x[0-9a-f]+)\.\.(0x[0-9a-f]+) (\w+(?:\(\d+\))?)\s*$/gim)) {
    out.push({ start: Number(m[1]), end: Number(m[2]), type: m[3] as MemoryRegionType });
  }
  return out;
}
