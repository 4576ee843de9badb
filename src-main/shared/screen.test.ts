import { describe, expect, it } from 'vitest';
import { applyScreenFrame, changedRectangle, checkScreenFrame, cropPixels, ScreenFrameError, SCREEN_MAX_WIDTH, type ScreenPixels } from './screen.js';
import { isMemoryRegionType } from './api.js';

function picture(width: number, height: number, fill = 0): ScreenPixels {
  return { width, height, rgb: new Uint8Array(width * height * 3).fill(fill) };
}

function setPixel(p: ScreenPixels, x: number, y: number, rgb: [number, number, number]): void {
  p.rgb.set(rgb, (y * p.width + x) * 3);
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe('changedRectangle', () => {
  it('is undefined for equal pictures and the bounding box of every changed pixel otherwise', () => {
    const a = picture(8, 6);
    const b = picture(8, 6);
    expect(changedRectangle(a, b)).toBeUndefined();
    setPixel(b, 2, 1, [255, 0, 0]);
    expect(changedRectangle(a, b)).toEqual({ x: 2, y: 1, w: 1, h: 1 });
    setPixel(b, 6, 4, [0, 0, 1]);
    setPixel(b, 0, 3, [0, 1, 0]);
    expect(changedRectangle(a, b)).toEqual({ x: 0, y: 1, w: 7, h: 4 });
  });

  it('covers the whole screen when the size changed', () => {
    expect(changedRectangle(picture(4, 4), picture(8, 2))).toEqual({ x: 0, y: 0, w: 8, h: 2 });
  });
});

describe('applyScreenFrame', () => {
  it('paints a rectangle in place and starts a new black picture when the size changes', () => {
    const target = picture(4, 3);
    const source = picture(4, 3);
    setPixel(source, 1, 1, [10, 20, 30]);
    setPixel(source, 2, 2, [40, 50, 60]);
    const rect = changedRectangle(target, source)!;
    const frame = { width: 4, height: 3, ...rect, base64: b64(cropPixels(source, rect)) };
    const painted = applyScreenFrame(target, checkScreenFrame(frame), cropPixels(source, rect));
    expect(painted).toBe(target);
    expect(Array.from(painted.rgb)).toEqual(Array.from(source.rgb));

    const bigger = applyScreenFrame(target, { width: 5, height: 3, x: 4, y: 0, w: 1, h: 1, base64: 'AQID' }, Uint8Array.of(1, 2, 3));
    expect(bigger).not.toBe(target);
    expect(bigger.width).toBe(5);
    expect(Array.from(bigger.rgb.subarray(12, 15))).toEqual([1, 2, 3]);
    expect(bigger.rgb.reduce((sum, v) => sum + v, 0)).toBe(6);
  });
});

describe('checkScreenFrame', () => {
  const good = { width: 320, height: 200, x: 10, y: 20, w: 2, h: 1, base64: b64(new Uint8Array(6)) };

  it('accepts a frame inside its screen with exactly w*h*3 bytes', () => {
    expect(checkScreenFrame(good)).toEqual(good);
  });

  it.each([
    [{ ...good, width: SCREEN_MAX_WIDTH + 1 }, /width must be 1\.\.2560, got 2561/],
    [{ ...good, height: 0 }, /height must be/],
    [{ ...good, x: 320 }, /x must be 0\.\.319/],
    [{ ...good, y: -1 }, /y must be 0\.\.199/],
    [{ ...good, x: 319, w: 2 }, /w must be 1\.\.1 \(the rectangle ends inside the 320-pixel-wide screen\), got 2/],
    [{ ...good, h: 1.5 }, /h must be/],
    [{ ...good, base64: b64(new Uint8Array(9)) }, /base64 must hold 6 bytes \(2x1 RGB pixels\)/],
    [{ ...good, base64: 'not base64!' }, /base64 must hold/],
    [null, /not an object/],
  ])('refuses %o', (frame, message) => {
    expect(() => checkScreenFrame(frame)).toThrow(ScreenFrameError);
    expect(() => checkScreenFrame(frame)).toThrow(message);
  });
});

describe('isMemoryRegionType', () => {
  it('knows the 0.9 names and the 0.11 kinds with a decimal N', () => {
    for (const name of ['Usable', 'Bootloader', 'KernelStack', 'UnknownBios(2)', 'UnknownUefi(0)', 'UnknownUefi(4294967295)']) expect(isMemoryRegionType(name)).toBe(true);
    for (const name of ['usable', 'UnknownBios(0x2)', 'UnknownBios(02)', 'UnknownUefi()', 'UnknownUefi(4294967296)', 'Unknown(3)', 'UnknownBios(2) ']) expect(isMemoryRegionType(name)).toBe(false);
  });
});
