// What the Boot console mirrors for a run, decided before QEMU starts and revised by what the
// loader reports: the VGA text rows (a 0.9 text-mode kernel on BIOS), the Screen (the kernel has
// a framebuffer: `vga_320x200` sets mode 0x13; every bootloader_api 0.11 kernel gets one, VBE
// on BIOS and GOP on UEFI), or a plain note (UEFI has no VGA text buffer, so a 0.9 text-mode
// kernel's screen does not exist there and reading 0xB8000 would show nothing useful).
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

/**
 * The framebuffer a host-log record names: stage2's `vbe mode=0x.. width=0x.. height=0x..
 * stride=0x.. bytes-per-pixel=0x.. format=0x.. base=0x.. ...` (all hex, stride in pixels), or a
 * `framebuffer` record with a range `0xSTART..0xEND` and `WIDTHxHEIGHT`, or `base=` with
 * `size=`/`bytes=` or with the vbe record's size fields. Undefined for any other line, or when
 * the address or size is missing.
 */
export function framebufferFromLogLine(line: string): { start: number; end: number; label: string } | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'framebuffer' && fields[0] !== 'vbe') return undefined;
  const number = (text: string | undefined) => (text && /^0x[0-9a-f]+$/i.test(text) ? Number(text) : text && /^\d+$/.test(text) ? Number(text) : undefined);
  const field = (key: string) => number(fields.find((f) => f.startsWith(`${key}=`))?.slice(key.length + 1));
  let start: number | undefined;
  let end: number | undefined;
  let width = field('width');
  let height = field('height');
  const range = fields.map((f) => /^(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)$/i.exec(f)).find((m) => m);
  if (range) {
    start = number(range[1]);
    end = number(range[2]);
  } else {
    start = field('base');
    const stride = field('stride');
    const bytesPerPixel = field('bytes-per-pixel') ?? field('bpp');
    const size = field('size') ?? field('bytes') ?? (stride !== undefined && height !== undefined && bytesPerPixel !== undefined ? stride * height * bytesPerPixel : undefined);
    end = start !== undefined && size !== undefined ? start + size : undefined;
  }
  if (start === undefined || end === undefined || !Number.isSafeInteger(end) || end <= start) return undefined;
  const size = fields.map((f) => /^(\d+)x(\d+)$/.exec(f)).find((m) => m);
  if (size) [width, height] = [Number(size[1]), Number(size[2])];
  const mode = fields[0] === 'vbe' ? field('mode') : undefined;
  const what = [width !== undefined && height !== undefined ? `${width}x${height}` : undefined, mode !== undefined ? `VBE mode 0x${mode.toString(16)}` : undefined].filter(Boolean).join(', ');
  return { start, end, label: what ? `framebuffer (${what})` : 'framebuffer' };
}
