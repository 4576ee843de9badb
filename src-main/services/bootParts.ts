// The default image step and host-log parser for the app and the CLI (the bootloader work's
// `imageBuilder.ts` and `../image/bootLog.ts`), adapted to the pipeline's types.
import { parseBootLog } from '../image/bootLog.js';
import type { BootLogParser, DiskImageBuilder, DiskImageSteps } from './images.js';
import { assembleBootloader, buildDiskImage, planDiskImage, writeDiskImage, type PlannedDiskImage } from './imageBuilder.js';

export const defaultDiskImageBuilder: DiskImageBuilder = buildDiskImage;

export const defaultDiskImageSteps: DiskImageSteps<PlannedDiskImage> = {
  plan: planDiskImage,
  write: writeDiskImage,
  describe: ({ plan }) =>
    `${plan.kind === 'pie' ? 'PIE' : 'ET_EXEC'}, ${plan.segments.length} segment${plan.segments.length === 1 ? '' : 's'}, ` +
    `${plan.payloadPages} pages to load + ${plan.zeroPages} zero pages, features: ${plan.featureList.length ? plan.featureList.join(', ') : 'none'}`,
};

/** Assembles the bootloader (cached by source hash) so the pipeline can time it as its own stage. */
export async function defaultAssemble(): Promise<{ cached: boolean }> {
  const loader = await assembleBootloader();
  return { cached: loader.cached !== false };
}

/** The host log's memory map in the contract's shape, once the loader has written one. */
export const bootLogMemoryMap: BootLogParser = (lines) => {
  const log = parseBootLog(lines);
  if (log.regions.length === 0) return undefined;
  return { regions: log.regions, e820: log.e820, ...(log.labels.length ? { labels: log.labels } : {}), ...(log.uefiMap.length ? { uefi: log.uefiMap } : {}) };
};
