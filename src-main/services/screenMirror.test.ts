import { describe, expect, it } from 'vitest';
import { applyScreenFrame, checkScreenFrame, type ScreenPixels } from '../shared/screen.js';
import { exactDownscale, parsePpm, PpmError, ScreenDiffer } from './screenMirror.js';

function ppm(width: number, height: number, pixel: (x: number, y: number) => [number, number, number], header = `P6\n${width} ${height}\n255\n`): Buffer {
  const body = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) body.set(pixel(x, y), (y * width + x) * 3);
  return Buffer.concat([Buffer.from(header, 'latin1'), body]);
}

describe('parsePpm', () => {
  it('reads QEMU screendump files (P6, maxval 255), comments included', () => {
    const p = parsePpm(ppm(3, 2, (x, y) => [x, y, 7], 'P6\n# QEMU\n3 2\n255\n'));
    expect(p.width).toBe(3);
    expect(p.height).toBe(2);
    expect(Array.from(p.rgb.subarray(15, 18))).toEqual([2, 1, 7]);
  });

  it.each([
    [Buffer.from('P3\n1 1\n255\n0 0 0\n'), /not a binary PPM: the file starts with "P3"/],
    [Buffer.from('P6\n1 1\n65535\n'), /maxval "65535"/],
    [Buffer.from('P6\n2 2\n255\n\0\0\0'), /pixel data is 3 bytes, 2x2 needs 12/],
    [Buffer.from('P6\n2 '), /header ends after 2 of 4 fields/],
    [Buffer.from('P6\n-2 2\n255\n'), /width "-2"/],
    [Buffer.from('P6\n4000 2000\n255\n'), /the screen is 4000x2000, larger than the 2560x1600 Bootlab shows/],
    [Buffer.from(`P6\n${'9'.repeat(40)} 2\n255\n`), /field 2 at byte 3 is longer than 16 bytes/],
  ])('refuses a bad file with what is wrong: %#', (bytes, message) => {
    expect(() => parsePpm(bytes)).toThrow(PpmError);
    expect(() => parsePpm(bytes)).toThrow(message);
  });
});

describe('ScreenDiffer', () => {
  it('sends the whole screen first, nothing for an unchanged one, then only the changed rectangle; frames rebuild the screen', () => {
    const differ = new ScreenDiffer();
    const black = () => [0, 0, 0] as [number, number, number];
    const first = differ.next(parsePpm(ppm(320, 200, black)))!;
    expect({ ...first, base64: undefined }).toEqual({ width: 320, height: 200, x: 0, y: 0, w: 320, h: 200, base64: undefined });
    expect(differ.next(parsePpm(ppm(320, 200, black)))).toBeUndefined();

    const box = (x: number, y: number): [number, number, number] => (x >= 100 && x < 140 && y >= 50 && y < 60 ? [255, 0, 0] : [0, 0, 0]);
    const second = differ.next(parsePpm(ppm(320, 200, box)))!;
    expect({ x: second.x, y: second.y, w: second.w, h: second.h }).toEqual({ x: 100, y: 50, w: 40, h: 10 });
    expect(Buffer.from(second.base64, 'base64').length).toBe(40 * 10 * 3);

    // The receiving side: checked, painted, equal to the last dump.
    let screen: ScreenPixels | undefined;
    for (const frame of [first, second]) screen = applyScreenFrame(screen, checkScreenFrame(frame), Buffer.from(frame.base64, 'base64'));
    expect(Buffer.from(screen!.rgb).equals(Buffer.from(parsePpm(ppm(320, 200, box)).rgb))).toBe(true);

    // A mode change (another size) sends the whole new screen.
    const third = differ.next(parsePpm(ppm(640, 480, black)))!;
    expect({ w: third.w, h: third.h }).toEqual({ w: 640, h: 480 });
  });
});

describe('exactDownscale', () => {
  const colour = (x: number, y: number): [number, number, number] => [x * 10, y * 10, (x + y) % 256];

  it("gives mode 0x13's 320x200 back from QEMU's 640x400 picture of it, sent at that size", () => {
    const doubled = parsePpm(ppm(640, 400, (x, y) => colour(x >> 1, y >> 1)));
    const native = exactDownscale(doubled, 320, 200)!;
    expect(native.width).toBe(320);
    expect(Array.from(native.rgb.subarray((7 * 320 + 5) * 3, (7 * 320 + 5) * 3 + 3))).toEqual(colour(5, 7));
    const frame = new ScreenDiffer({ width: 320, height: 200 }).next(doubled)!;
    expect([frame.width, frame.height]).toEqual([320, 200]);
  });

  it('leaves a picture alone when a pixel differs from its copies, or when the size is no whole multiple', () => {
    const doubled = ppm(640, 400, (x, y) => (x === 301 && y === 10 ? [1, 2, 3] : colour(x >> 1, y >> 1)));
    expect(exactDownscale(parsePpm(doubled), 320, 200)).toBeUndefined();
    expect(exactDownscale(parsePpm(ppm(720, 400, () => [0, 0, 0])), 320, 200)).toBeUndefined();
    expect(new ScreenDiffer({ width: 320, height: 200 }).next(parsePpm(doubled))!.width).toBe(640);
  });
});
