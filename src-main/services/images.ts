// The image step's contract as the pipeline uses it. The image builder itself
// (`imageBuilder.ts`: assemble the bootloader (cached), plan, write the image) and the host-log
// parser (`../image/bootLog.ts`) belong to the bootloader work; the pipeline, the app and the
// CLI receive them through these types so that they can be replaced in tests.
import type { ImageKind } from '../image/disk.js';
import type { GuestRam } from '../image/memoryBudget.js';
import type { MemoryMap } from '../shared/api.js';
import type { ImageFacts } from './imageBuilder.js';

export interface DiskImageRequest {
  kernelPath: string;
  outPath: string;
  features: string[];
  bootloaderMetadata: Record<string, unknown>;
  /** Ask the bootloader to write its host log to port 0xE9. */
  hostLog: boolean;
  /** The guest's RAM (QEMU -m) when the image is for a run: a kernel that cannot fit is refused. */
  guestRam?: GuestRam;
  /** Runs write `hybrid` images (either firmware boots them); the builder's default is `bios`. */
  imageKind?: ImageKind;
  /** A bootloader_api 0.11 kernel's ramdisk (`[package.metadata.bootlab] ramdisk`). */
  ramdiskPath?: string;
}

/** What the pipeline reads from the builder's answer (the builder is `imageBuilder.ts`). */
export type DiskImageFacts = Pick<ImageFacts, 'imageBytes' | 'relocationBase' | 'abi' | 'summary'>;

export type DiskImageBuilder = (request: DiskImageRequest) => Promise<DiskImageFacts>;

/** The same work in the two steps the pipeline times as its `plan` and `image` stages. */
export interface DiskImageSteps<Planned = unknown> {
  plan: (request: DiskImageRequest) => Promise<Planned>;
  write: (planned: Planned) => DiskImageFacts | Promise<DiskImageFacts>;
  /** One line on what the plan decided (the Plan stage's tooltip). */
  describe?: (planned: Planned) => string;
}

/** Turns the bootloader's host-log lines into the memory map the kernel received. */
export type BootLogParser = (lines: string[]) => MemoryMap | undefined;
