import { describe, expect, it } from 'vitest';
import { displayFor, framebufferFromLogLine } from './consoleDisplay.js';

describe('displayFor', () => {
  it('mirrors the VGA text rows for a 0.9 text-mode kernel on BIOS', () => {
    expect(displayFor({ features: ['map_physical_memory'], firmware: 'bios', abi011: false })).toEqual({ display: 'vga-text', mirror: 'text' });
  });

  it('says there is no VGA text under UEFI for a 0.9 text-mode kernel, and reads nothing', () => {
    expect(displayFor({ features: [], firmware: 'uefi', abi011: false })).toEqual({ display: 'no-vga-text', mirror: 'off' });
  });

  it('shows the Screen for vga_320x200 (its framebuffer at 0xA0000 marked) and for every 0.11 kernel', () => {
    expect(displayFor({ features: ['vga_320x200'], firmware: 'bios', abi011: false })).toEqual({
      display: 'screen',
      mirror: 'pixels',
      framebuffer: { start: 0xa0000, end: 0xafa00, label: 'framebuffer (VGA mode 0x13, 320x200)' },
      nativeSize: { width: 320, height: 200 },
    });
    expect(displayFor({ features: ['vga_320x200'], firmware: 'uefi', abi011: false })).toEqual({ display: 'screen', mirror: 'pixels' });
    for (const firmware of ['bios', 'uefi'] as const) expect(displayFor({ features: [], firmware, abi011: true })).toEqual({ display: 'screen', mirror: 'pixels' });
  });
});

describe('framebufferFromLogLine', () => {
  it('reads a range with a size, or base= and size= fields', () => {
    expect(framebufferFromLogLine('framebuffer 0xfd000000..0xfd3e8000 1280x800 stride=1280 bpp=4 format=bgr')).toEqual({ start: 0xfd000000, end: 0xfd3e8000, label: 'framebuffer (1280x800)' });
    expect(framebufferFromLogLine('framebuffer base=0x80000000 size=0x3e8000')).toEqual({ start: 0x80000000, end: 0x803e8000, label: 'framebuffer' });
  });

  it("reads stage2's vbe record (hex fields, stride in pixels)", () => {
    const line = 'vbe mode=0x144 width=0x500 height=0x2d0 stride=0x500 bytes-per-pixel=0x4 format=0x1 base=0xfd000000 scan-tsc=0x1234 set-tsc=0x5678';
    expect(framebufferFromLogLine(line)).toEqual({ start: 0xfd000000, end: 0xfd000000 + 1280 * 720 * 4, label: 'framebuffer (1280x720, VBE mode 0x144)' });
  });

  it('ignores other records and framebuffer records without an address', () => {
    expect(framebufferFromLogLine('vbe mode=0x144 width=0x500')).toBeUndefined();
    expect(framebufferFromLogLine('note no framebuffer: the BIOS has no VBE 2.0 (int 10h AX=4F00h)')).toBeUndefined();
    expect(framebufferFromLogLine('region 0x0..0x1000 FrameZero')).toBeUndefined();
    expect(framebufferFromLogLine('framebuffer none')).toBeUndefined();
    expect(framebufferFromLogLine('framebuffer 0x2000..0x1000')).toBeUndefined();
  });
});
