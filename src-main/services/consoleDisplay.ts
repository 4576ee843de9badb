// What the Boot console mirrors for a run, decided before QEMU starts and revised by what the
// loader reports: the VGA text rows (a 0.9 text-mode kernel on BIOS), the Screen (the kernel has
// a framebuffer: `vga_320x200` sets mode 0x13; every bootloader_api 0.11 kernel gets one, VBE
// on BIOS and GOP on UEFI), or a plain note (UEFI has no VGA text buffer, so a 0.9 text-mode
// kernel's screen does not exist there and reading 0xB8000 would show nothing useful).
import { readFileSync } from 'node:fs';
import { readElf } from '../elf/index.js';
import { BOOTLOADER_CONFIG_SECTION } from '../image/bootloaderConfig.js';
import type { Firmware } from '../shared/api.js';
import type { ConsoleDisplay } from '../shared/screen.js';
import type { MirrorMode } from './qemu.js';

/** Mode 0x13's framebuffer: 320x200 bytes (palette indices) from 0xA0000. */
export const MODE_13H_FRAMEBUFFER = { start: 0xa0000, end: 0xa0000 + 320 * 200 } as const;

export interface DisplayPlan {
  display: ConsoleDisplay;
  mirror: MirrorMode;
  /** The framebuffer's physical range when it is known before boot (mode 0x13). */
  framebuffer?: { start: number; end: number; label: string };
  /** The mode's own size when QEMU draws it scaled up (mode 0x13's 320x200 as 640x400). */
  nativeSize?: { width: number; height: number };
}

export interface DisplayFacts {
  features: readonly string[];
  firmware: Firmware;
  /** The kernel follows bootloader_api 0.11 (it has a `.bootloader-config` section). */
  abi011: boolean;
}

export function displayFor(facts: DisplayFacts): DisplayPlan {
  if (facts.abi011) return { display: 'screen', mirror: 'pixels' };
  if (facts.features.includes('vga_320x200')) {
    // Under UEFI the loader refuses mode 0x13 with a message on the screen: show that screen.
    if (facts.firmware === 'uefi') return { display: 'screen', mirror: 'pixels' };
    return {
      display: 'screen',
      mirror: 'pixels',
      framebuffer: { ...MODE_13H_FRAMEBUFFER, label: 'framebuffer (VGA mode 0x13, 320x200)' },
      nativeSize: { width: 320, height: 200 },
    };
  }
  if (facts.firmware === 'uefi') return { display: 'no-vga-text', mirror: 'off' };
  return { display: 'vga-text', mirror: 'text' };
}

/** Whether the kernel ELF has a `.bootloader-config` section (a 0.11 kernel); false when it cannot be read. */
export function kernelIsAbi011(kernelPath: string): boolean {
  try {
    return readElf(readFileSync(kernelPath)).sections.some((s) => s.name === BOOTLOADER_CONFIG_SECTION);
  } catch {
    // The image step has read this ELF already; an error here changes only what is mirrored.
    return false;
  }
}

/**
 * The framebuffer a host-log `framebuffer` record names, e.g.
 * `framebuffer 0xfd000000..0xfd3e8000 1280x800 stride=1280 bpp=4 format=bgr` (a range, end
 * exclusive, then WIDTHxHEIGHT), or with `base=0x...` and `size=0x...` fields instead of the range.
 */
export function framebufferFromLogLine(line: string): { start: number; end: number; label: string } | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'framebuffer') return undefined;
  const hexNumber = (text: string | undefined) => (text && /^0x[0-9a-f]+$/i.test(text) ? Number(text) : undefined);
  const field = (key: string) => fields.find((f) => f.startsWith(`${key}=`))?.slice(key.length + 1);
  let start: number | undefined;
  let end: number | undefined;
  const range = fields.map((f) => /^(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)$/i.exec(f)).find((m) => m);
  if (range) {
    start = hexNumber(range[1]);
    end = hexNumber(range[2]);
  } else {
    start = hexNumber(field('base'));
    const size = hexNumber(field('size') ?? field('bytes'));
    end = start !== undefined && size !== undefined ? start + size : undefined;
  }
  if (start === undefined || end === undefined || !Number.isSafeInteger(end) || end <= start) return undefined;
  const size = fields.map((f) => /^(\d+)x(\d+)$/.exec(f)).find((m) => m);
  return { start, end, label: size ? `framebuffer (${size[1]}x${size[2]})` : 'framebuffer' };
}
