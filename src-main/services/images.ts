// The image step's contract as the pipeline uses it. The image builder itself
// (`imageBuilder.ts`: assemble the bootloader (cached), plan, write the image) and the host-log
// parser (`../image/bootLog.ts`) belong to the bootloader work; the pipeline, the app and the
// CLI receive them through these types so that they can be replaced in tests.
import type { MemoryMap } from '../shared/api.js';

export interface DiskImageRequest {
  kernelPath: string;
  outPath: string;
  features: string[];
  bootloaderMetadata: Record<string, unknown>;
  /** Ask the bootloader to write its host log to port 0xE9. */
  hostLog: boolean;
}

/** What the pipeline reads from the builder's answer (every field optional). */
export interface DiskImageFacts {
  imageBytes?: number;
  /** Added to the kernel's link-time addresses (PIE kernels); 0 for ET_EXEC. */
  relocationBase?: bigint;
  /** Lines describing the layout, for the log. */
  summary?: string[];
}

export type DiskImageBuilder = (request: DiskImageRequest) => Promise<DiskImageFacts | void>;

/** Turns the bootloader's host-log lines into the memory map the kernel received. */
export type BootLogParser = (lines: string[]) => MemoryMap | undefined;

/** Reads the facts out of whatever the builder returned. */
export function imageFacts(result: unknown): DiskImageFacts {
  const facts: DiskImageFacts = {};
  if (!result || typeof result !== 'object') return facts;
  const r = result as Record<string, unknown>;
  const plan = (r.plan ?? {}) as Record<string, unknown>;
  const bytes = r.imageBytes ?? r.size ?? (r.bytes instanceof Uint8Array ? r.bytes.length : undefined);
  if (typeof bytes === 'number') facts.imageBytes = bytes;
  const base = r.relocationBase ?? plan.relocationBase;
  if (typeof base === 'bigint') facts.relocationBase = base;
  if (Array.isArray(r.summary)) facts.summary = r.summary.filter((x): x is string => typeof x === 'string');
  return facts;
}
