// The Screen mirror: the VM's display as pixels, for kernels that draw to a framebuffer (mode
// 0x13, VBE, GOP alike). QEMU's `screendump` writes the display as a binary PPM (P6, the one
// format every QEMU build has); this decodes it, compares it with the last picture and turns
// the difference into one rectangle frame for the contract's `screen` event, so an unchanged
// screen costs no event and a blinking cursor costs a few pixels.
import { changedRectangle, cropPixels, SCREEN_MAX_HEIGHT, SCREEN_MAX_WIDTH, type ScreenFrame, type ScreenPixels } from '../shared/screen.js';

export class PpmError extends Error {}

/** Decodes a binary PPM (P6, maxval 255) into RGB pixels; throws a PpmError saying what is wrong and where. */
export function parsePpm(bytes: Uint8Array): ScreenPixels {
  let at = 0;
  const fields: string[] = [];
  // Magic, width, height, maxval: whitespace-separated, `#` comments to the end of a line.
  while (fields.length < 4) {
    while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]!))) at++;
    if (bytes[at] === 0x23) {
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
      continue;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]!))) at++;
    if (start === at) throw new PpmError(`PPM header ends after ${fields.length} of 4 fields (byte ${at})`);
    if (at - start > 16) throw new PpmError(`PPM header field ${fields.length + 1} at byte ${start} is longer than 16 bytes`);
    fields.push(String.fromCharCode(...bytes.subarray(start, at)));
  }
  // Exactly one whitespace byte separates the header from the pixels.
  at++;
  const [magic, w, h, max] = fields as [string, string, string, string];
  if (magic !== 'P6') throw new PpmError(`not a binary PPM: the file starts with ${JSON.stringify(magic.slice(0, 8))}, not "P6"`);
  const width = Number(w);
  const height = Number(h);
  if (!/^\d+$/.test(w) || width < 1) throw new PpmError(`PPM width ${JSON.stringify(w)} is not a positive number`);
  if (!/^\d+$/.test(h) || height < 1) throw new PpmError(`PPM height ${JSON.stringify(h)} is not a positive number`);
  if (max !== '255') throw new PpmError(`PPM maxval ${JSON.stringify(max)}: only 255 (one byte a channel) is read`);
  if (width > SCREEN_MAX_WIDTH || height > SCREEN_MAX_HEIGHT) {
    throw new PpmError(`the screen is ${width}x${height}, larger than the ${SCREEN_MAX_WIDTH}x${SCREEN_MAX_HEIGHT} Bootlab shows`);
  }
  const length = width * height * 3;
  if (bytes.length - at < length) throw new PpmError(`PPM pixel data is ${bytes.length - at} bytes, ${width}x${height} needs ${length}`);
  return { width, height, rgb: bytes.subarray(at, at + length) };
}

/**
 * The picture at `width`x`height` when it is that size scaled up by whole factors with every
 * pixel repeated exactly (QEMU draws mode 0x13's 320x200 as 640x400); undefined otherwise.
 */
export function exactDownscale(picture: ScreenPixels, width: number, height: number): ScreenPixels | undefined {
  const fx = picture.width / width;
  const fy = picture.height / height;
  if (!Number.isInteger(fx) || !Number.isInteger(fy) || (fx === 1 && fy === 1)) return undefined;
  const src = picture.rgb;
  const rgb = new Uint8Array(width * height * 3);
  const stride = picture.width * 3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * fy * picture.width + x * fx) * 3;
      // Every copy of this pixel must be the same colour, or the picture is not a plain scale-up.
      for (let dy = 0; dy < fy; dy++) {
        for (let dx = 0; dx < fx; dx++) {
          const i = at + dy * stride + dx * 3;
          if (src[i] !== src[at] || src[i + 1] !== src[at + 1] || src[i + 2] !== src[at + 2]) return undefined;
        }
      }
      rgb[(y * width + x) * 3] = src[at]!;
      rgb[(y * width + x) * 3 + 1] = src[at + 1]!;
      rgb[(y * width + x) * 3 + 2] = src[at + 2]!;
    }
  }
  return { width, height, rgb };
}

/** Turns successive screendumps into frames: the whole screen first, then only what changed. */
export class ScreenDiffer {
  #last: ScreenPixels | undefined;

  /** `native`: the mode's own size when QEMU draws it scaled up (mode 0x13: 320x200): pixels are sent at that size. */
  constructor(private readonly native?: { width: number; height: number }) {}

  /** The frame for a new picture, or undefined when it shows nothing new. */
  next(dumped: ScreenPixels): ScreenFrame | undefined {
    const picture = (this.native && exactDownscale(dumped, this.native.width, this.native.height)) || dumped;
    const rect = this.#last ? changedRectangle(this.#last, picture) : { x: 0, y: 0, w: picture.width, h: picture.height };
    if (!rect) return undefined;
    // Keep a copy: the caller's buffer may be reused for the next read.
    this.#last = { width: picture.width, height: picture.height, rgb: Uint8Array.from(picture.rgb) };
    const pixels = cropPixels(picture, rect);
    return { width: picture.width, height: picture.height, ...rect, base64: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64') };
  }
}
