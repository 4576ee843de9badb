// The host log's `region` records with bootloader_api 0.11's kinds (BOOT-CONTRACT-011 §2.3):
// `UnknownBios(N)` and `UnknownUefi(N)` reach the memory map; malformed kinds stay unknown.
import { describe, expect, it } from 'vitest';
import { parseBootLog, parseRegionLines } from './bootLog.js';

describe('0.11 region kinds in the host log', () => {
  it('keeps Usable, Bootloader, UnknownBios(N) and UnknownUefi(N) regions', () => {
    const log = parseBootLog([
      'bootlab-boot-log 1',
      'region 0x0..0x9fc00 Usable',
      'region 0x9fc00..0xa0000 UnknownBios(2)',
      'region 0x100000..0x200000 Bootloader',
      'region 0x7fe0000..0x8000000 UnknownUefi(10)',
      'region 0x8000000..0x8001000 UnknownBios(0x2)',
      'region 0x8001000..0x8002000 Unknown(3)',
    ]);
    expect(log.memoryMap.map((r) => r.type)).toEqual(['Usable', 'UnknownBios(2)', 'Bootloader', 'UnknownUefi(10)']);
    expect(log.unknown).toEqual(['region 0x8000000..0x8001000 UnknownBios(0x2)', 'region 0x8001000..0x8002000 Unknown(3)']);
  });

  it("reads them from a kernel's own region lines too", () => {
    expect(parseRegionLines('region 0x0..0x1000 UnknownUefi(0)\nregion 0x1000..0x2000 Usable')).toEqual([
      { start: 0, end: 0x1000, type: 'UnknownUefi(0)' },
      { start: 0x1000, end: 0x2000, type: 'Usable' },
    ]);
  });
});

describe('the UEFI map in the host log', () => {
  it('keeps the UEFI type an e820 record carries under UEFI, and nothing for plain E820 records', () => {
    const log = parseBootLog(['e820 0x0..0xa0000 0x1 uefi=0x7', 'e820 0x7f8e000..0x7fae000 0x2 uefi=0x6', 'e820 0xa0000..0x100000 0x2']);
    expect(log.uefiMap).toEqual([
      { start: 0, end: 0xa0000, type: 7 },
      { start: 0x7f8e000, end: 0x7fae000, type: 6 },
    ]);
    expect(log.e820.map((e) => e.type)).toEqual(['Usable', 'Reserved', 'Reserved']);
    expect(parseBootLog(['e820 0x0..0xa0000 0x1']).uefiMap).toEqual([]);
  });
});
