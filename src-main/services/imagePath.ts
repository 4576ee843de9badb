// Where the CLI and the app put a kernel's disk image, and how QEMU's -drive names it. A module of
// its own so that `bootlab runner` loads these two lines, not the app's whole pipeline.
import { basename, dirname, join } from 'node:path';

/** Escapes a path for QEMU's `-drive file=` (commas are doubled). */
export function qemuDrivePath(path: string): string {
  return path.replace(/,/g, ',,');
}

/** Where the image for a kernel goes: beside it, like bootimage's `bootimage-NAME.bin`. */
export function imagePathFor(kernelPath: string): string {
  return join(dirname(kernelPath), `bootlab-${basename(kernelPath)}.img`);
}
